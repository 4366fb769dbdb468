import { Contract, columnOf } from "../model/contracts";
import { Condition, FilterValue, ReferencesRule, Rule, RuleSet } from "../model/rules";
import { spark } from "../sql/dialect";
import { literalSql } from "./sql";

/**
 * Compiles a rule set to a Glue Data Quality ruleset (DQDL), evaluated by the Glue job on the
 * typed batch frame. Only rule types and parameter counts of the official DQDL rule list
 * (shared/reference/dqdl-rules-config.json) are emitted, and `where` / `with threshold` only on
 * the types that support them; test/quality/dqdl.test.ts checks this. How each kind maps, and
 * where Glue's figures can differ from the SQL engines', is in docs/quality-rules.md.
 *
 * Each rule is preceded by a `# <rule id> (<severity>)` comment: DQDL labels are not in the rule
 * list Glue validates against here, and comments are part of the DQDL grammar.
 */

/** Column names of the typed frame; contract names are plain identifiers, so quoting them is safe. */
const dqdlString = (text: string): string => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** DQDL numbers: plain decimals (the grammar has no exponent), rounded to hide binary noise like 0.30000000000000004. */
function dqdlNumber(value: number): string {
  const rounded = Number(value.toFixed(10));
  const text = String(rounded);
  return /^-?\d+(\.\d+)?$/.test(text) ? text : rounded.toFixed(10).replace(/\.?0+$/, "");
}

/** The passing ratio a "maximum failed ratio" threshold allows. */
const passRatio = (threshold: number): string => dqdlNumber(1 - threshold);

class DqdlCompiler {
  constructor(private readonly contract: Contract) {}

  /** Spark SQL for a where clause over the typed frame (DQDL where clauses are Spark SQL). */
  private conditionSql(c: Condition): string {
    const column = columnOf(this.contract, c.column);
    const values = c.values.map((v) => literalSql(spark, column.type, v));
    return values.length === 1 ? `${spark.ident(c.column)} = ${values[0]}` : `${spark.ident(c.column)} IN (${values.join(", ")})`;
  }

  private where(rule: Rule, extra: string[] = []): string {
    const parts = [...extra, ...rule.where.map((c) => this.conditionSql(c))];
    if (parts.length === 0) return "";
    return ` where ${dqdlString(parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(" AND "))}`;
  }

  private presentOnly(column: string): string {
    return `${spark.ident(column)} IS NOT NULL`;
  }

  private value(column: string, value: FilterValue): string {
    const type = columnOf(this.contract, column).type;
    if (type.kind === "integer" || type.kind === "decimal") return dqdlNumber(Number(value));
    // Dates use DQDL's "yyyy-MM-dd" DATE token; text (and booleans) are quoted strings.
    return dqdlString(String(value));
  }

  private whereSqlText(rule: Rule): string {
    return rule.where.length === 0 ? "" : ` WHERE ${rule.where.map((c) => `(${this.conditionSql(c)})`).join(" AND ")}`;
  }

  /** The DQDL rules (usually one) expressing one lake rule. */
  rules(rule: Rule): string[] {
    const withThreshold = rule.threshold === null ? "" : ` with threshold >= ${passRatio(rule.threshold)}`;
    switch (rule.kind) {
      case "not_null":
        // IsComplete takes no threshold: a tolerated ratio becomes Completeness' own comparison.
        return rule.threshold === null
          ? [`IsComplete ${dqdlString(rule.column)}${this.where(rule)}`]
          : [`Completeness ${dqdlString(rule.column)} >= ${passRatio(rule.threshold)}${this.where(rule)}`];
      case "unique": {
        if (rule.threshold === null) return [`IsUnique ${rule.columns.map(dqdlString).join(" ")}${this.where(rule)}`];
        // Glue's Uniqueness is the share of values seen once, not the share of rows dedupe keeps: CustomSql states ours exactly.
        const keys = rule.columns.map((c) => spark.ident(c));
        const present = keys.map((k) => `${k} IS NOT NULL`).join(" AND ");
        const sql = `SELECT (count_if(${present}) - count(DISTINCT ${keys.join(", ")})) / count(*) FROM primary${this.whereSqlText(rule)}`;
        return [`CustomSql ${dqdlString(sql)} <= ${dqdlNumber(rule.threshold)}`];
      }
      case "type":
        return [`ColumnDataType ${dqdlString(rule.column)} = ${dqdlString(glueTypeName(columnOf(this.contract, rule.column).type.kind))}${this.where(rule)}${withThreshold}`];
      case "accepted_values": {
        // NULL in the list: absent values are not_null's business, as in the SQL engines.
        const values = [...rule.values.map((v) => this.value(rule.column, v)), "NULL"];
        return [`ColumnValues ${dqdlString(rule.column)} in [${values.join(", ")}]${this.where(rule)}${withThreshold}`];
      }
      case "range": {
        // Two comparisons rather than `between`, whose bounds DQDL does not document as inclusive.
        const bounds: string[] = [];
        if (rule.min !== null) bounds.push(`>= ${this.value(rule.column, rule.min)}`);
        if (rule.max !== null) bounds.push(`<= ${this.value(rule.column, rule.max)}`);
        return bounds.map((b) => `ColumnValues ${dqdlString(rule.column)} ${b}${this.where(rule, [this.presentOnly(rule.column)])}${withThreshold}`);
      }
      case "pattern":
        return [`ColumnValues ${dqdlString(rule.column)} matches ${dqdlString(`^(?:${rule.pattern})$`)}${this.where(rule, [this.presentOnly(rule.column)])}${withThreshold}`];
      case "references": {
        const source = referenceSource(rule);
        const ratio = rule.threshold === null ? "= 1.0" : `>= ${passRatio(rule.threshold)}`;
        const referenced = source.columns.length === 1 ? `${source.alias}.${source.columns[0]}` : `${source.alias}.{${source.columns.join(",")}}`;
        return [`ReferentialIntegrity ${dqdlString(source.columns.join(","))} ${dqdlString(referenced)} ${ratio}`];
      }
      case "row_count": {
        const bounds: string[] = [];
        if (rule.min !== null) bounds.push(`>= ${rule.min}`);
        if (rule.max !== null) bounds.push(`<= ${rule.max}`);
        return bounds.map((b) => `RowCount ${b}${this.where(rule)}`);
      }
      case "freshness": {
        // DataFreshness judges every row against the clock; ours is the age of the newest value, so CustomSql.
        const sql = `SELECT datediff(current_date(), CAST(max(${spark.ident(rule.column)}) AS DATE)) FROM primary${this.whereSqlText(rule)}`;
        return [`CustomSql ${dqdlString(sql)} <= ${rule.maxAgeDays}`];
      }
      case "completeness":
        return [`Completeness ${dqdlString(rule.column)} >= ${dqdlNumber(rule.minRatio)}${this.where(rule)}`];
    }
  }
}

/** ColumnDataType's names (Boolean, Date, Timestamp, Integer, Double, Float, Long) for our column types. */
function glueTypeName(kind: string): string {
  switch (kind) {
    case "integer":
      return "Long";
    case "decimal":
      return "Double";
    case "date":
      return "Date";
    case "timestamp":
      return "Timestamp";
    default:
      return "Boolean";
  }
}

/**
 * A reference frame the Glue job must pass to EvaluateDataQuality (additional_data_sources) under
 * `alias`, its columns named like the checked frame's (`columns`). Unconditional: the referenced
 * dataset's processed rows, `branches[0].column AS columns[0]`. Conditional: the union over
 * `branches` of (each `when` value AS columns[0], branch column AS columns[1]), so
 * ReferentialIntegrity on the composite (condition, value) checks each row against the target its
 * condition selects.
 */
export interface DqdlReferenceSource {
  readonly alias: string;
  readonly ruleId: string;
  /** Columns of the checked frame; the alias frame names its columns the same (the job renames them). */
  readonly columns: readonly string[];
  readonly branches: readonly { readonly dataset: string; readonly column: string; readonly values: readonly FilterValue[] | null }[];
}

function referenceSource(rule: ReferencesRule): DqdlReferenceSource {
  const conditional = rule.targets.every((t) => t.when !== null);
  if (!conditional) {
    const t = rule.targets[0];
    return { alias: t.dataset, ruleId: rule.id, columns: [rule.column], branches: [{ dataset: t.dataset, column: t.column, values: null }] };
  }
  const whenColumn = (rule.targets[0].when as Condition).column;
  return {
    alias: `${rule.id.replace(/[^a-z0-9_]/g, "_")}_ref`,
    ruleId: rule.id,
    columns: [whenColumn, rule.column],
    branches: rule.targets.map((t) => ({ dataset: t.dataset, column: t.column, values: (t.when as Condition).values })),
  };
}

/** The reference datasets a rule set's DQDL needs, one per alias (the Glue job builds and passes them). */
export function dqdlReferenceSources(ruleSet: RuleSet): DqdlReferenceSource[] {
  const byAlias = new Map<string, DqdlReferenceSource>();
  for (const rule of ruleSet.rules) if (rule.kind === "references") byAlias.set(referenceSource(rule).alias, referenceSource(rule));
  return [...byAlias.values()];
}

export function dqdlReferenceAliases(ruleSet: RuleSet): string[] {
  return dqdlReferenceSources(ruleSet).map((s) => s.alias);
}

/** Each lake rule with the DQDL rules expressing it, in ruleset order (Glue names them Rule_1, Rule_2, ...). */
export function compileDqdlRules(ruleSet: RuleSet, contracts: readonly Contract[]): { ruleId: string; severity: string; dqdl: string[] }[] {
  const contract = contracts.find((c) => c.name === ruleSet.dataset);
  if (!contract) throw new Error(`no contract "${ruleSet.dataset}" for ${ruleSet.file} (rule files are validated before compiling)`);
  const compiler = new DqdlCompiler(contract);
  return ruleSet.rules.map((rule) => ({ ruleId: rule.id, severity: rule.severity, dqdl: compiler.rules(rule) }));
}

export function compileDqdl(ruleSet: RuleSet, contracts: readonly Contract[]): string {
  const lines = compileDqdlRules(ruleSet, contracts).flatMap(({ ruleId, severity, dqdl }) => [`    # ${ruleId} (${severity})`, ...dqdl.map((r) => `    ${r}`)]);
  // Commas go after each rule, never after a comment (a comment runs to the end of its line).
  const rules: string[] = [];
  const ruleLines = lines.filter((l) => !l.trimStart().startsWith("#")).length;
  let seen = 0;
  for (const line of lines) {
    const isComment = line.trimStart().startsWith("#");
    if (!isComment) seen++;
    rules.push(isComment || seen === ruleLines ? line : `${line},`);
  }
  return `Rules = [\n${rules.join("\n")}\n]\n`;
}
