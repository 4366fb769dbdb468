import { Column, ColumnType, Contract, columnOf } from "../model/contracts";
import { Condition, FilterValue, ReferencesRule, Rule, RuleSet, columnsRead } from "../model/rules";
import { Dialect } from "../sql/dialect";
import { presentName, rawName } from "../sql/typed-view";
import { athenaTarget, AthenaTables, checkedBatchSql, CheckTarget } from "../sql/batch-source";

/**
 * The check compiler: all rules of one dataset become ONE aggregate query over the load's batch
 * (one scan, reading only the columns the rules need), plus one anti-join query per referenced
 * dataset. Rule files never reach the SQL as text: names go through `dialect.ident` (which refuses
 * anything but plain identifiers), values through `dialect.str` or typed literal rendering, and
 * result columns are named by rule position, not by rule id.
 */

export const DEFAULT_SAMPLE_SIZE = 5;

export interface CompileOptions {
  /** Key values of failing rows kept per rule; 0 disables samples (and the key is then not read). */
  readonly sampleSize?: number;
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

export interface CompiledChecks {
  readonly dataset: string;
  readonly rules: readonly Rule[];
  readonly sampleSize: number;
  /** The load date compiled in, or "?" when every load date is a parameter. */
  readonly loadDate: string;
  /** Each query returns exactly one row; read it back with readCheckResults (results.ts). */
  readonly queries: readonly CompiledQuery[];
}

/** Result column names: by rule position, so a rule id never appears in SQL. */
export const resultColumn = {
  rows: "_rows",
  total: (i: number): string => `r${i}_total`,
  failed: (i: number): string => `r${i}_failed`,
  /** A freshness rule's newest date: its age is computed against the load date outside SQL, so the load date stays a WHERE-only parameter. */
  newest: (i: number): string => `r${i}_newest`,
  sample: (i: number): string => `r${i}_sample`,
  targetFailed: (i: number, t: number): string => `r${i}_t${t}_failed`,
  targetSample: (i: number, t: number): string => `r${i}_t${t}_sample`,
};

/** Samples travel as one text joined by the ASCII unit separator, which the engines return as is. */
export const SAMPLE_SEPARATOR = "\u001f";

const SAMPLE_KEY = "_sample_key";
const ROW = "_row";

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

class Expressions {
  constructor(
    readonly d: Dialect,
    readonly contract: Contract,
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

  where(rule: Rule): string {
    return rule.where.length === 0 ? "TRUE" : rule.where.map((c) => `(${this.condition(c)})`).join(" AND ");
  }

  /** TRUE for the rows a row-level rule counts as failing (before its `where`); unique needs a window, see aggregateQuery. */
  failing(rule: Rule): string | undefined {
    const d = this.d;
    switch (rule.kind) {
      case "not_null":
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
        return `${this.typed(rule.column)} IS NOT NULL AND (${outside.join(" OR ")})`;
      }
      case "pattern": {
        const column = columnOf(this.contract, rule.column);
        const text = column.type.kind === "string" ? this.typed(rule.column) : `CAST(${this.typed(rule.column)} AS ${d.sqlType({ kind: "string" })})`;
        return `${this.typed(rule.column)} IS NOT NULL AND NOT ${d.fullMatch(text, rule.pattern)}`;
      }
      case "completeness":
        return `NOT ${this.present(rule.column)}`;
      case "unique":
      case "references":
      case "row_count":
      case "freshness":
        return undefined;
    }
  }

  /** Text identifying a failing row: its key (masked when PII), or its line when the key is missing. */
  sampleKey(): string {
    const d = this.d;
    const varchar = d.sqlType({ kind: "string" });
    const parts = this.contract.key.map((k) => {
      const column = columnOf(this.contract, k);
      const text = column.type.kind === "string" ? d.ident(k) : `CAST(${d.ident(k)} AS ${varchar})`;
      const value = `CASE WHEN ${this.present(k)} THEN COALESCE(${text}, ${d.ident(rawName(k))}) END`;
      return column.pii ? maskSql(value) : value;
    });
    const key = parts.length === 1 ? parts[0] : `concat_ws('|', ${parts.map((p) => `COALESCE(${p}, '')`).join(", ")})`;
    return `COALESCE(${key}, concat('row ', CAST(${d.ident(ROW)} AS ${varchar})))`;
  }

  /** Up to n sample keys of the rows matching `condition`, earliest rows first, as one separated text. */
  sample(condition: string, n: number): string {
    const d = this.d;
    if (d.name === "duckdb") {
      // min_by skips rows whose ordering value is NULL: the same result as FILTER, at half the cost.
      return `array_to_string(min_by(${d.ident(SAMPLE_KEY)}, CASE WHEN ${condition} THEN ${d.ident(ROW)} END, ${n}), chr(31))`;
    }
    return `array_join(min_by(${d.ident(SAMPLE_KEY)}, ${d.ident(ROW)}, ${n}) FILTER (WHERE ${condition}), chr(31))`;
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
  return { scope: x.where(rule), failing: x.failing(rule) };
}

/** First and last character of a PII value, the rest starred: enough to find the row, not the person. */
export function maskSql(value: string): string {
  // Values under five characters are masked whole: showing two of four characters would reveal half.
  return `CASE WHEN length(${value}) < 5 THEN '***' ELSE concat(substr(${value}, 1, 1), '***', substr(${value}, length(${value}), 1)) END`;
}

function neededColumns(contract: Contract, rules: readonly Rule[], withKey: boolean): string[] {
  const needed = new Set<string>(withKey ? contract.key : []);
  for (const rule of rules) for (const c of columnsRead(rule)) needed.add(c);
  // Contract order keeps the generated SQL stable whatever the rule order.
  return contract.columns.map((c: Column) => c.name).filter((name) => needed.has(name));
}

/** Per-row flags of the aggregate query, named by rule position. */
const flag = {
  inScope: (i: number): string => `w${i}`,
  failing: (i: number): string => `f${i}`,
  keyPart: (i: number, k: number): string => `k${i}_${k}`,
  rank: (i: number): string => `n${i}`,
  value: (i: number): string => `v${i}`,
};

const FLAGS_PER_MASK = 62;

/**
 * The per-row booleans of the aggregate query. Without a window they stay boolean columns (the
 * cheapest to count); when a unique rule's window has to sort the rows, they are packed into BIGINT
 * bit masks first, because a window carries every column of its input through the sort.
 */
class FlagColumns {
  private readonly flags: { readonly name: string; readonly expr: string }[] = [];

  constructor(
    private readonly d: Dialect,
    private readonly packed: boolean,
  ) {}

  /** Adds a flag; returns the expression that reads it back above the flag level. */
  add(name: string, expr: string): string {
    const bit = this.flags.length;
    this.flags.push({ name, expr });
    if (!this.packed) return this.d.ident(name);
    const mask = this.d.ident(`m${Math.floor(bit / FLAGS_PER_MASK)}`);
    const value = (1n << BigInt(bit % FLAGS_PER_MASK)).toString();
    return this.d.name === "duckdb" ? `((${mask} & ${value}) <> 0)` : `(bitwise_and(${mask}, ${value}) <> 0)`;
  }

  columns(): string[] {
    if (!this.packed) return this.flags.map((f) => `${f.expr} AS ${this.d.ident(f.name)}`);
    const masks: string[] = [];
    for (let first = 0; first < this.flags.length; first += FLAGS_PER_MASK) {
      const terms = this.flags.slice(first, first + FLAGS_PER_MASK).map((f, k) => `CASE WHEN ${f.expr} THEN CAST(${(1n << BigInt(k)).toString()} AS BIGINT) ELSE 0 END`);
      masks.push(`(${terms.join(" + ")}) AS ${this.d.ident(`m${first / FLAGS_PER_MASK}`)}`);
    }
    return masks;
  }
}

/**
 * ONE scan of the batch, in three levels: the rows are first reduced to flags per rule, then each
 * unique rule ranks the rows of a key (a window over the flags, not over whole rows), then one
 * ungrouped aggregate counts everything.
 */
function aggregateQuery(x: Expressions, target: CheckTarget, rules: readonly Rule[], loadDate: string, sampleSize: number): CompiledQuery {
  const { d, contract } = x;
  const typed = checkedBatchSql(target, contract, loadDate, neededColumns(contract, rules, sampleSize > 0));
  const id = (name: string): string => d.ident(name);
  const carried: string[] = [id(ROW)];
  if (sampleSize > 0) carried.push(`${x.sampleKey()} AS ${id(SAMPLE_KEY)}`);
  const flags = new FlagColumns(d, rules.some((r) => r.kind === "unique"));
  const ranks: string[] = [];
  const select: string[] = [`count(*) AS ${id(resultColumn.rows)}`];
  rules.forEach((rule, i) => {
    const where = x.where(rule);
    const inScope = flags.add(flag.inScope(i), `COALESCE(${where}, FALSE)`);
    select.push(`${d.countIf(inScope)} AS ${id(resultColumn.total(i))}`);
    let failing: string;
    if (rule.kind === "freshness") {
      carried.push(`CASE WHEN ${where} THEN ${x.typed(rule.column)} END AS ${id(flag.value(i))}`);
      select.push(`CAST(max(${id(flag.value(i))}) AS ${d.sqlType({ kind: "date" })}) AS ${id(resultColumn.newest(i))}`);
      return;
    } else if (rule.kind === "unique") {
      // Rows with the whole key present, ranked within their key: ranks 2, 3... are what deduplication drops.
      const keyPresent = rule.columns.map((c) => `${x.typed(c)} IS NOT NULL`).join(" AND ");
      carried.push(`COALESCE(${where === "TRUE" ? keyPresent : `${where} AND ${keyPresent}`}, FALSE) AS ${id(flag.failing(i))}`);
      rule.columns.forEach((c, k) => carried.push(`${x.typed(c)} AS ${id(flag.keyPart(i, k))}`));
      const partition = [id(flag.failing(i)), ...rule.columns.map((_, k) => id(flag.keyPart(i, k)))];
      // Ordered by line, so the first occurrence is the one kept and samples are repeatable.
      ranks.push(`row_number() OVER (PARTITION BY ${partition.join(", ")} ORDER BY ${id(ROW)}) AS ${id(flag.rank(i))}`);
      failing = `${id(flag.failing(i))} AND ${id(flag.rank(i))} > 1`;
    } else {
      const condition = x.failing(rule);
      if (condition === undefined) return;
      failing = flags.add(flag.failing(i), `COALESCE(${where === "TRUE" ? condition : `${where} AND ${condition}`}, FALSE)`);
    }
    select.push(`${d.countIf(failing)} AS ${id(resultColumn.failed(i))}`);
    if (sampleSize > 0 && rule.kind !== "completeness") select.push(`${x.sample(failing, sampleSize)} AS ${id(resultColumn.sample(i))}`);
  });
  const flagged = `SELECT ${[...carried, ...flags.columns()].join(", ")} FROM (${typed}) AS ${id("typed")}`;
  const ranked = ranks.length > 0 ? `SELECT ${id("flagged")}.*, ${ranks.join(", ")} FROM (${flagged}) AS ${id("flagged")}` : flagged;
  return {
    purpose: "aggregate",
    referencedDataset: null,
    sql: `SELECT ${select.join(", ")} FROM (${ranked}) AS ${id("checked")}`,
    rules: rules.map((r) => r.id),
  };
}

interface TargetRef { readonly ruleIndex: number; readonly targetIndex: number; readonly rule: ReferencesRule }

/** One query per referenced dataset: the batch LEFT JOINed with the distinct referenced keys. */
function referencesQuery(x: Expressions, target: CheckTarget, contracts: readonly Contract[], dataset: string, refs: readonly TargetRef[], loadDate: string, sampleSize: number): CompiledQuery {
  const { d, contract } = x;
  const referenced = contracts.find((c) => c.name === dataset);
  if (!referenced) throw new Error(`no contract "${dataset}" (rule files are validated before compiling)`);
  const rules = refs.map((r) => r.rule);
  const typed = checkedBatchSql(target, contract, loadDate, neededColumns(contract, rules, sampleSize > 0));
  const joinAlias = new Map<string, string>();
  const joins: string[] = [];
  const select: string[] = [];
  for (const ref of refs) {
    const t = ref.rule.targets[ref.targetIndex];
    const joinKey = `${ref.rule.column}->${t.column}`;
    let alias = joinAlias.get(joinKey);
    if (alias === undefined) {
      alias = `ref_${joinAlias.size}`;
      joinAlias.set(joinKey, alias);
      joins.push(
        `LEFT JOIN (SELECT DISTINCT ${d.ident(t.column)} AS ${d.ident("ref_key")} FROM ${target.curatedSource(referenced)} AS ${d.ident("referenced")}) AS ${d.ident(alias)} ` +
          `ON ${d.ident("checked")}.${d.ident(ref.rule.column)} = ${d.ident(alias)}.${d.ident("ref_key")}`,
      );
    }
    // A row is checked against the first target whose `when` matches it.
    const earlier = ref.rule.targets.slice(0, ref.targetIndex).filter((e) => e.when !== null).map((e) => `NOT COALESCE(${x.condition(e.when as Condition)}, FALSE)`);
    const applies = [...(ref.rule.where.length > 0 ? [x.where(ref.rule)] : []), `${d.ident("checked")}.${d.ident(ref.rule.column)} IS NOT NULL`, ...(t.when ? [`(${x.condition(t.when)})`] : []), ...earlier];
    const condition = `${applies.join(" AND ")} AND ${d.ident(alias)}.${d.ident("ref_key")} IS NULL`;
    select.push(`${d.countIf(condition)} AS ${d.ident(resultColumn.targetFailed(ref.ruleIndex, ref.targetIndex))}`);
    if (sampleSize > 0) select.push(`${x.sample(condition, sampleSize)} AS ${d.ident(resultColumn.targetSample(ref.ruleIndex, ref.targetIndex))}`);
  }
  const extra = sampleSize > 0 ? `, ${x.sampleKey()} AS ${d.ident(SAMPLE_KEY)}` : "";
  return {
    purpose: "references",
    referencedDataset: dataset,
    sql: `SELECT ${select.join(", ")} FROM (SELECT ${d.ident("typed")}.*${extra} FROM (${typed}) AS ${d.ident("typed")}) AS ${d.ident("checked")} ${joins.join(" ")}`,
    rules: [...new Set(rules.map((r) => r.id))],
  };
}

/**
 * Compiles the rules of one dataset for one load: the aggregate query first, then one references
 * query per referenced dataset (in dataset order). `loadDate` "?" leaves every load date as a
 * prepared-statement parameter (Athena), each bound to the same load date.
 */
export function compileChecks(ruleSet: RuleSet, contracts: readonly Contract[], target: CheckTarget, loadDate: string, options: CompileOptions = {}): CompiledChecks {
  const contract = contracts.find((c) => c.name === ruleSet.dataset);
  if (!contract) throw new Error(`no contract "${ruleSet.dataset}" for ${ruleSet.file} (rule files are validated before compiling)`);
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 0) throw new Error(`sampleSize must be a whole number >= 0, got ${sampleSize}`);
  const x = new Expressions(target.dialect, contract);
  const queries: CompiledQuery[] = [aggregateQuery(x, target, ruleSet.rules, loadDate, sampleSize)];
  const byDataset = new Map<string, TargetRef[]>();
  ruleSet.rules.forEach((rule, ruleIndex) => {
    if (rule.kind !== "references") return;
    rule.targets.forEach((t, targetIndex) => {
      const list = byDataset.get(t.dataset) ?? [];
      list.push({ ruleIndex, targetIndex, rule });
      byDataset.set(t.dataset, list);
    });
  });
  for (const dataset of [...byDataset.keys()].sort()) {
    queries.push(referencesQuery(x, target, contracts, dataset, byDataset.get(dataset) ?? [], loadDate, sampleSize));
  }
  return { dataset: ruleSet.dataset, rules: ruleSet.rules, sampleSize, loadDate, queries };
}

/**
 * The Athena statements verifying one dataset's load (named queries / prepared statements of the
 * LakeQuality component). With loadDate "?", every `?` is the load date.
 */
export function compileAthenaVerification(ruleSet: RuleSet, contracts: readonly Contract[], tables: AthenaTables, loadDate: string | "?"): string[] {
  return compileChecks(ruleSet, contracts, athenaTarget(tables), loadDate).queries.map((q) => q.sql);
}
