import { ColumnType } from "../model/contracts";
import { ACCENTED, UNACCENTED } from "../model/text";

export type DialectName = "duckdb" | "athena" | "spark";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What differs between the SQL engines the model is compiled to. Everything else (the typed view,
 * the check aggregates) is written once against this interface.
 */
export interface Dialect {
  readonly name: DialectName;
  /** Quotes an identifier; refuses anything that is not a plain identifier, so no name can inject SQL. */
  ident(name: string): string;
  /** A string literal with every quote (and, for Spark, backslash) escaped. */
  str(value: string): string;
  sqlType(type: ColumnType): string;
  tryCast(expr: string, type: ColumnType): string;
  /** Removes leading and trailing whitespace (spaces, tabs, CR, LF). */
  trimWhitespace(expr: string): string;
  /** Lower-case without accents, as foldValue does in TypeScript. */
  fold(expr: string): string;
  /** Parses with one Java-style format, NULL when it does not fit. */
  parseDate(expr: string, format: string): string;
  parseTimestamp(expr: string, format: string): string;
  /** True when the whole value matches the regular expression. */
  fullMatch(expr: string, pattern: string): string;
  countIf(condition: string): string;
  dateLiteral(isoDate: string): string;
}

function checkedIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`refusing to quote identifier ${JSON.stringify(name)}: only letters, digits and underscores are allowed`);
  }
  return name;
}

/** Java-style tokens (yyyy MM dd HH mm ss 'T') to strftime-style tokens, which DuckDB and Trino share but for minutes and seconds. */
function toStrftime(format: string, minutes: string, seconds: string): string {
  return format
    .replace(/'T'/g, "T")
    .replace(/yyyy/g, "%Y")
    .replace(/MM/g, "%m")
    .replace(/dd/g, "%d")
    .replace(/HH/g, "%H")
    .replace(/mm/g, minutes)
    .replace(/ss/g, seconds);
}

/** The engines share type names but for text: VARCHAR (DuckDB, Trino), STRING (Spark). */
function sqlTypeName(type: ColumnType, text: string): string {
  switch (type.kind) {
    case "string": return text;
    case "integer": return "BIGINT";
    case "decimal": return `DECIMAL(${type.precision},${type.scale})`;
    case "date": return "DATE";
    case "timestamp": return "TIMESTAMP";
    case "boolean": return "BOOLEAN";
  }
}

/** A NUL cannot be in a SQL literal on any engine (DuckDB's parser ends the string there): refused, as unsafe identifiers are. */
function checkedLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error(`refusing to write a string literal with a NUL character (U+0000): ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

function ansiString(value: string): string {
  return `'${checkedLiteral(value).replace(/'/g, "''")}'`;
}

export const duckdb: Dialect = {
  name: "duckdb",
  ident: (name) => `"${checkedIdentifier(name)}"`,
  str: ansiString,
  sqlType: (type) => sqlTypeName(type, "VARCHAR"),
  tryCast: (expr, type) => `TRY_CAST(${expr} AS ${sqlTypeName(type, "VARCHAR")})`,
  // Most values have no whitespace at either end: prefix/suffix tests cost a fraction of any trim, which runs only where one is.
  trimWhitespace: (expr) => {
    const edges = ["' '", "chr(9)", "chr(10)", "chr(13)"].flatMap((c) => [`prefix(${expr}, ${c})`, `suffix(${expr}, ${c})`]);
    return `CASE WHEN ${edges.join(" OR ")} THEN trim(${expr}, ' \t\r\n') ELSE ${expr} END`;
  },
  // strip_accents is several times faster than translate() on DuckDB and folds the same letters.
  fold: (expr) => `strip_accents(lower(${expr}))`,
  parseDate: (expr, format) => `CAST(try_strptime(${expr}, ${ansiString(toStrftime(format, "%M", "%S"))}) AS DATE)`,
  parseTimestamp: (expr, format) => `try_strptime(${expr}, ${ansiString(toStrftime(format, "%M", "%S"))})`,
  fullMatch: (expr, pattern) => `regexp_full_match(${expr}, ${ansiString(pattern)})`,
  countIf: (condition) => `count_if(${condition})`,
  dateLiteral: (isoDate) => `DATE ${ansiString(isoDate)}`,
};

export const athena: Dialect = {
  name: "athena",
  ident: (name) => `"${checkedIdentifier(name)}"`,
  str: ansiString,
  sqlType: (type) => sqlTypeName(type, "VARCHAR"),
  tryCast: (expr, type) => `TRY_CAST(${expr} AS ${sqlTypeName(type, "VARCHAR")})`,
  trimWhitespace: (expr) => `trim(${expr})`,
  fold: (expr) => `regexp_replace(normalize(lower(${expr}), NFD), '\\p{Mn}', '')`,
  parseDate: (expr, format) => `CAST(TRY(date_parse(${expr}, ${ansiString(toStrftime(format, "%i", "%s"))})) AS date)`,
  parseTimestamp: (expr, format) => `TRY(date_parse(${expr}, ${ansiString(toStrftime(format, "%i", "%s"))}))`,
  fullMatch: (expr, pattern) => `regexp_like(${expr}, ${ansiString(`^(?:${pattern})$`)})`,
  countIf: (condition) => `count_if(${condition})`,
  dateLiteral: (isoDate) => `DATE ${ansiString(isoDate)}`,
};

/** Spark SQL for the Glue jobs; string literals escape backslashes because Spark's parser reads them as escapes. */
export const spark: Dialect = {
  name: "spark",
  ident: (name) => `\`${checkedIdentifier(name)}\``,
  str: (value) => `'${checkedLiteral(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`,
  sqlType: (type) => sqlTypeName(type, "STRING"),
  tryCast: (expr, type) => `TRY_CAST(${expr} AS ${sqlTypeName(type, "STRING")})`,
  trimWhitespace: (expr) => `trim(BOTH ' \\t\\r\\n' FROM ${expr})`,
  fold(expr) { return `translate(lower(${expr}), ${this.str(ACCENTED)}, ${this.str(UNACCENTED)})`; },
  parseDate(expr, format) { return `to_date(${expr}, ${this.str(format)})`; },
  parseTimestamp(expr, format) { return `to_timestamp(${expr}, ${this.str(format)})`; },
  fullMatch(expr, pattern) { return `(${expr} RLIKE ${this.str(`^(?:${pattern})$`)})`; },
  countIf: (condition) => `count_if(${condition})`,
  dateLiteral(isoDate) { return `DATE ${this.str(isoDate)}`; },
};

export const DIALECTS: Record<DialectName, Dialect> = { duckdb, athena, spark };
