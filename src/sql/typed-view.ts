import * as path from "path";
import { Column, ColumnType, Contract, groupingFor, NumberFormat } from "../model/contracts";
import { Dialect } from "./dialect";

/**
 * The typed view of a batch: the single definition of how a raw CSV value becomes a typed,
 * normalised value. The local pipeline, the Glue job (Spark) and every check engine compile it
 * from the contract, so "what counts as a bad value" cannot drift between targets.
 *
 * Input relation: one VARCHAR column per canonical column name (NULL where the source file lacks
 * it), plus `_source_file` and `_row`. Output, per column c: `c__raw` (as received), `c__present`
 * (not NULL, not empty or whitespace only, not one of the column's null markers) and `c` (typed
 * and normalised; NULL when absent or when the value does not read as its type). A value is
 * invalid when `c__present AND c IS NULL`.
 *
 * Numbers read only in the shapes every engine agrees on (each engine's own cast rounds, accepts
 * hex or underscores differently): digits, a sign, the decimal separator once, the grouping
 * separator only between groups of three, and no more decimals than the column's scale.
 */

export const RAW_SUFFIX = "__raw";
/** How much of a bad value a quarantine reason quotes. */
export const REASON_VALUE_CHARS = 80;
export const PRESENT_SUFFIX = "__present";
const TRIMMED_SUFFIX = "__trimmed";
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

type Separator = "." | ",";
const SEPARATORS: readonly Separator[] = [".", ","];

const regexEscape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The shape of a number written with `decimal` (and `grouping` between groups of three digits).
 * `scale`: at most that many decimals (trailing zeros aside); undefined: any number of them.
 */
export function numberPattern(decimal: Separator | undefined, grouping: string, scale: number | undefined): string {
  const integer = grouping === "" ? "\\d+" : `(?:\\d{1,3}(?:${regexEscape(grouping)}\\d{3})+|\\d+)`;
  if (decimal === undefined) return `[+-]?${integer}`;
  const fraction = scale === undefined ? "\\d+" : scale === 0 ? "0+" : `\\d{1,${scale}}0*`;
  const point = regexEscape(decimal);
  return `[+-]?(?:${integer}(?:${point}(?:${fraction}))?|${point}(?:${fraction}))`;
}

/** The readings a contract allows: the declared decimal separator, or (undeclared) each one with its grouping. */
function readings(numbers: NumberFormat): { decimal: Separator; grouping: string }[] {
  const decimals = numbers.decimal === undefined ? SEPARATORS.filter((s) => s !== numbers.grouping) : [numbers.decimal];
  return decimals.map((decimal) => ({ decimal, grouping: groupingFor(numbers, decimal) })).filter((r) => r.grouping !== r.decimal);
}

/** The number in `clean` rewritten as the engines' cast reads it: no grouping, a point for the decimal. */
function canonicalNumber(clean: string, decimal: Separator | undefined, grouping: string): string {
  const ungrouped = grouping === "" ? clean : `replace(${clean}, '${grouping.replace(/'/g, "''")}', '')`;
  return decimal === "," ? `replace(${ungrouped}, ',', '.')` : ungrouped;
}

/**
 * A decimal or integer value. With the decimal separator known (declared, or found in the load's
 * values) one shape is tried. Without, both readings are: a value that fits both (1,234 is 1.234
 * or 1234) is ambiguous and does not read, whatever the column's scale would allow.
 */
function numberSql(d: Dialect, numbers: NumberFormat, type: ColumnType, clean: string): string {
  const scale = type.kind === "decimal" ? type.scale : 0;
  if (type.kind === "integer") {
    // Integers take grouping only when the decimal separator is known: 1.234 is otherwise 1234 or not an integer at all.
    const grouping = numbers.decimal === undefined ? "" : groupingFor(numbers, numbers.decimal);
    return `CASE WHEN ${d.fullMatch(clean, numberPattern(undefined, grouping, undefined))} THEN ${d.tryCast(canonicalNumber(clean, undefined, grouping), type)} END`;
  }
  const options = readings(numbers);
  if (options.length === 1) {
    // One shape, plain digits included (they read the same rewritten).
    const [{ decimal, grouping }] = options;
    return `CASE WHEN ${d.fullMatch(clean, numberPattern(decimal, grouping, scale))} THEN ${d.tryCast(canonicalNumber(clean, decimal, grouping), type)} END`;
  }
  // Plain digits fit both readings, and read the same in either.
  const plain = `WHEN ${d.fullMatch(clean, "[+-]?\\d+")} THEN ${d.tryCast(clean, type)}`;
  const fits = (i: number): string => d.fullMatch(clean, numberPattern(options[i].decimal, options[i].grouping, undefined));
  const branches = options.map(
    (o, i) => `WHEN ${d.fullMatch(clean, numberPattern(o.decimal, o.grouping, scale))} AND NOT ${fits(1 - i)} THEN ${d.tryCast(canonicalNumber(clean, o.decimal, o.grouping), type)}`,
  );
  return `CASE ${plain} ${branches.join(" ")} END`;
}

/** True (SQL) when `clean`, undeclared, reads both ways: 1,234 is 1.234 or 1234. */
function ambiguousNumberSql(d: Dialect, numbers: NumberFormat, clean: string): string | undefined {
  const options = readings(numbers);
  if (options.length < 2) return undefined;
  return options.map((o) => d.fullMatch(clean, numberPattern(o.decimal, o.grouping, undefined))).join(" AND ");
}

/** True (SQL) when `clean` is a well-formed number in some reading, only with more decimals than `scale`. */
function tooManyDecimalsSql(d: Dialect, numbers: NumberFormat, clean: string): string {
  return `(${readings(numbers).map((o) => d.fullMatch(clean, numberPattern(o.decimal, o.grouping, undefined))).join(" OR ")})`;
}

/**
 * SQL that types and normalises one value. `clean` is the value trimmed, empty or a null marker as
 * NULL; `folded` is it lower-cased without accents (computed once, below, for enum and boolean columns).
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
    case "decimal":
      return numberSql(d, contract.numbers, t, clean);
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

/** `trimmed` as NULL when it is one of the column's null markers. */
function withoutNullMarkers(d: Dialect, column: Column, trimmed: string): string {
  if (column.nullMarkers.length === 0) return trimmed;
  return `CASE WHEN ${trimmed} IN (${column.nullMarkers.map((m) => d.str(m)).join(", ")}) THEN NULL ELSE ${trimmed} END`;
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
  const trimmed = columns.map((c) => `${d.ident(c.name)} AS ${d.ident(rawName(c.name))}, NULLIF(${d.trimWhitespace(d.ident(c.name))}, '') AS ${d.ident(c.name + TRIMMED_SUFFIX)}`);
  const marked = columns.map((c) => `${d.ident(rawName(c.name))}, ${withoutNullMarkers(d, c, d.ident(c.name + TRIMMED_SUFFIX))} AS ${d.ident(c.name + CLEAN_SUFFIX)}`);
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
  // One step per level, a column per line, so a user auditing compiled SQL can follow a value
  // through the steps. Only the space between items is laid out: values and `source` are left as they are.
  const pad = (depth: number): string => "  ".repeat(depth);
  const select = (list: readonly string[], depth: number): string =>
    // A rule set may need no column at all (only header rules): then the list is the metadata alone.
    `SELECT ${[meta, ...list].join(`,\n${pad(depth + 1)}`)}\n${pad(depth)}FROM`;
  return (
    `${select(typed, 0)} (\n` +
    `  ${select(cleaned, 1)} (\n` +
    `    ${select(marked, 2)} (\n` +
    `      ${select(trimmed, 3)} ${source} AS batch\n` +
    `    ) AS trimmed\n` +
    `  ) AS marked\n` +
    `) AS cleaned`
  );
}

/**
 * Why one value of `column` cannot be typed ("price: 'N/A' is not a decimal(18,4)"), NULL when it
 * can. Non-NULL exactly when {@link columnFailsSql} holds.
 */
function columnProblemSql(d: Dialect, contract: Contract, c: Column): string {
  const contractFile = path.basename(contract.file);
  const present = d.ident(presentName(c.name));
  const raw = d.ident(rawName(c.name));
  // A reason quotes at most REASON_VALUE_CHARS of the value: a 5 MB value must not make a 5 MB reason.
  const quoted = `CASE WHEN length(${raw}) > ${REASON_VALUE_CHARS} THEN concat(substr(${raw}, 1, ${REASON_VALUE_CHARS}), ${d.str("…")}) ELSE ${raw} END`;
  const says = (text: string): string => `concat(${d.str(`${c.name}: '`)}, ${quoted}, ${d.str(`' ${text}`)})`;
  const bad = `${present} AND ${d.ident(c.name)} IS NULL`;
  const trimmed = d.trimWhitespace(raw);
  const why: string[] = [];
  if (c.type.kind === "decimal") {
    const ambiguous = ambiguousNumberSql(d, contract.numbers, trimmed);
    if (ambiguous !== undefined) {
      why.push(`WHEN ${bad} AND ${ambiguous} THEN ${says(`reads two ways (a decimal or a thousands separator?); declare decimal_separator in contract ${contractFile}`)}`);
    }
    why.push(`WHEN ${bad} AND ${tooManyDecimalsSql(d, contract.numbers, trimmed)} THEN ${says(`has more decimals than the ${c.type.scale} of ${c.typeName}`)}`);
  }
  why.push(`WHEN ${bad} THEN ${says(`is not a valid ${c.typeName}`)}`);
  if (c.required) {
    const marker = c.nullMarkers.length === 0 ? "" : ` WHEN NOT ${present} AND ${trimmed} IN (${c.nullMarkers.map((m) => d.str(m)).join(", ")}) THEN concat(${d.str(`${c.name}: required value is missing ('`)}, ${trimmed}, ${d.str("' is a null marker)")})`;
    why.push(`${marker.trim()} WHEN NOT ${present} THEN ${d.str(`${c.name}: required value is missing`)}`.trim());
  }
  return `CASE ${why.join(" ")} END`;
}

/** True (SQL) when a value of `column` in the typed view cannot be typed: present and unreadable, or required and missing. */
function columnFailsSql(d: Dialect, c: Column): string {
  const present = d.ident(presentName(c.name));
  const bad = `(${present} AND ${d.ident(c.name)} IS NULL)`;
  return c.required ? `(${bad} OR NOT ${present})` : bad;
}

/**
 * One text per row listing why it cannot be typed ("price: 'N/A' is not a decimal(18,4)"),
 * NULL when the row is valid. Evaluated over the typed view.
 */
export function rowProblemsSql(d: Dialect, contract: Contract): string {
  return `NULLIF(concat_ws('; ', ${contract.columns.map((c) => columnProblemSql(d, contract, c)).join(", ")}), '')`;
}

/**
 * A column the load types once per distinct value: `table` holds each distinct text of the
 * column (`value`) with its typed value (`typed`) and why it cannot be typed (`problem`), from
 * {@link lookupTableSql}.
 */
export interface ColumnLookup {
  readonly column: string;
  readonly table: string;
}

const LOOKUP_SUFFIX = "__lookup";
const PROBLEM_SUFFIX = "__problem";

/**
 * The lookup table of one column over `source` (the batch): its distinct texts, each typed by
 * the typed view and given its problem, so a column of few distinct values (enum spellings,
 * dates) is typed once per value instead of once per row.
 */
export function lookupTableSql(d: Dialect, contract: Contract, column: string, source: string): string {
  const c = contract.columns.find((x) => x.name === column);
  if (c === undefined) throw new Error(`lookupTableSql: ${column} is not a column of ${contract.name}`);
  const distinct = `(SELECT DISTINCT ${d.ident(c.name)}, CAST(NULL AS VARCHAR) AS ${d.ident("_source_file")}, CAST(NULL AS BIGINT) AS ${d.ident("_row")} FROM ${source} AS batch)`;
  return `SELECT ${d.ident(rawName(c.name))} AS ${d.ident("value")}, ${d.ident(c.name)} AS ${d.ident("typed")}, ${columnProblemSql(d, contract, c)} AS ${d.ident("problem")} FROM (${typedViewSql(d, contract, distinct, [c.name])}) AS typed`;
}

/**
 * What the load keeps of a typed batch: `_source_file`, `_row`, each contract column typed, and
 * `_reason` (as {@link rowProblemsSql}; NULL for a valid row). The text of the values is left
 * out: the quarantine takes it from the batch for its few rows. Columns in `lookups` are typed by
 * joining their lookup tables; the reason text is built only for the rows that have one.
 */
export function loadRowsSql(d: Dialect, contract: Contract, source: string, lookups: readonly ColumnLookup[] = []): string {
  const looked = new Map(lookups.map((l) => [l.column, l]));
  const computed = contract.columns.filter((c) => !looked.has(c.name));
  const carried = lookups.flatMap((l) => [l.column + LOOKUP_SUFFIX, l.column + PROBLEM_SUFFIX]);
  const joined =
    lookups.length === 0
      ? source
      : `(SELECT batch.*, ${lookups.map((l, i) => `l${i}.${d.ident("typed")} AS ${d.ident(l.column + LOOKUP_SUFFIX)}, l${i}.${d.ident("problem")} AS ${d.ident(l.column + PROBLEM_SUFFIX)}`).join(", ")} ` +
        `FROM ${source} AS batch ${lookups.map((l, i) => `LEFT JOIN ${l.table} AS l${i} ON batch.${d.ident(l.column)} IS NOT DISTINCT FROM l${i}.${d.ident("value")}`).join(" ")})`;
  const view = typedViewSql(d, contract, joined, computed.map((c) => c.name), carried);
  const problems = contract.columns.map((c) => (looked.has(c.name) ? d.ident(c.name + PROBLEM_SUFFIX) : columnProblemSql(d, contract, c)));
  const fails = contract.columns.map((c) => (looked.has(c.name) ? `${d.ident(c.name + PROBLEM_SUFFIX)} IS NOT NULL` : columnFailsSql(d, c)));
  const typed = contract.columns.map((c) => (looked.has(c.name) ? `${d.ident(c.name + LOOKUP_SUFFIX)} AS ${d.ident(c.name)}` : d.ident(c.name)));
  const reason = `CASE WHEN ${fails.join(" OR ")} THEN concat_ws('; ', ${problems.join(", ")}) END`;
  return `SELECT ${d.ident("_source_file")}, ${d.ident("_row")}, ${typed.join(", ")}, ${reason} AS ${d.ident("_reason")} FROM (${view}) AS typed`;
}

/**
 * Per source file of `source` (the load's text batch), how many decimal values only a decimal
 * point reads and how many only a decimal comma reads: what the load decides an undeclared
 * decimal separator from.
 */
export function decimalEvidenceSql(d: Dialect, contract: Contract, source: string): string | undefined {
  const decimals = contract.columns.filter((c) => c.type.kind === "decimal");
  if (decimals.length === 0 || contract.numbers.decimal !== undefined) return undefined;
  const reads = (decimal: Separator, value: string): string => d.fullMatch(value, numberPattern(decimal, groupingFor(contract.numbers, decimal), undefined));
  const only = (decimal: Separator, other: Separator): string =>
    decimals.map((c) => {
      const value = d.trimWhitespace(d.ident(c.name));
      return d.countIf(`${reads(decimal, value)} AND NOT ${reads(other, value)}`);
    }).join(" + ");
  return `SELECT ${d.ident("_source_file")}, ${only(".", ",")} AS ${d.ident("point")}, ${only(",", ".")} AS ${d.ident("comma")} FROM ${source} AS batch GROUP BY ${d.ident("_source_file")}`;
}
