import { Column, Contract } from "../model/contracts";
import { ACCENTED, UNACCENTED } from "../model/text";
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
export const PRESENT_SUFFIX = "__present";
const CLEAN_SUFFIX = "__clean";

export const TRUE_SPELLINGS = ["true", "t", "1", "yes", "y", "si", "s", "verdadero"];
export const FALSE_SPELLINGS = ["false", "f", "0", "no", "n", "falso"];

export const rawName = (column: string): string => `${column}${RAW_SUFFIX}`;
export const presentName = (column: string): string => `${column}${PRESENT_SUFFIX}`;

function foldSql(d: Dialect, expr: string): string {
  return `translate(lower(${expr}), ${d.str(ACCENTED)}, ${d.str(UNACCENTED)})`;
}

/** SQL that types and normalises one cleaned (trimmed, empty as NULL) value. */
export function typedValueSql(d: Dialect, contract: Contract, column: Column, clean: string): string {
  const t = column.type;
  switch (t.kind) {
    case "string": {
      if (column.valueMap.size === 0) return clean;
      const branches = [...column.valueMap].map(([spelling, canonical]) => `WHEN ${d.str(spelling)} THEN ${d.str(canonical)}`);
      return `CASE ${foldSql(d, clean)} ${branches.join(" ")} ELSE ${foldSql(d, clean)} END`;
    }
    case "integer":
      return d.tryCast(clean, t);
    case "decimal":
      // Spanish exports write a decimal comma: "1234,5" is read as 1234.5 when there is no dot.
      return d.tryCast(`CASE WHEN ${clean} LIKE '%,%' AND ${clean} NOT LIKE '%.%' THEN replace(${clean}, ',', '.') ELSE ${clean} END`, t);
    case "date":
      return d.parseDate(clean, contract.dateFormats);
    case "timestamp":
      return `COALESCE(${d.parseTimestamp(clean, contract.timestampFormats)}, CAST(${d.parseDate(clean, contract.dateFormats)} AS ${d.sqlType(t)}))`;
    case "boolean": {
      const list = (values: string[]): string => values.map((v) => d.str(v)).join(", ");
      return `CASE WHEN ${foldSql(d, clean)} IN (${list(TRUE_SPELLINGS)}) THEN TRUE WHEN ${foldSql(d, clean)} IN (${list(FALSE_SPELLINGS)}) THEN FALSE END`;
    }
  }
}

function selectedColumns(contract: Contract, only: readonly string[] | undefined): Column[] {
  if (only === undefined) return [...contract.columns];
  return contract.columns.filter((c) => only.includes(c.name));
}

/**
 * SELECT over `source` (a parenthesised subquery or a table name) producing the typed view.
 * `only` restricts the columns computed, so a check reads just what its rules need.
 */
export function typedViewSql(d: Dialect, contract: Contract, source: string, only?: readonly string[]): string {
  const columns = selectedColumns(contract, only);
  const cleaned = columns.flatMap((c) => [
    `${d.ident(c.name)} AS ${d.ident(rawName(c.name))}`,
    `NULLIF(${d.trimWhitespace(d.ident(c.name))}, '') AS ${d.ident(c.name + CLEAN_SUFFIX)}`,
  ]);
  const typed = columns.flatMap((c) => {
    const clean = d.ident(c.name + CLEAN_SUFFIX);
    return [
      d.ident(rawName(c.name)),
      `(${clean} IS NOT NULL) AS ${d.ident(presentName(c.name))}`,
      `${typedValueSql(d, contract, c, clean)} AS ${d.ident(c.name)}`,
    ];
  });
  const meta = [d.ident("_source_file"), d.ident("_row")];
  return (
    `SELECT ${[...meta, ...typed].join(", ")} FROM ` +
    `(SELECT ${[...meta, ...cleaned].join(", ")} FROM ${source} AS batch) AS cleaned`
  );
}

/**
 * One text per row listing why it cannot be typed ("price: 'N/A' is not a decimal(18,4)"),
 * NULL when the row is valid. Evaluated over the typed view.
 */
export function rowProblemsSql(d: Dialect, contract: Contract): string {
  const problems = contract.columns.map((c) => {
    const present = d.ident(presentName(c.name));
    const invalid = `WHEN ${present} AND ${d.ident(c.name)} IS NULL THEN concat(${d.str(`${c.name}: '`)}, ${d.ident(rawName(c.name))}, ${d.str(`' is not a valid ${c.typeName}`)})`;
    const missing = c.required ? ` WHEN NOT ${present} THEN ${d.str(`${c.name}: required value is missing`)}` : "";
    return `CASE ${invalid}${missing} END`;
  });
  return `NULLIF(concat_ws('; ', ${problems.join(", ")}), '')`;
}
