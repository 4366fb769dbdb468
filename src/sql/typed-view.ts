import { Column, Contract } from "../model/contracts";
import { Dialect } from "./dialect";

/**
 * The typed view of a batch: the single definition of how a raw CSV value becomes a typed,
 * normalised value. The local pipeline, the Glue job (Spark) and every check engine compile it
 * from the contract, so "what counts as a bad value" cannot drift between targets.
 *
 * Input relation: one VARCHAR column per canonical column name (NULL where the source file lacks
 * it), plus `_source_file` and `_row`. Output, per column c: `c__raw` (as received), `c__present`
 * (not NULL, empty or whitespace only) and `c` (typed and normalised; NULL when absent or when the
 * value does not cast). A value is invalid when `c__present AND c IS NULL`.
 */

export const RAW_SUFFIX = "__raw";
/** How much of a bad value a quarantine reason quotes. */
export const REASON_VALUE_CHARS = 80;
export const PRESENT_SUFFIX = "__present";
const CLEAN_SUFFIX = "__clean";
const FOLDED_SUFFIX = "__folded";

const needsFolding = (c: Column): boolean => c.type.kind === "boolean" || c.valueMap.size > 0;

export const TRUE_SPELLINGS = ["true", "t", "1", "yes", "y", "si", "s", "verdadero"];
export const FALSE_SPELLINGS = ["false", "f", "0", "no", "n", "falso"];

export const rawName = (column: string): string => `${column}${RAW_SUFFIX}`;
export const presentName = (column: string): string => `${column}${PRESENT_SUFFIX}`;

/** A format's shape for LIKE: "dd/MM/yyyy" -> "__/__/____". */
export function formatShape(format: string): string {
  return format.replace(/'T'/g, "T").replace(/yyyy/g, "____").replace(/MM|dd|HH|mm|ss/g, "__");
}

/**
 * Tries each format only on values of its shape: a value parses only in the exact shape of a
 * declared format on every engine, and DuckDB avoids its slow failed-parse path (10x on 1M rows).
 */
function parseByShape(clean: string, formats: readonly string[], parse: (format: string) => string): string {
  const attempts = formats.map((f) => `CASE WHEN ${clean} LIKE '${formatShape(f)}' THEN ${parse(f)} END`);
  return attempts.length === 1 ? attempts[0] : `COALESCE(${attempts.join(", ")})`;
}

/**
 * SQL that types and normalises one value. `clean` is the value trimmed, empty as NULL; `folded`
 * is it lower-cased without accents (computed once, below, for enum and boolean columns).
 */
export function typedValueSql(d: Dialect, contract: Contract, column: Column, clean: string, folded: string): string {
  const t = column.type;
  switch (t.kind) {
    case "string": {
      if (column.valueMap.size === 0) return clean;
      const branches = [...column.valueMap].map(([spelling, canonical]) => `WHEN ${d.str(spelling)} THEN ${d.str(canonical)}`);
      return `CASE ${folded} ${branches.join(" ")} ELSE ${folded} END`;
    }
    case "integer":
      return d.tryCast(clean, t);
    case "decimal":
      // Spanish exports write a decimal comma: "1234,5" is read as 1234.5 when there is no dot.
      return d.tryCast(`CASE WHEN ${clean} LIKE '%,%' AND ${clean} NOT LIKE '%.%' THEN replace(${clean}, ',', '.') ELSE ${clean} END`, t);
    case "date":
      return parseByShape(clean, contract.dateFormats, (f) => d.parseDate(clean, f));
    case "timestamp":
      return `COALESCE(${parseByShape(clean, contract.timestampFormats, (f) => d.parseTimestamp(clean, f))}, ` +
        `CAST(${parseByShape(clean, contract.dateFormats, (f) => d.parseDate(clean, f))} AS ${d.sqlType(t)}))`;
    case "boolean": {
      const list = (values: string[]): string => values.map((v) => d.str(v)).join(", ");
      return `CASE WHEN ${folded} IN (${list(TRUE_SPELLINGS)}) THEN TRUE WHEN ${folded} IN (${list(FALSE_SPELLINGS)}) THEN FALSE END`;
    }
  }
}

function selectedColumns(contract: Contract, only: readonly string[] | undefined): Column[] {
  if (only === undefined) return [...contract.columns];
  return contract.columns.filter((c) => only.includes(c.name));
}

/**
 * SELECT over `source` (a parenthesised subquery or a table name) producing the typed view.
 * `only` restricts the columns computed, so a check reads just what its rules need; `carried`
 * names further columns of `source` passed through unchanged (the profiler's load date and the
 * headers no contract column claims).
 */
export function typedViewSql(d: Dialect, contract: Contract, source: string, only?: readonly string[], carried: readonly string[] = []): string {
  const columns = selectedColumns(contract, only);
  const trimmed = columns.map((c) => `${d.ident(c.name)} AS ${d.ident(rawName(c.name))}, NULLIF(${d.trimWhitespace(d.ident(c.name))}, '') AS ${d.ident(c.name + CLEAN_SUFFIX)}`);
  const cleaned = columns.map((c) => {
    const keep = `${d.ident(rawName(c.name))}, ${d.ident(c.name + CLEAN_SUFFIX)}`;
    return needsFolding(c) ? `${keep}, ${d.fold(d.ident(c.name + CLEAN_SUFFIX))} AS ${d.ident(c.name + FOLDED_SUFFIX)}` : keep;
  });
  const typed = columns.flatMap((c) => {
    const clean = d.ident(c.name + CLEAN_SUFFIX);
    return [
      d.ident(rawName(c.name)),
      `(${clean} IS NOT NULL) AS ${d.ident(presentName(c.name))}`,
      `${typedValueSql(d, contract, c, clean, d.ident(c.name + FOLDED_SUFFIX))} AS ${d.ident(c.name)}`,
    ];
  });
  const meta = [d.ident("_source_file"), d.ident("_row"), ...carried.map((c) => d.ident(c))].join(", ");
  return (
    `SELECT ${meta}, ${typed.join(", ")} FROM ` +
    `(SELECT ${meta}, ${cleaned.join(", ")} FROM ` +
    `(SELECT ${meta}, ${trimmed.join(", ")} FROM ${source} AS batch) AS trimmed) AS cleaned`
  );
}

/**
 * One text per row listing why it cannot be typed ("price: 'N/A' is not a decimal(18,4)"),
 * NULL when the row is valid. Evaluated over the typed view.
 */
export function rowProblemsSql(d: Dialect, contract: Contract): string {
  const problems = contract.columns.map((c) => {
    const present = d.ident(presentName(c.name));
    const raw = d.ident(rawName(c.name));
    // A reason quotes at most REASON_VALUE_CHARS of the value: a 5 MB value must not make a 5 MB reason.
    const quoted = `CASE WHEN length(${raw}) > ${REASON_VALUE_CHARS} THEN concat(substr(${raw}, 1, ${REASON_VALUE_CHARS}), ${d.str("…")}) ELSE ${raw} END`;
    const invalid = `WHEN ${present} AND ${d.ident(c.name)} IS NULL THEN concat(${d.str(`${c.name}: '`)}, ${quoted}, ${d.str(`' is not a valid ${c.typeName}`)})`;
    const missing = c.required ? ` WHEN NOT ${present} THEN ${d.str(`${c.name}: required value is missing`)}` : "";
    return `CASE ${invalid}${missing} END`;
  });
  return `NULLIF(concat_ws('; ', ${problems.join(", ")}), '')`;
}
