import { Column, ColumnType, Contract, columnOf, mapHeaders } from "../model/contracts";
import { Condition, FilterValue, ReconciliationRule, ReferencesRule, Rule, RuleSet, columnsRead, isSchemaRule, isTableLevel, ruleColumns } from "../model/rules";
import { positionalColumn } from "../pipeline/csv-read";
import { Dialect, duckdb } from "../sql/dialect";
import { presentName, rawName, typedViewSql } from "../sql/typed-view";
import { athenaTarget, AthenaTables, checkedBatchSql, CheckTarget } from "../sql/batch-source";

/**
 * The check compiler: all rules of one dataset become ONE aggregate query over the load's batch
 * (one scan, reading only the columns the rules need), plus one anti-join query per referenced
 * dataset. Each query is written as a person would: a `batch` CTE (the typed rows of the load),
 * a `checked` CTE with one named boolean per rule (TRUE on the rows that fail it), and a final
 * SELECT that counts them (reconciliation rules add their sums over raw, curated and what curated
 * keeps as CTEs of the same query). Rule files never reach the SQL as text: names go through
 * `dialect.ident` (which refuses anything but plain identifiers), values through `dialect.str` or
 * typed literal rendering, and a rule's SQL name is derived from its id (see sqlRuleNames).
 */

export const DEFAULT_SAMPLE_SIZE = 5;

/** A raw file of the load read again as the load reads it, for reconciliation's raw side (DuckDB). */
export interface RawFile {
  /** Its name in the batch's `_source_file` (the name in raw/). */
  readonly name: string;
  readonly headers: readonly string[];
  /** A relation of its records: `_row`, then one text column per source position (csv-read.ts readExport). */
  readonly records: string;
}

export interface CompileOptions {
  /** Failing rows kept per rule (key, value, file, line); 0 disables samples. */
  readonly sampleSize?: number;
  /**
   * Per declared column, the load's source files whose header lacked it: the rules reading it skip
   * those files' rows, so a column an export leaves out fails its schema rule once, not every rule
   * on it. @default none
   */
  readonly filesWithout?: ReadonlyMap<string, readonly string[]>;
  /** The load's raw files, read again for reconciliation rules (DuckDB only). @default none: raw not compared */
  readonly rawFiles?: readonly RawFile[];
}

export type QueryPurpose = "aggregate" | "references";

export interface CompiledQuery {
  readonly purpose: QueryPurpose;
  /** The dataset a references query anti-joins with; null for the aggregate query. */
  readonly referencedDataset: string | null;
  readonly sql: string;
  /** Ids of the rules whose figures this query returns. */
  readonly rules: readonly string[];
}

export interface CompiledRule {
  readonly rule: Rule;
  /** The rule's name in SQL: its flag column, and the prefix of its result columns. */
  readonly name: string;
  /** Whether it looks at some rows only (a `where`, files without its columns): its total is then `<name>__total`, else the batch's rows. */
  readonly scoped: boolean;
}

export interface CompiledChecks {
  readonly dataset: string;
  readonly contract: Contract;
  readonly rules: readonly CompiledRule[];
  readonly sampleSize: number;
  /** The load date compiled in, or "?" when every load date is a parameter. */
  readonly loadDate: string;
  /** Each query returns exactly one row; read it back with readCheckResults (results.ts). */
  readonly queries: readonly CompiledQuery[];
}

/** The row count of the batch, in the aggregate query's result. */
export const ROWS_COLUMN = "rows_checked";

/** Result columns of a rule, by its SQL name; references results are per target dataset. */
export const resultColumn = {
  total: (name: string): string => `${name}__total`,
  failed: (name: string): string => `${name}__failed`,
  /** A freshness rule's newest date: its age is computed against the load date outside SQL, so the load date stays a WHERE-only parameter. */
  newest: (name: string): string => `${name}__newest`,
  /** A reconciliation rule's sums: over the batch, over the raw files parsed again, over curated, and what curated should hold. */
  batchSum: (name: string): string => `${name}__batch_sum`,
  rawSum: (name: string): string => `${name}__raw_sum`,
  curatedSum: (name: string): string => `${name}__curated_sum`,
  keptSum: (name: string): string => `${name}__kept_sum`,
  samples: (name: string): string => `${name}__samples`,
  targetFailed: (name: string, target: string): string => `${name}__${target}__failed`,
  targetSamples: (name: string, target: string): string => `${name}__${target}__samples`,
};

/** Separates the fields of a sample record: file, line, key, value (chr(31), the ASCII unit separator). */
export const SAMPLE_FIELD_SEPARATOR = "\u001f";

const ROW = "_row";
const FILE = "_source_file";

/**
 * SQL names of a rule set's rules, in rule order: the id without its `<dataset>.` prefix, dots and
 * dashes as underscores (`transactions.price.not_null` -> `price_not_null`). Rule ids are
 * `[a-z][a-z0-9_.-]*`, so the result is always a plain identifier; a name taken by another rule,
 * a column or the query's own columns gets a `_2`, `_3`... suffix.
 */
export function sqlRuleNames(ruleSet: RuleSet, contract: Contract): string[] {
  const taken = new Set<string>([...contract.columns.map((c) => c.name), ROWS_COLUMN, "batch", "checked", "counts"]);
  return ruleSet.rules.map((rule) => {
    const local = rule.id.startsWith(`${ruleSet.dataset}.`) ? rule.id.slice(ruleSet.dataset.length + 1) : rule.id;
    // `__` separates a name from its result suffixes, so it never occurs inside one.
    const base = local.replace(/[^a-z0-9_]/g, "_").replace(/_{2,}/g, "_").replace(/^_+|_+$/g, "") || "rule";
    const start = /^[a-z]/.test(base) ? base : `rule_${base}`;
    let name = start;
    for (let n = 2; taken.has(name); n++) name = `${start}_${n}`;
    taken.add(name);
    return name;
  });
}

function numberLiteral(value: number): string {
  const text = String(value);
  return /^-?\d+(\.\d+)?$/.test(text) ? text : value.toFixed(20).replace(/\.?0+$/, "");
}

/** A typed SQL literal for a value compared with a column of type `type` (validated by rules.ts). */
export function literalSql(d: Dialect, type: ColumnType, value: FilterValue): string {
  switch (type.kind) {
    case "string":
      return d.str(String(value));
    case "integer":
    case "decimal":
      return numberLiteral(Number(value));
    case "date":
      return d.dateLiteral(String(value));
    case "timestamp":
      return `CAST(${d.str(String(value))} AS ${d.sqlType(type)})`;
    case "boolean":
      return value === true ? "TRUE" : "FALSE";
  }
}

/**
 * First and last character of a PII value, the rest starred: enough to find the row, not the
 * person. An absent or blank value stays as it is: that it is empty is what a sample must show.
 */
export function maskSql(value: string): string {
  // Values under five characters are masked whole: showing two of four characters would reveal half.
  return `CASE WHEN ${value} IS NULL OR trim(${value}) = '' THEN ${value} WHEN length(${value}) < 5 THEN '***' ELSE concat(substr(${value}, 1, 1), '***', substr(${value}, length(${value}), 1)) END`;
}

class Expressions {
  constructor(
    readonly d: Dialect,
    readonly contract: Contract,
    private readonly filesWithout: ReadonlyMap<string, readonly string[]> = new Map(),
  ) {}

  typed(column: string): string {
    return this.d.ident(column);
  }

  present(column: string): string {
    return this.d.ident(presentName(column));
  }

  condition(c: Condition): string {
    const column = columnOf(this.contract, c.column);
    const values = c.values.map((v) => literalSql(this.d, column.type, v));
    return values.length === 1 ? `${this.typed(c.column)} = ${values[0]}` : `${this.typed(c.column)} IN (${values.join(", ")})`;
  }

  /**
   * TRUE on the rows a rule looks at, never NULL; undefined when it looks at every row. Rows of a
   * file whose header lacked a column the rule reads are out of scope: the schema rule reports it.
   */
  scope(rule: Rule): string | undefined {
    const conditions = rule.where.map((c) => this.condition(c));
    const where = conditions.length === 0 ? undefined : `COALESCE(${conditions.length === 1 ? conditions[0] : conditions.map((c) => `(${c})`).join(" AND ")}, FALSE)`;
    const skipped = [...new Set(columnsRead(rule).flatMap((c) => this.filesWithout.get(c) ?? []))].sort();
    const files = skipped.length === 0 ? undefined : `${this.d.ident(FILE)} NOT IN (${skipped.map((f) => this.d.str(f)).join(", ")})`;
    return where === undefined ? files : files === undefined ? where : `${where} AND ${files}`;
  }

  /** The product of typed columns (one column: itself), what a reconciliation rule sums. */
  product(columns: readonly string[], table = ""): string {
    return columns.map((c) => (table === "" ? this.typed(c) : `${this.d.ident(table)}.${this.typed(c)}`)).join(" * ");
  }

  /** TRUE (never NULL) on the rows of a row-level rule's scope that fail it; unique and references are compiled apart. */
  failing(rule: Rule): string | undefined {
    const d = this.d;
    switch (rule.kind) {
      case "not_null":
      case "completeness":
        return `NOT ${this.present(rule.column)}`;
      case "type":
        return `${this.present(rule.column)} AND ${this.typed(rule.column)} IS NULL`;
      case "accepted_values": {
        const column = columnOf(this.contract, rule.column);
        return `${this.typed(rule.column)} IS NOT NULL AND ${this.typed(rule.column)} NOT IN (${rule.values.map((v) => literalSql(d, column.type, v)).join(", ")})`;
      }
      case "range": {
        const column = columnOf(this.contract, rule.column);
        const outside: string[] = [];
        if (rule.min !== null) outside.push(`${this.typed(rule.column)} < ${literalSql(d, column.type, rule.min)}`);
        if (rule.max !== null) outside.push(`${this.typed(rule.column)} > ${literalSql(d, column.type, rule.max)}`);
        return `${this.typed(rule.column)} IS NOT NULL AND ${outside.length === 1 ? outside[0] : `(${outside.join(" OR ")})`}`;
      }
      case "pattern": {
        const column = columnOf(this.contract, rule.column);
        const text = column.type.kind === "string" ? this.typed(rule.column) : `CAST(${this.typed(rule.column)} AS ${d.sqlType({ kind: "string" })})`;
        return `${this.typed(rule.column)} IS NOT NULL AND NOT ${d.fullMatch(text, rule.pattern)}`;
      }
      case "unique":
      case "references":
      case "row_count":
      case "freshness":
      case "reconciliation":
      case "column_present":
      case "known_columns":
        return undefined;
    }
  }

  /** A column as text, as received where it was (quarantined rows) or as typed (processed rows, whose `__raw` is NULL); masked when PII. */
  shownValue(column: Column): string {
    const typed = column.type.kind === "string" ? this.typed(column.name) : `CAST(${this.typed(column.name)} AS ${this.d.sqlType({ kind: "string" })})`;
    const value = `COALESCE(${this.d.ident(rawName(column.name))}, ${typed})`;
    return column.pii ? maskSql(value) : value;
  }

  /** The row's key as text (parts joined by '|'), masked where PII; NULL when a key part is missing. */
  key(): string {
    const d = this.d;
    const varchar = d.sqlType({ kind: "string" });
    const parts = this.contract.key.map((k) => {
      const column = columnOf(this.contract, k);
      // A present string value always types; other types fall back to the text received.
      const value = column.type.kind === "string" ? d.ident(k) : `CASE WHEN ${this.present(k)} THEN COALESCE(CAST(${d.ident(k)} AS ${varchar}), ${d.ident(rawName(k))}) END`;
      return column.pii ? maskSql(value) : value;
    });
    return parts.length === 1 ? parts[0] : parts.map((p) => `COALESCE(${p}, '')`).join(` || '|' || `);
  }

  /** Typed values as text (masked where PII), joined by " | ": what a unique rule's duplicated key holds. */
  typedValues(columns: readonly string[]): string {
    const varchar = this.d.sqlType({ kind: "string" });
    const texts = columns.map((c) => {
      const column = columnOf(this.contract, c);
      const text = column.type.kind === "string" ? this.typed(c) : `CAST(${this.typed(c)} AS ${varchar})`;
      return column.pii ? maskSql(text) : text;
    });
    return texts.length === 1 ? texts[0] : texts.join(` || ' | ' || `);
  }

  /** The value a rule's samples show: its column's, or its columns' joined by " | ". */
  ruleValue(rule: Rule): string {
    const columns = ruleColumns(rule).map((c) => this.shownValue(columnOf(this.contract, c)));
    return columns.length === 1 ? columns[0] : columns.map((c) => `COALESCE(${c}, '')`).join(` || ' | ' || `);
  }

  /** A text as a JSON string literal ('null' for NULL), so a sample record can never be split in the wrong place. */
  private json(text: string): string {
    const d = this.d;
    const encoded = d.name === "athena" ? `json_format(CAST(${text} AS JSON))` : `CAST(to_json(${text}) AS ${d.sqlType({ kind: "string" })})`;
    return `COALESCE(${encoded}, 'null')`;
  }

  /**
   * Where a row is: its file and line, as text that sorts by file then line (the line zero-padded).
   * Every sample record starts with it, so the smallest records are the earliest failing rows.
   */
  position(file: string, line: string): string {
    return `${file} || chr(31) || lpad(CAST(${line} AS ${this.d.sqlType({ kind: "string" })}), 12, '0')`;
  }

  /** One failing row as text: position, then the key and the value as JSON strings, separated by chr(31). */
  record(position: string, key: string, value: string): string {
    return `${position} || chr(31) || ${this.json(key)} || chr(31) || ${this.json(value)}`;
  }

  /** A failing row of `rule` in the batch, as a sample record. */
  rowRecord(rule: Rule, table = ""): string {
    const column = (name: string): string => (table === "" ? this.d.ident(name) : `${this.d.ident(table)}.${this.d.ident(name)}`);
    return this.record(this.position(column(FILE), column(ROW)), this.key(), this.ruleValue(rule));
  }

  /**
   * Up to n sample records, smallest (earliest) first, as a JSON array of texts. `record` is only
   * built on the rows where it is not NULL, which keeps samples cheap when few rows fail.
   */
  samples(record: string, n: number): string {
    const d = this.d;
    switch (d.name) {
      case "duckdb":
        return `to_json(min(${record}, ${n}))`;
      case "athena":
        return `json_format(CAST(min(${record}, ${n}) AS JSON))`;
      case "spark":
        throw new Error("check queries are compiled for DuckDB and Athena; the Glue job evaluates DQDL");
    }
  }
}

/**
 * A rule's row conditions over the typed view: which rows are in scope (its `where`; "TRUE" when it
 * has none) and which of them fail it (undefined for the kinds counted another way: unique,
 * references, row_count, freshness). Other targets that count rows (DQDL's CustomSql) use these,
 * so a row fails a rule the same way everywhere.
 */
export function rowConditions(d: Dialect, contract: Contract, rule: Rule): { readonly scope: string; readonly failing: string | undefined } {
  const x = new Expressions(d, contract);
  // A WHERE clause drops rows whose conditions are NULL, so the plain conjunction is enough here.
  const scope = rule.where.length === 0 ? "TRUE" : rule.where.map((c) => `(${x.condition(c)})`).join(" AND ");
  return { scope, failing: x.failing(rule) };
}

function neededColumns(contract: Contract, rules: readonly Rule[], withKey: boolean): string[] {
  const needed = new Set<string>(withKey ? contract.key : []);
  for (const rule of rules) for (const c of columnsRead(rule)) needed.add(c);
  // Contract order keeps the generated SQL stable whatever the rule order.
  return contract.columns.map((c: Column) => c.name).filter((name) => needed.has(name));
}

/** Row-level rules report failing rows; table-level ones one figure. */
export const hasSamples = (rule: Rule): boolean => !isTableLevel(rule) && !isSchemaRule(rule);

/**
 * Indents every line of a statement by two spaces, but never inside a string literal or a quoted
 * identifier: a value with a line break (a rule value, the whitespace trim list) must stay exact.
 */
function indent(sql: string): string {
  let out = "  ";
  let quote: string | null = null;
  for (const ch of sql) {
    out += ch;
    // A doubled quote closes and reopens: the same text either way.
    if (quote === null && (ch === "'" || ch === '"')) quote = ch;
    else if (ch === quote) quote = null;
    else if (ch === "\n" && quote === null) out += "  ";
  }
  return out;
}

/** A SELECT laid out one item per line. */
function selectSql(items: readonly string[], from: string, rest: readonly string[] = []): string {
  return [`SELECT\n${items.map((c) => `  ${c}`).join(",\n")}`, `FROM ${from}`, ...rest].join("\n");
}

/**
 * A CTE query. DuckDB materialises a CTE read twice unless told not to; the batch must be
 * streamed, not stored (Trino always inlines, and has no such keyword).
 */
function withQuery(d: Dialect, ctes: readonly [string, string][], final: string, streamed: ReadonlySet<string> = new Set()): string {
  const hint = (name: string): string => (streamed.has(name) && d.name === "duckdb" ? " NOT MATERIALIZED" : "");
  return `WITH ${ctes.map(([name, sql]) => `${d.ident(name)} AS${hint(name)} (\n${indent(sql)}\n)`).join(",\n")}\n${final}`;
}

/**
 * ONE scan of the batch: `checked` adds one boolean per rule, named after it, TRUE on the rows
 * failing it (plus `<name>__in_scope` for a rule with a `where`), and `counts` counts them. A
 * unique rule counts rows with a key less distinct keys in the same scan when there is nothing
 * to sample and the key is one column; otherwise it groups the batch by its key
 * (`<name>__duplicates`, the keys seen more than once) and ranks only those keys' rows.
 */
function aggregateQuery(x: Expressions, target: CheckTarget, rules: readonly CompiledRule[], loadDate: string, sampleSize: number, rawFiles: readonly RawFile[] | undefined): CompiledQuery {
  const { d, contract } = x;
  const id = (name: string): string => d.ident(name);
  const batch = checkedBatchSql(target, contract, loadDate, neededColumns(contract, rules.map((r) => r.rule), sampleSize > 0));
  const flags: string[] = [];
  const counts: string[] = [`count(*) AS ${id(ROWS_COLUMN)}`];
  const duplicates: [string, string][] = [];
  for (const { rule, name } of rules) {
    const scope = x.scope(rule);
    if (scope !== undefined) {
      flags.push(`${scope} AS ${id(`${name}__in_scope`)}`);
      counts.push(`${d.countIf(id(`${name}__in_scope`))} AS ${id(resultColumn.total(name))}`);
    }
    const inScope = (condition: string): string => (scope === undefined ? condition : `${id(`${name}__in_scope`)} AND ${condition}`);
    switch (rule.kind) {
      case "row_count":
      case "column_present":
      case "known_columns":
        continue;
      case "reconciliation":
        counts.push(`sum(${x.product(rule.columns)}) AS ${id(resultColumn.batchSum(name))}`);
        continue;
      case "freshness": {
        // The newest value in scope, as a date; results.ts takes its age against the load date.
        const value = scope === undefined ? x.typed(rule.column) : `CASE WHEN ${id(`${name}__in_scope`)} THEN ${x.typed(rule.column)} END`;
        counts.push(`CAST(max(${value}) AS ${d.sqlType({ kind: "date" })}) AS ${id(resultColumn.newest(name))}`);
        continue;
      }
      case "unique": {
        // Rows with the whole key present, grouped by key: a key seen n times costs n - 1 rows to
        // deduplication. Samples rank only the rows of duplicated keys: curated keeps the last
        // one read, the others are the rows deduplication drops.
        const keys = rule.columns.map((c) => x.typed(c));
        if (sampleSize === 0 && keys.length === 1) {
          // Counts only, one key column: rows with a key less distinct keys, in the same scan.
          const key = scope === undefined ? keys[0] : `CASE WHEN ${id(`${name}__in_scope`)} THEN ${keys[0]} END`;
          counts.push(`count(${key}) - count(DISTINCT ${key}) AS ${id(resultColumn.failed(name))}`);
          continue;
        }
        const where = [...(scope === undefined ? [] : [scope]), ...keys.map((k) => `${k} IS NOT NULL`)];
        const duplicated = `${name}__duplicates`;
        duplicates.push([duplicated, selectSql([...keys, `count(*) AS ${id("_occurrences")}`], id("batch"), [`WHERE ${where.join(" AND ")}`, `GROUP BY ${keys.join(", ")}`, "HAVING count(*) > 1"])]);
        if (sampleSize > 0) {
          const rows = `${name}__duplicate_rows`;
          const qualified = (c: string): string => `${id("batch")}.${x.typed(c)}`;
          const occurrence = `row_number() OVER (PARTITION BY ${rule.columns.map(qualified).join(", ")} ORDER BY ${id("batch")}.${id(FILE)} DESC, ${id("batch")}.${id(ROW)} DESC) AS ${id("_occurrence")}`;
          const join = `${id("batch")}\nJOIN ${id(duplicated)} ON ${rule.columns.map((c) => `${qualified(c)} = ${id(duplicated)}.${x.typed(c)}`).join(" AND ")}`;
          duplicates.push([rows, selectSql([`${id("batch")}.*`, occurrence], join, scope === undefined ? [] : [`WHERE ${scope}`])]);
          const dropped = `${id("_occurrence")} > 1`;
          duplicates.push([`${name}__counts`, selectSql([
            `${d.countIf(dropped)} AS ${id(resultColumn.failed(name))}`,
            `${x.samples(`CASE WHEN ${dropped} THEN ${x.rowRecord(rule)} END`, sampleSize)} AS ${id(resultColumn.samples(name))}`,
          ], id(rows))]);
        } else {
          duplicates.push([`${name}__counts`, selectSql([`sum(${id("_occurrences")} - 1) AS ${id(resultColumn.failed(name))}`], id(duplicated))]);
        }
        continue;
      }
      default: {
        const condition = x.failing(rule);
        if (condition === undefined) continue;
        flags.push(`${inScope(condition)} AS ${id(name)}`);
        counts.push(`${d.countIf(id(name))} AS ${id(resultColumn.failed(name))}`);
        if (sampleSize > 0) counts.push(`${x.samples(`CASE WHEN ${id(name)} THEN ${x.rowRecord(rule)} END`, sampleSize)} AS ${id(resultColumn.samples(name))}`);
      }
    }
  }
  const ctes: [string, string][] = [[`batch`, batch]];
  if (flags.length > 0) ctes.push(["checked", selectSql(["*", ...flags], id("batch"))]);
  ctes.push(["counts", selectSql(counts, id(flags.length > 0 ? "checked" : "batch"))], ...duplicates);
  const summaries = duplicates.filter(([cte]) => cte.endsWith("__counts")).map(([cte]) => id(cte));
  const reconciled = rules.filter((r) => r.rule.kind === "reconciliation");
  if (reconciled.length > 0) {
    ctes.push(...reconciliationCtes(x, target, reconciled, loadDate, rawFiles));
    summaries.push(id("reconciliation"));
  }
  return {
    purpose: "aggregate",
    referencedDataset: null,
    sql: withQuery(d, ctes, `SELECT *\nFROM ${[id("counts"), ...summaries].join(" CROSS JOIN ")}`, new Set(duplicates.length > 0 ? ["batch"] : [])),
    rules: rules.map((r) => r.rule.id),
  };
}

interface TargetRef { readonly rule: CompiledRule; readonly targetIndex: number; readonly column: string }

/** Result-column part naming each target of a references rule: its dataset, numbered when a dataset repeats. */
export function referenceTargetNames(rule: ReferencesRule): string[] {
  return rule.targets.map((t, i) => {
    const same = rule.targets.filter((o) => o.dataset === t.dataset);
    return same.length === 1 ? t.dataset : `${t.dataset}_${rule.targets.slice(0, i + 1).filter((o) => o.dataset === t.dataset).length}`;
  });
}

/**
 * One query per referenced dataset, in two steps over the batch. `missing_<column>`: the distinct
 * values that no referenced key matches, among the rows a target checks (the batch LEFT JOINed
 * with the distinct referenced keys: a narrow scan, the referencing and `when` columns only).
 * `checked`: the rows holding such a value, each target a named boolean; only these rows are
 * counted and sampled, so a clean batch builds no sample and reads no sample column (DuckDB
 * stops reading a join whose other side is empty).
 */
function referencesQuery(x: Expressions, target: CheckTarget, contracts: readonly Contract[], dataset: string, refs: readonly TargetRef[], loadDate: string, sampleSize: number): CompiledQuery {
  const { d, contract } = x;
  const id = (name: string): string => d.ident(name);
  const referenced = contracts.find((c) => c.name === dataset);
  if (!referenced) throw new Error(`no contract "${dataset}" (rule files are validated before compiling)`);
  const rules = [...new Set(refs.map((r) => r.rule))];
  const batch = checkedBatchSql(target, contract, loadDate, neededColumns(contract, rules.map((r) => r.rule), sampleSize > 0));
  /** Per referencing column and referenced key: its CTE names and the conditions of the targets checking it. */
  const lookups = new Map<string, { column: string; key: string; known: string; missing: string; applies: string[] }>();
  const flags: string[] = [];
  const counts: string[] = [];
  for (const ref of refs) {
    const rule = ref.rule.rule as ReferencesRule;
    const t = rule.targets[ref.targetIndex];
    const joinKey = `${rule.column}->${t.column}`;
    let lookup = lookups.get(joinKey);
    if (lookup === undefined) {
      const suffix = lookups.size === 0 ? "" : `_${lookups.size + 1}`;
      lookup = { column: rule.column, key: t.column, known: `known_${t.column}${suffix}`, missing: `missing_${t.column}${suffix}`, applies: [] };
      lookups.set(joinKey, lookup);
    }
    // A row is checked against the first target whose `when` matches it.
    const earlier = rule.targets.slice(0, ref.targetIndex).filter((e) => e.when !== null).map((e) => `NOT COALESCE(${x.condition(e.when as Condition)}, FALSE)`);
    const applies = [`${id("batch")}.${id(rule.column)} IS NOT NULL`, ...(t.when ? [`COALESCE(${x.condition(t.when)}, FALSE)`] : []), ...earlier].join(" AND ");
    lookup.applies.push(applies);
    const flag = `${ref.rule.name}__${ref.column}`;
    flags.push(`${applies} AND ${id(lookup.missing)}.${id("_missing_key")} IS NOT NULL AS ${id(flag)}`);
    // No failing row leaves DuckDB's count_if NULL, not 0.
    counts.push(`COALESCE(${d.countIf(id(flag))}, 0) AS ${id(resultColumn.targetFailed(ref.rule.name, ref.column))}`);
    if (sampleSize > 0) counts.push(`${x.samples(`CASE WHEN ${id(flag)} THEN ${x.rowRecord(rule)} END`, sampleSize)} AS ${id(resultColumn.targetSamples(ref.rule.name, ref.column))}`);
  }
  const ctes: [string, string][] = [["batch", batch]];
  for (const lookup of lookups.values()) {
    const column = `${id("batch")}.${id(lookup.column)}`;
    ctes.push([lookup.known, selectSql([`DISTINCT ${id(lookup.key)} AS ${id("_referenced_key")}`], `${target.curatedSource(referenced, loadDate)} AS ${id(dataset)}`)]);
    const checks = lookup.applies.length === 1 ? lookup.applies[0] : `(${lookup.applies.map((a) => `(${a})`).join(" OR ")})`;
    ctes.push([lookup.missing, selectSql([`DISTINCT ${column} AS ${id("_missing_key")}`], `${id("batch")}\nLEFT JOIN ${id(lookup.known)} ON ${column} = ${id(lookup.known)}.${id("_referenced_key")}`, [
      `WHERE ${id(lookup.known)}.${id("_referenced_key")} IS NULL AND ${checks}`,
    ])]);
  }
  const joins = [...lookups.values()].map((l) => `LEFT JOIN ${id(l.missing)} ON ${id("batch")}.${id(l.column)} = ${id(l.missing)}.${id("_missing_key")}`);
  const holdsMissing = [...lookups.values()].map((l) => `${id(l.missing)}.${id("_missing_key")} IS NOT NULL`).join(" OR ");
  ctes.push(["checked", selectSql([`${id("batch")}.*`, ...flags], `${id("batch")}\n${joins.join("\n")}`, [`WHERE ${holdsMissing}`])]);
  return {
    purpose: "references",
    referencedDataset: dataset,
    sql: withQuery(d, ctes, selectSql(counts, id("checked")), new Set(["batch"])),
    rules: rules.map((r) => r.rule.id),
  };
}

function loadDateSql(d: Dialect, loadDate: string): string {
  return loadDate === "?" ? `CAST(? AS ${d.sqlType({ kind: "date" })})` : d.dateLiteral(loadDate);
}

/** The raw files parsed again, as the load read them, in the typed view's shape (text columns by contract name). */
function rawBatchSql(contract: Contract, files: readonly RawFile[]): string {
  const branches = files.map((file) => {
    const { mapping } = mapHeaders(contract, file.headers);
    const columns = contract.columns.map((c) => {
      const at = mapping.indexOf(c.name);
      return `${at >= 0 ? duckdb.ident(positionalColumn(at)) : "CAST(NULL AS VARCHAR)"} AS ${duckdb.ident(c.name)}`;
    });
    return `SELECT ${duckdb.str(file.name)} AS ${duckdb.ident(FILE)}, ${duckdb.ident(ROW)}, ${columns.join(", ")} FROM ${file.records}`;
  });
  return `(${branches.join(" UNION ALL ")})`;
}

/**
 * The CTEs of the dataset's reconciliation rules, in the aggregate query: each rule's sum parsed
 * again from the raw files (DuckDB, given them), in curated's rows of this load, and over the
 * load's processed rows curated keeps (the last row read of each key, unless a later load replaced
 * the key), summed in `reconciliation`. The batch's own sum is in `counts`.
 */
function reconciliationCtes(x: Expressions, target: CheckTarget, rules: readonly CompiledRule[], loadDate: string, rawFiles: readonly RawFile[] | undefined): [string, string][] {
  const { d, contract } = x;
  const id = (name: string): string => d.ident(name);
  const summed = [...new Set(rules.flatMap((r) => (r.rule as ReconciliationRule).columns))];
  const columns = contract.columns.map((c) => c.name).filter((c) => summed.includes(c));
  const keys = contract.key.map((k) => x.typed(k));
  const ctes: [string, string][] = [];
  const sums: string[] = [];
  const raw = rawFiles !== undefined && rawFiles.length > 0;
  if (raw) ctes.push(["raw", typedViewSql(d, contract, rawBatchSql(contract, rawFiles), columns)]);
  const processed = target.processedBatch(contract, loadDate);
  if (processed !== undefined) {
    const carried = [...new Set([...contract.key, ...columns])].map((c) => x.typed(c));
    ctes.push(["processed", selectSql([...carried, id(FILE), id(ROW)], `${processed} AS ${id("processed_rows")}`)]);
    // Curated keeps one row per key, the last read (as the unique rule ranks them).
    ctes.push(["kept", selectSql(["*"], `(SELECT *, row_number() OVER (PARTITION BY ${keys.join(", ")} ORDER BY ${id(FILE)} DESC, ${id(ROW)} DESC) AS ${id("_occurrence")} FROM ${id("processed")}) AS ${id("ranked")}`, [`WHERE ${id("_occurrence")} = 1`])]);
  }
  // Curated as it is once this load is merged: on AWS the gate runs before curation. The load
  // date only in WHERE clauses: Athena binds it as an execution parameter.
  ctes.push(["curated", selectSql(columns.map((c) => x.typed(c)), `${target.curatedSource(contract, loadDate)} AS ${id("curated_rows")}`, [`WHERE ${id("_load_date")} = ${loadDateSql(d, loadDate)}`])]);
  ctes.push(["replaced_later", selectSql([`DISTINCT ${keys.join(", ")}`], `${target.curatedSource(contract)} AS ${id("curated_rows")}`, [`WHERE ${id("_load_date")} > ${loadDateSql(d, loadDate)}`])]);
  const notReplaced = contract.key.map((k) => `${id("kept")}.${x.typed(k)} = ${id("replaced_later")}.${x.typed(k)}`).join(" AND ");
  for (const { rule, name } of rules) {
    const product = (table: string): string => x.product((rule as ReconciliationRule).columns, table);
    if (raw) sums.push(`(SELECT sum(${product("raw")}) FROM ${id("raw")}) AS ${id(resultColumn.rawSum(name))}`);
    sums.push(`(SELECT sum(${product("curated")}) FROM ${id("curated")}) AS ${id(resultColumn.curatedSum(name))}`);
    sums.push(
      processed === undefined
        ? `CAST(NULL AS DECIMAL(38,10)) AS ${id(resultColumn.keptSum(name))}`
        : `(SELECT sum(${product("kept")}) FROM ${id("kept")} LEFT JOIN ${id("replaced_later")} ON ${notReplaced} WHERE ${id("replaced_later")}.${x.typed(contract.key[0])} IS NULL) AS ${id(resultColumn.keptSum(name))}`,
    );
  }
  ctes.push(["reconciliation", `SELECT\n${sums.map((item) => `  ${item}`).join(",\n")}`]);
  return ctes;
}

/**
 * Compiles the rules of one dataset for one load: the aggregate query first, then one references
 * query per referenced dataset (in dataset order): reconciliation rules add CTEs to the aggregate
 * query, not a query. `loadDate` "?" leaves every load date as a
 * prepared-statement parameter (Athena), each bound to the same load date.
 */
export function compileChecks(ruleSet: RuleSet, contracts: readonly Contract[], target: CheckTarget, loadDate: string, options: CompileOptions = {}): CompiledChecks {
  const contract = contracts.find((c) => c.name === ruleSet.dataset);
  if (!contract) throw new Error(`no contract "${ruleSet.dataset}" for ${ruleSet.file} (rule files are validated before compiling)`);
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 0) throw new Error(`sampleSize must be a whole number >= 0, got ${sampleSize}`);
  const x = new Expressions(target.dialect, contract, options.filesWithout);
  const names = sqlRuleNames(ruleSet, contract);
  const rules: CompiledRule[] = ruleSet.rules.map((rule, i) => ({ rule, name: names[i], scoped: x.scope(rule) !== undefined }));
  const queries: CompiledQuery[] = [aggregateQuery(x, target, rules, loadDate, sampleSize, target.dialect.name === "duckdb" ? options.rawFiles : undefined)];
  const byDataset = new Map<string, TargetRef[]>();
  for (const compiled of rules) {
    if (compiled.rule.kind !== "references") continue;
    const columns = referenceTargetNames(compiled.rule);
    compiled.rule.targets.forEach((t, targetIndex) => {
      const list = byDataset.get(t.dataset) ?? [];
      list.push({ rule: compiled, targetIndex, column: columns[targetIndex] });
      byDataset.set(t.dataset, list);
    });
  }
  for (const dataset of [...byDataset.keys()].sort()) {
    queries.push(referencesQuery(x, target, contracts, dataset, byDataset.get(dataset) ?? [], loadDate, sampleSize));
  }
  return { dataset: ruleSet.dataset, contract, rules, sampleSize, loadDate, queries };
}

/**
 * The Athena statements verifying one dataset's load (named queries / prepared statements of the
 * LakeQuality component). With loadDate "?", every `?` is the load date.
 */
export function compileAthenaVerification(ruleSet: RuleSet, contracts: readonly Contract[], tables: AthenaTables, loadDate: string | "?"): string[] {
  return compileChecks(ruleSet, contracts, athenaTarget(tables), loadDate).queries.map((q) => q.sql);
}
