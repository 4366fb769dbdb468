import { LakeInputError } from "../errors";
import { Column, Contract, columnOf } from "../model/contracts";
import { Condition, FilterValue, ReferencesRule, Rule, RuleSet } from "../model/rules";
import { spark } from "../sql/dialect";
import { presentName } from "../sql/typed-view";
import { rowConditions } from "./sql";

/**
 * Compiles a rule set to a Glue Data Quality ruleset (DQDL), evaluated by the Glue transform job on
 * the load's checked frame (dqdlFrameColumns). Every literal goes through one of the renderers below,
 * each written from the official grammar (awslabs/dqdl, DataQualityDefinitionLanguage.g4 and
 * CommonLexerRules.g4) and from how its parser reads the token back, so what Glue evaluates is what
 * the rule says. Only rule types of the official rule list (shared/reference/dqdl-rules-config.json)
 * are emitted, and `where` / `with threshold` only where that list allows them. Each DQDL rule carries
 * `labels=["rule_id"="...", "severity"="..."]`: Glue returns the labels with every rule result, so
 * outcomes map back to rules by id (glue-outcomes.ts). docs/quality-rules.md explains each mapping.
 */

// ---------------------------------------------------------------------------------------------
// Literals

/**
 * Quoted text the lexer reads as a DATE, TIME or MIL_TIME token instead of QUOTED_STRING (same
 * length, earlier rule): `"2024-01-01"`, `"1:30 PM"`, `"12:30"`.
 */
const DATE_OR_TIME_SHAPED = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}:[0-9]{2} (?:AM|PM)|[0-9]{2}:[0-9]{2})$/;
const ISO_DATE_SHAPED = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/**
 * A number as DQDL's atomicNumber: INT or DECIMAL (`INT '.' INT`) with an optional minus. The
 * grammar has no exponent (`1e21` lexes as an identifier and fails), so the value's shortest
 * round-trip digits are written out in full: 1e21 -> 1000000000000000000000, 1.5e-7 -> 0.00000015.
 */
export function dqdlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`DQDL has no literal for ${value}; use a finite number`);
  const text = String(Object.is(value, -0) ? 0 : value);
  const exponent = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exponent) return text;
  const [, sign, lead, fraction = "", power] = exponent;
  const digits = lead + fraction;
  const point = 1 + Number(power);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** 1 - ratio, computed on the decimal digits (1 - 0.7 is 0.3 here, not 0.30000000000000004). */
export function dqdlComplement(ratio: number): string {
  const [whole, fraction = ""] = dqdlNumber(ratio).replace(/^-/, "").split(".");
  const scale = 10n ** BigInt(fraction.length);
  const signed = BigInt(whole + fraction) * (ratio < 0 ? -1n : 1n);
  const rest = scale - signed;
  const magnitude = (rest < 0n ? -rest : rest).toString().padStart(fraction.length + 1, "0");
  const integer = magnitude.slice(0, magnitude.length - fraction.length);
  const decimals = magnitude.slice(magnitude.length - fraction.length).replace(/0+$/, "");
  return `${rest < 0n ? "-" : ""}${integer}${decimals === "" ? "" : `.${decimals}`}`;
}

/** An ISO date as DQDL's DATE token, which makes a ColumnValues comparison a date comparison. */
export function dqdlDate(isoDate: string): string {
  if (!ISO_DATE_SHAPED.test(isoDate)) throw new Error(`${JSON.stringify(isoDate)} is not a yyyy-MM-dd date; DQDL's DATE token takes only that shape`);
  return `"${isoDate}"`;
}

/**
 * A string in an `in [...]` list. Glue strips the escapes from these (`\x` reads as x), so quotes
 * and backslashes are escaped, and a value shaped like a date or a time gets a backslash before its
 * first separator: `"2024\-01-01"` lexes as a string and reads back as 2024-01-01, where
 * `"2024-01-01"` would be a DATE token (a syntax error next to strings, a date condition otherwise).
 */
export function dqdlListString(value: string): string {
  const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`);
  return `"${DATE_OR_TIME_SHAPED.test(value) ? escaped.replace(/[-:]/, (c) => `\\${c}`) : escaped}"`;
}

/**
 * A string Glue hands on exactly as written between the quotes: rule parameters (columns, CustomSql
 * statements), `matches` regexes, `where` filters and label values. Nothing is unescaped there, so
 * doubling backslashes would change the text (`\\d` is a backslash then d to a regex). The text must
 * only lex as one QUOTED_STRING: a quote not already escaped gets a backslash, which Java regexes
 * and Spark string literals (the only places our texts have quotes) read as the quote itself.
 */
export function dqdlRawString(text: string): string {
  if (DATE_OR_TIME_SHAPED.test(text)) throw new Error(`${JSON.stringify(text)} would lex as a DQDL date or time token, and no escape is removed here`);
  let body = "";
  let backslashes = 0;
  for (const ch of text) {
    if (ch === '"' && backslashes % 2 === 0) body += "\\";
    body += ch;
    backslashes = ch === "\\" ? backslashes + 1 : 0;
  }
  if (backslashes % 2 === 1) throw new Error(`${JSON.stringify(text)} ends in an unpaired backslash, which would escape DQDL's closing quote`);
  return `"${body}"`;
}

/** DQDL limits from the grammar's Labels model: 10 labels a rule, keys up to 128 characters, values up to 256. */
export function dqdlLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0 || entries.length > 10) throw new Error(`a DQDL rule takes 1 to 10 labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128 || value.length === 0 || value.length > 256) {
      throw new Error(`DQDL label ${JSON.stringify(key)}=${JSON.stringify(value)}: keys take 1-128 characters, values 1-256`);
    }
  }
  return `labels=[${entries.map(([key, value]) => `${dqdlRawString(key)}=${dqdlRawString(value)}`).join(", ")}]`;
}

// ---------------------------------------------------------------------------------------------
// Dynamic rules: comparisons with the rule's own values from earlier runs (Glue ETL only)

/** The rule's values from the last `runs` evaluations: only an aggregate or index() turns it into a number. */
export interface DqdlHistoryWindow {
  readonly runs: number;
}

/** A numeric operand: a number, a function of a history window, or arithmetic on operands. */
export type DqdlOperand =
  | number
  | { readonly fn: "avg" | "median" | "min" | "max" | "sum" | "std"; readonly window: DqdlHistoryWindow }
  | { readonly fn: "index"; readonly window: DqdlHistoryWindow; readonly position: number }
  | { readonly op: "+" | "-" | "*" | "/"; readonly left: DqdlOperand; readonly right: DqdlOperand };

/** Builders for dynamic operands, e.g. `dqdlHistory.avg(dqdlHistory.last(10))`. */
export const dqdlHistory = {
  last(runs: number): DqdlHistoryWindow {
    if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`last(k) takes a whole number of runs >= 1, got ${runs}`);
    return { runs };
  },
  avg: (window: DqdlHistoryWindow): DqdlOperand => ({ fn: "avg", window }),
  median: (window: DqdlHistoryWindow): DqdlOperand => ({ fn: "median", window }),
  min: (window: DqdlHistoryWindow): DqdlOperand => ({ fn: "min", window }),
  max: (window: DqdlHistoryWindow): DqdlOperand => ({ fn: "max", window }),
  sum: (window: DqdlHistoryWindow): DqdlOperand => ({ fn: "sum", window }),
  std: (window: DqdlHistoryWindow): DqdlOperand => ({ fn: "std", window }),
  /** The value of the run `position` runs back within the window (0 is the latest). */
  index(window: DqdlHistoryWindow, position: number): DqdlOperand {
    if (!Number.isSafeInteger(position) || position < 0 || position >= window.runs) throw new Error(`index() position must be 0..${window.runs - 1}, got ${position}`);
    return { fn: "index", window, position };
  },
};

/**
 * DQDL text of an operand. The grammar gives + - * / one precedence, left to right (`1 + 2 * 3` is
 * 9), so every nested arithmetic operand is parenthesised, as is a negative number after an operator.
 */
export function dqdlOperand(operand: DqdlOperand): string {
  if (typeof operand === "number") return dqdlNumber(operand);
  if ("op" in operand) {
    const side = (o: DqdlOperand, right: boolean): string => {
      const text = dqdlOperand(o);
      return (typeof o === "object" && "op" in o) || (right && typeof o === "number" && o < 0) ? `(${text})` : text;
    };
    return `${side(operand.left, false)} ${operand.op} ${side(operand.right, true)}`;
  }
  const window = `last(${operand.window.runs})`;
  return operand.fn === "index" ? `index(${window}, ${operand.position})` : `${operand.fn}(${window})`;
}

export type DqdlComparison = ">" | ">=" | "<" | "<=" | "=" | "!=";

/** A numeric condition: `>= avg(last(10)) * 0.8`, or `between <low> and <high>` (bounds as DQDL defines them). */
export function dqdlCondition(comparison: DqdlComparison | "between", operand: DqdlOperand, high?: DqdlOperand): string {
  if (comparison === "between") {
    if (high === undefined) throw new Error("between needs a high bound");
    return `between ${dqdlOperand(operand)} and ${dqdlOperand(high)}`;
  }
  return `${comparison} ${dqdlOperand(operand)}`;
}

// ---------------------------------------------------------------------------------------------
// Rules

/**
 * The frame the Glue job evaluates a ruleset on: the typed view of the load's batch (the rows the
 * SQL engines check: processed and value-quarantined), each contract column typed and with its
 * presence flag, plus the load date for freshness.
 */
export function dqdlFrameColumns(contract: Contract): string[] {
  return ["_source_file", "_row", "_load_date", ...contract.columns.flatMap((c) => [c.name, presentName(c.name)])];
}

/** Column types whose ColumnValues condition DQDL reads as we do: strings, numbers, dates. */
const comparedNatively = (column: Column): boolean => ["string", "integer", "decimal", "date"].includes(column.type.kind);

class DqdlCompiler {
  constructor(private readonly contract: Contract) {}

  private scope(rule: Rule): string | undefined {
    const { scope } = rowConditions(spark, this.contract, rule);
    return scope === "TRUE" ? undefined : scope;
  }

  /** ` where "<Spark SQL>"` from the rule's scope and any extra conditions; "" when there are none. */
  private where(rule: Rule, extra: readonly string[] = []): string {
    const scope = this.scope(rule);
    const parts = [...extra, ...(scope === undefined ? [] : [scope])];
    return parts.length === 0 ? "" : ` where ${dqdlRawString(parts.join(" AND "))}`;
  }

  /** `FROM primary`, filtered on the rule's scope and `extra`: CustomSql takes no DQDL `where`. */
  private fromPrimary(rule: Rule, extra?: string): string {
    const scope = this.scope(rule);
    const conditions = [...(scope === undefined ? [] : [scope]), ...(extra === undefined ? [] : [scope === undefined ? extra : `(${extra})`])];
    return `FROM primary${conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`}`;
  }

  private present(column: string): string {
    return `${spark.ident(column)} IS NOT NULL`;
  }

  private value(column: Column, value: FilterValue): string {
    switch (column.type.kind) {
      case "integer":
      case "decimal":
        return dqdlNumber(Number(value));
      case "date":
      case "timestamp":
        // Rule values for these columns are ISO dates (rules.ts), DQDL's DATE token.
        return dqdlDate(String(value));
      default:
        return dqdlListString(String(value));
    }
  }

  /**
   * The failing rows counted exactly as the SQL engines count them (rowConditions), for the kinds
   * whose DQDL rule type would count differently on the frame: none may fail, or, with a threshold,
   * at most that share of the rows in scope.
   */
  private failingRows(rule: Rule, failing: string): string {
    if (rule.threshold === null) return `CustomSql ${dqdlRawString(`SELECT count(*) ${this.fromPrimary(rule, failing)}`)} = 0`;
    return `CustomSql ${dqdlRawString(`SELECT count_if(${failing}) / greatest(count(*), 1) ${this.fromPrimary(rule)}`)} <= ${dqdlNumber(rule.threshold)}`;
  }

  private failing(rule: Rule): string {
    const { failing } = rowConditions(spark, this.contract, rule);
    if (failing === undefined) throw new Error(`rule ${rule.id}: no row condition for kind ${rule.kind}`);
    return failing;
  }

  /**
   * A rule's baseline as DQDL dynamic conditions on the metric `metric(condition)` measures:
   * `>= 0.5 * median(last(7))`, `<= 1.5 * median(last(7))`. Glue keeps that history itself (see
   * docs/quality-rules.md for how it differs from the reports' baseline).
   */
  private dynamic(rule: Rule, metric: (condition: string) => string): string[] {
    const baseline = rule.baseline;
    if (baseline === null) return [];
    const window = dqdlHistory.last(baseline.loads);
    const statistic = baseline.statistic === "mean" ? dqdlHistory.avg(window) : dqdlHistory[baseline.statistic](window);
    const bound = (factor: number): DqdlOperand => (factor === 1 ? statistic : { op: "*", left: factor, right: statistic });
    const conditions: string[] = [];
    if (baseline.minFactor !== null) conditions.push(dqdlCondition(">=", bound(baseline.minFactor)));
    if (baseline.maxFactor !== null) conditions.push(dqdlCondition("<=", bound(baseline.maxFactor)));
    return conditions.map(metric);
  }

  /** The DQDL rules (usually one) expressing one lake rule, `labels` after any `where` and before any threshold, as the grammar orders them. */
  rules(rule: Rule, labels: string): string[] {
    const tail = (where = "", threshold = ""): string => `${where} ${labels}${threshold}`;
    const withThreshold = rule.threshold === null ? "" : ` with threshold >= ${dqdlComplement(rule.threshold)}`;
    const counted = (): string[] => [`${this.failingRows(rule, this.failing(rule))} ${labels}`];
    switch (rule.kind) {
      case "not_null": {
        // IsComplete would read the typed value, NULL for an absent and for an invalid value alike.
        if (rule.baseline === null) return counted();
        // With a baseline the failed ratio is compared with its history; a threshold still applies on its own.
        const ratio = `CustomSql ${dqdlRawString(`SELECT count_if(${this.failing(rule)}) / greatest(count(*), 1) ${this.fromPrimary(rule)}`)}`;
        return [...(rule.threshold === null ? [] : counted()), ...this.dynamic(rule, (condition) => `${ratio} ${condition} ${labels}`)];
      }
      case "type":
        // ColumnDataType would read the typed value, NULL for an absent and for an invalid value alike.
        return counted();
      case "unique": {
        // IsUnique counts a missing key as a value; ours counts the rows deduplication drops.
        const keys = rule.columns.map((c) => spark.ident(c));
        const dropped = `count_if(${keys.map((k) => `${k} IS NOT NULL`).join(" AND ")}) - count(DISTINCT ${keys.join(", ")})`;
        if (rule.threshold === null) return [`CustomSql ${dqdlRawString(`SELECT ${dropped} ${this.fromPrimary(rule)}`)} = 0${tail()}`];
        return [`CustomSql ${dqdlRawString(`SELECT (${dropped}) / greatest(count(*), 1) ${this.fromPrimary(rule)}`)} <= ${dqdlNumber(rule.threshold)}${tail()}`];
      }
      case "accepted_values": {
        const column = columnOf(this.contract, rule.column);
        if (!comparedNatively(column)) return counted();
        // NULL listed: ColumnValues fails NULL rows, and absent values are not_null's business.
        const values = [...rule.values.map((v) => this.value(column, v)), "NULL"];
        return [`ColumnValues ${dqdlRawString(rule.column)} in [${values.join(", ")}]${tail(this.where(rule), withThreshold)}`];
      }
      case "range": {
        const column = columnOf(this.contract, rule.column);
        // With a threshold, ColumnValues' ratio would be over the rows with a value only.
        if (rule.threshold !== null) return counted();
        // Two comparisons rather than `between`, whose bounds DQDL does not document as inclusive.
        const bounds: string[] = [];
        if (rule.min !== null) bounds.push(`>= ${this.value(column, rule.min)}`);
        if (rule.max !== null) bounds.push(`<= ${this.value(column, rule.max)}`);
        return bounds.map((b) => `ColumnValues ${dqdlRawString(rule.column)} ${b}${tail(this.where(rule, [this.present(rule.column)]))}`);
      }
      case "pattern": {
        const column = columnOf(this.contract, rule.column);
        // Non-text columns are matched as the SQL engines print them, which ColumnValues does not promise.
        if (rule.threshold !== null || column.type.kind !== "string") return counted();
        return [`ColumnValues ${dqdlRawString(rule.column)} matches ${dqdlRawString(`^(?:${rule.pattern})$`)}${tail(this.where(rule, [this.present(rule.column)]))}`];
      }
      case "references": {
        const source = referenceSource(rule);
        const ratio = rule.threshold === null ? "= 1.0" : `>= ${dqdlComplement(rule.threshold)}`;
        const referenced = source.columns.length === 1 ? `${source.alias}.${source.columns[0]}` : `${source.alias}.{${source.columns.join(",")}}`;
        return [`ReferentialIntegrity ${dqdlRawString(source.columns.join(","))} ${dqdlRawString(referenced)} ${ratio}${tail()}`];
      }
      case "row_count": {
        const bounds: string[] = [];
        if (rule.min !== null) bounds.push(`>= ${dqdlNumber(rule.min)}`);
        if (rule.max !== null) bounds.push(`<= ${dqdlNumber(rule.max)}`);
        return [...bounds, ...this.dynamic(rule, (condition) => condition)].map((b) => `RowCount ${b}${tail(this.where(rule))}`);
      }
      case "freshness": {
        // Fresh when some value in scope is at most max_age_days older than the load date: the newest one then is.
        const recent = `CAST(${spark.ident(rule.column)} AS DATE) >= date_sub(${spark.ident("_load_date")}, ${rule.maxAgeDays})`;
        return [`CustomSql ${dqdlRawString(`SELECT count(*) ${this.fromPrimary(rule, recent)}`)} >= 1${tail()}`];
      }
      case "completeness": {
        // Completeness would read the typed value, NULL for an invalid value too; an empty scope is complete, as in SQL.
        const present = spark.ident(presentName(rule.column));
        const ratio = `CustomSql ${dqdlRawString(`SELECT CASE WHEN count(*) = 0 THEN 1 ELSE count_if(${present}) / count(*) END ${this.fromPrimary(rule)}`)}`;
        const conditions = [...(rule.minRatio === null ? [] : [`>= ${dqdlNumber(rule.minRatio)}`]), ...this.dynamic(rule, (condition) => condition)];
        return conditions.map((condition) => `${ratio} ${condition}${tail()}`);
      }
      case "reconciliation":
      case "column_present":
      case "known_columns":
        // Not Glue's to judge: dqdlOmission says why, in the ruleset and in the rule's Glue outcome.
        return [];
    }
  }
}

/** Why a rule has no DQDL form, or null when it has one: the ruleset says so beside the rule's description. */
export function dqdlOmission(rule: Rule): string | null {
  switch (rule.kind) {
    case "reconciliation":
      return "not evaluated by Glue: the job evaluates this ruleset before curated holds the load and never rereads raw; the check engines (lake check, the report function on Athena) compare the sums";
    case "column_present":
    case "known_columns":
      return "not evaluated by Glue: the job's frame carries every contract column whatever the export's header said, so ColumnExists could never fail on it; the check engines judge the headers the load recorded";
    default:
      return null;
  }
}

/**
 * A reference frame the Glue job must pass to EvaluateDataQuality (additional_data_sources) under
 * `alias`, its columns named like the checked frame's (`columns`). Unconditional: the referenced
 * dataset's curated rows, `branches[0].column AS columns[0]`. Conditional: the union over
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

/** The label key Glue returns with every rule result, naming the lake rule it belongs to. */
export const RULE_ID_LABEL = "rule_id";
export const SEVERITY_LABEL = "severity";

export interface CompiledDqdlRule {
  readonly ruleId: string;
  readonly severity: string;
  readonly description: string;
  /** The DQDL rules expressing it, labels included, in ruleset order (Glue names them Rule_1, Rule_2, ...). */
  readonly dqdl: readonly string[];
  /** Why it has none (dqdlOmission), else null. */
  readonly omitted: string | null;
}

/** Each lake rule with the DQDL rules expressing it, in ruleset order. */
export function compileDqdlRules(ruleSet: RuleSet, contracts: readonly Contract[]): CompiledDqdlRule[] {
  const contract = contracts.find((c) => c.name === ruleSet.dataset);
  if (!contract) throw new Error(`no contract "${ruleSet.dataset}" for ${ruleSet.file} (rule files are validated before compiling)`);
  const compiler = new DqdlCompiler(contract);
  return ruleSet.rules.map((rule) => ({
    ruleId: rule.id,
    severity: rule.severity,
    description: rule.description,
    dqdl: compiler.rules(rule, dqdlLabels({ [RULE_ID_LABEL]: rule.id, [SEVERITY_LABEL]: rule.severity })),
    omitted: dqdlOmission(rule),
  }));
}

/** A comment runs to the end of its line: a description is kept on one. */
const commentLine = (text: string): string => `# ${text.trim().replace(/\s*[\r\n\u0085\u2028\u2029]+\s*/g, " ")}`;

/** The ruleset text: each lake rule's description as a comment, then its DQDL rules, comma-separated (or, for a rule without any, why). */
export function compileDqdl(ruleSet: RuleSet, contracts: readonly Contract[]): string {
  const compiled = compileDqdlRules(ruleSet, contracts);
  const count = compiled.reduce((n, r) => n + r.dqdl.length, 0);
  if (count === 0) throw new LakeInputError(`${ruleSet.file}: a DQDL ruleset needs at least one rule Glue evaluates, and Glue refuses an empty one${compiled.length > 0 ? ` (no DQDL form: ${compiled.map((r) => r.ruleId).join(", ")})` : ""}; add one (not_null, unique, accepted_values, range, pattern, row_count, ...)`);
  const lines: string[] = [];
  let written = 0;
  for (const rule of compiled) {
    lines.push(`    ${commentLine(rule.description)}`);
    if (rule.omitted !== null) lines.push(`    ${commentLine(`${rule.ruleId}: ${rule.omitted}`)}`);
    for (const r of rule.dqdl) lines.push(`    ${r}${++written < count ? "," : ""}`);
  }
  return `Rules = [\n${lines.join("\n")}\n]\n`;
}
