import Ajv2020, { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { Column, ColumnType, Contract, PROJECT_ROOT } from "./contracts";
import { describeSchemaError, readJsonFile } from "./schema-validation";
import { isIsoDate } from "./text";

/**
 * Quality rules: declared once per dataset in quality-rules/<dataset>.json, validated against
 * quality-rules/rules.schema.json and the contracts, then compiled to DuckDB SQL, Athena SQL and
 * DQDL (src/quality/). Semantics of every kind: docs/quality-rules.md.
 */

export const DEFAULT_RULES_DIR = path.join(PROJECT_ROOT, "quality-rules");
export const RULES_SCHEMA_FILE = path.join(DEFAULT_RULES_DIR, "rules.schema.json");

export type RuleSeverity = "error" | "warn";
export type FilterValue = string | number | boolean;

export const ROW_LEVEL_KINDS = ["not_null", "unique", "type", "accepted_values", "range", "pattern", "references"] as const;
export const TABLE_LEVEL_KINDS = ["row_count", "freshness", "completeness", "reconciliation"] as const;
/** Judged from the files' headers (the load record), not from rows: one result per rule, counting files. */
export const SCHEMA_KINDS = ["column_present", "known_columns"] as const;
export type RuleKind = (typeof ROW_LEVEL_KINDS)[number] | (typeof TABLE_LEVEL_KINDS)[number] | (typeof SCHEMA_KINDS)[number];
/** Kinds whose figure may be judged against earlier loads (`baseline`). */
export const BASELINE_KINDS = ["row_count", "completeness", "not_null"] as const;

/** A row matches when the column's typed, normalised value is one of `values` (`equals` is a one-value list). */
export interface Condition {
  readonly column: string;
  readonly values: readonly FilterValue[];
}

export type BaselineStatistic = "median" | "mean" | "min" | "max";

/**
 * A bound taken from earlier loads: the rule's figure (row_count: rows; completeness: the complete
 * ratio; not_null: the failed ratio) must lie within minFactor..maxFactor times `statistic` of the
 * same figure over the last `loads` loads before this one whose dataset did not fail.
 */
export interface Baseline {
  readonly loads: number;
  /** Fewer earlier loads than this and the baseline is not compared (said so, never guessed). */
  readonly minLoads: number;
  readonly statistic: BaselineStatistic;
  readonly minFactor: number | null;
  readonly maxFactor: number | null;
}

interface RuleBase {
  readonly id: string;
  readonly severity: RuleSeverity;
  readonly description: string;
  /** Largest failed ratio tolerated (row-level kinds); null: any failure fails. */
  readonly threshold: number | null;
  /** All must hold for a row to be checked; empty: every row. */
  readonly where: readonly Condition[];
  /** Bounds relative to earlier loads (row_count, completeness, not_null); null: none. */
  readonly baseline: Baseline | null;
}

export interface NotNullRule extends RuleBase { readonly kind: "not_null"; readonly column: string }
export interface TypeRule extends RuleBase { readonly kind: "type"; readonly column: string }
export interface UniqueRule extends RuleBase { readonly kind: "unique"; readonly columns: readonly string[] }
export interface AcceptedValuesRule extends RuleBase { readonly kind: "accepted_values"; readonly column: string; readonly values: readonly FilterValue[] }
/** Inclusive bounds; numbers for numeric columns, ISO dates for date/timestamp columns. */
export interface RangeRule extends RuleBase { readonly kind: "range"; readonly column: string; readonly min: number | string | null; readonly max: number | string | null }
export interface PatternRule extends RuleBase { readonly kind: "pattern"; readonly column: string; readonly pattern: string }
export interface ReferenceTarget { readonly dataset: string; readonly column: string; readonly when: Condition | null }
export interface ReferencesRule extends RuleBase { readonly kind: "references"; readonly column: string; readonly targets: readonly ReferenceTarget[] }
export interface RowCountRule extends RuleBase { readonly kind: "row_count"; readonly min: number | null; readonly max: number | null }
export interface FreshnessRule extends RuleBase { readonly kind: "freshness"; readonly column: string; readonly maxAgeDays: number }
export interface CompletenessRule extends RuleBase { readonly kind: "completeness"; readonly column: string; readonly minRatio: number | null }
/** The sum over the load of each row's product of `columns` is the same as parsed from raw, as processed + quarantined, and in curated. */
export interface ReconciliationRule extends RuleBase { readonly kind: "reconciliation"; readonly columns: readonly string[] }
/** A declared column that every file of the load must carry in its header. */
export interface ColumnPresentRule extends RuleBase { readonly kind: "column_present"; readonly column: string }
/** No file of the load carries a header the contract does not know. */
export interface KnownColumnsRule extends RuleBase { readonly kind: "known_columns" }

export type Rule =
  | NotNullRule
  | TypeRule
  | UniqueRule
  | AcceptedValuesRule
  | RangeRule
  | PatternRule
  | ReferencesRule
  | RowCountRule
  | FreshnessRule
  | CompletenessRule
  | ReconciliationRule
  | ColumnPresentRule
  | KnownColumnsRule;

export type RowLevelRule = NotNullRule | TypeRule | UniqueRule | AcceptedValuesRule | RangeRule | PatternRule | ReferencesRule;
export type TableLevelRule = RowCountRule | FreshnessRule | CompletenessRule | ReconciliationRule;
export type SchemaRule = ColumnPresentRule | KnownColumnsRule;

export interface RuleSet {
  readonly dataset: string;
  readonly file: string;
  readonly rules: readonly Rule[];
}

export function isTableLevel(rule: Rule): rule is TableLevelRule {
  return (TABLE_LEVEL_KINDS as readonly string[]).includes(rule.kind);
}

export function isSchemaRule(rule: Rule): rule is SchemaRule {
  return (SCHEMA_KINDS as readonly string[]).includes(rule.kind);
}

/** The columns a rule is about (what the report shows next to it). */
export function ruleColumns(rule: Rule): string[] {
  switch (rule.kind) {
    case "unique":
    case "reconciliation":
      return [...rule.columns];
    case "row_count":
    case "known_columns":
      return [];
    default:
      return [rule.column];
  }
}

/** Every column the rule reads from the batch: its own, its `where` filters and its reference conditions; none for schema rules. */
export function columnsRead(rule: Rule): string[] {
  if (isSchemaRule(rule)) return [];
  const columns = [...ruleColumns(rule), ...rule.where.map((c) => c.column)];
  if (rule.kind === "references") for (const t of rule.targets) if (t.when) columns.push(t.when.column);
  return [...new Set(columns)];
}

// ---------------------------------------------------------------------------------------------
// The file format (what JSON Schema has validated) and its translation to the typed model.

interface FilterDocument { column: string; equals?: FilterValue; in?: FilterValue[] }
interface RuleDocument {
  id: string;
  kind: RuleKind;
  severity: RuleSeverity;
  description: string;
  threshold?: number;
  where?: FilterDocument | FilterDocument[];
  column?: string;
  columns?: string[];
  values?: FilterValue[];
  min?: number | string;
  max?: number | string;
  pattern?: string;
  targets?: { dataset: string; column: string; when?: FilterDocument }[];
  max_age_days?: number;
  min_ratio?: number;
  baseline?: { loads: number; min_loads?: number; statistic: BaselineStatistic; min_factor?: number; max_factor?: number };
}
interface RuleFileDocument { dataset: string; description?: string; rules: RuleDocument[] }

const toCondition = (f: FilterDocument): Condition => ({ column: f.column, values: f.in ?? [f.equals as FilterValue] });
const whereList = (where: RuleDocument["where"]): FilterDocument[] => (where === undefined ? [] : Array.isArray(where) ? where : [where]);

function toRule(doc: RuleDocument): Rule {
  const base = {
    id: doc.id,
    severity: doc.severity,
    description: doc.description,
    threshold: doc.threshold ?? null,
    where: whereList(doc.where).map(toCondition),
    baseline: doc.baseline === undefined ? null : {
      loads: doc.baseline.loads,
      minLoads: doc.baseline.min_loads ?? doc.baseline.loads,
      statistic: doc.baseline.statistic,
      minFactor: doc.baseline.min_factor ?? null,
      maxFactor: doc.baseline.max_factor ?? null,
    },
  };
  const column = doc.column as string;
  switch (doc.kind) {
    case "not_null":
    case "type":
      return { ...base, kind: doc.kind, column };
    case "unique":
      return { ...base, kind: "unique", columns: doc.columns as string[] };
    case "accepted_values":
      return { ...base, kind: "accepted_values", column, values: doc.values as FilterValue[] };
    case "range":
      return { ...base, kind: "range", column, min: doc.min ?? null, max: doc.max ?? null };
    case "pattern":
      return { ...base, kind: "pattern", column, pattern: doc.pattern as string };
    case "references":
      return {
        ...base,
        kind: "references",
        column,
        targets: (doc.targets ?? []).map((t) => ({ dataset: t.dataset, column: t.column, when: t.when ? toCondition(t.when) : null })),
      };
    case "row_count":
      return { ...base, kind: "row_count", min: (doc.min as number | undefined) ?? null, max: (doc.max as number | undefined) ?? null };
    case "freshness":
      return { ...base, kind: "freshness", column, maxAgeDays: doc.max_age_days as number };
    case "completeness":
      return { ...base, kind: "completeness", column, minRatio: doc.min_ratio ?? null };
    case "reconciliation":
      return { ...base, kind: "reconciliation", columns: doc.columns as string[] };
    case "column_present":
      return { ...base, kind: "column_present", column };
    case "known_columns":
      return { ...base, kind: "known_columns" };
  }
}

// ---------------------------------------------------------------------------------------------
// Schema validation, with messages that say which field a kind does not take.

// strictRequired off: the per-kind `then` branches require fields declared once at the rule level.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
let validateRuleFile: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  validateRuleFile ??= ajv.compile(JSON.parse(fs.readFileSync(RULES_SCHEMA_FILE, "utf8")));
  return validateRuleFile;
}

function kindAt(document: unknown, instancePath: string): string | undefined {
  const match = /^\/rules\/(\d+)/.exec(instancePath);
  if (!match || typeof document !== "object" || document === null) return undefined;
  const rules = (document as { rules?: unknown }).rules;
  const rule = Array.isArray(rules) ? (rules[Number(match[1])] as { kind?: unknown } | undefined) : undefined;
  return typeof rule?.kind === "string" ? rule.kind : undefined;
}

function describeRuleSchemaError(file: string, document: unknown, error: ErrorObject, alternatives: readonly ErrorObject[]): string {
  const where = error.instancePath === "" ? "/" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "false schema": {
      const field = error.instancePath.split("/").pop() ?? "";
      return `${file}: ${where}: a ${kindAt(document, error.instancePath) ?? "rule of this"} rule does not take "${field}"; remove it (docs/quality-rules.md lists the fields of each kind)`;
    }
    case "not":
      // The one `not` of the schema: a filter with both forms.
      return `${file}: ${where}: has both "equals" and "in"; keep one of them`;
    case "anyOf": {
      const fields = alternatives.map((e) => (e.params as { missingProperty?: string }).missingProperty).filter((f) => f !== undefined);
      if (fields.length > 0) return `${file}: ${where}: needs one of ${fields.map((f) => `"${f}"`).join(", ")}; add it`;
      return describeSchemaError(file, error);
    }
    case "minimum":
    case "maximum":
      return `${file}: ${where}: ${error.message ?? "is out of range"}; use a value ${String(params.comparison)} ${String(params.limit)}`;
    default:
      return describeSchemaError(file, error);
  }
}

function schemaProblemsOf(file: string, document: unknown): string[] {
  const validate = schemaValidator();
  if (validate(document)) return [];
  const errors = validate.errors ?? [];
  // "required" errors inside anyOf branches are the alternatives: report them once, as their anyOf;
  // the if/then wrapper only repeats what the branch said.
  const isAlternative = (e: ErrorObject): boolean => e.keyword === "required" && /\/anyOf\/\d+\/required$/.test(e.schemaPath);
  const lines = errors
    .filter((e) => e.keyword !== "if" && !isAlternative(e))
    .map((e) => {
      const alternatives = errors.filter((a) => isAlternative(a) && a.instancePath === e.instancePath && a.schemaPath.startsWith(`${e.schemaPath}/`));
      return describeRuleSchemaError(file, document, e, alternatives);
    });
  return [...new Set(lines)];
}

/** Paths shown relative to the working folder when they are inside it, absolute otherwise. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks: what the schema cannot know (columns, datasets, types, regexes).

/** Levenshtein distance, to suggest the closest column name. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

export function closestName(name: string, candidates: readonly string[]): string | undefined {
  // "provider" for "provider_id": a dropped suffix is the commonest slip, however long.
  const extended = candidates.find((c) => c.startsWith(name) || name.startsWith(c));
  if (extended !== undefined) return extended;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;


function isIsoTimestamp(value: string): boolean {
  const m = ISO_TIMESTAMP.exec(value);
  return m !== null && isIsoDate(`${m[1]}-${m[2]}-${m[3]}`) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

const isNumeric = (t: ColumnType): boolean => t.kind === "integer" || t.kind === "decimal";
const isTemporal = (t: ColumnType): boolean => t.kind === "date" || t.kind === "timestamp";

/** Why a literal cannot be compared with a column of this type, or undefined when it can. */
export function literalProblem(column: Column, value: FilterValue): string | undefined {
  const t = column.type;
  switch (t.kind) {
    case "string":
      return typeof value === "string" ? undefined : `"${column.name}" is a string column; write the value as text`;
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value) ? undefined : `"${column.name}" is an integer column; write a whole number`;
    case "decimal":
      return typeof value === "number" && Number.isFinite(value) ? undefined : `"${column.name}" is ${column.typeName}; write a number`;
    case "date":
      return typeof value === "string" && isIsoDate(value) ? undefined : `"${column.name}" is a date column; write an ISO date like "2024-05-01"`;
    case "timestamp":
      return typeof value === "string" && (isIsoDate(value) || isIsoTimestamp(value)) ? undefined : `"${column.name}" is a timestamp column; write "2024-05-01 13:45:00" or "2024-05-01"`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `"${column.name}" is a boolean column; write true or false`;
  }
}

/** A value an enum column can never hold after normalisation (it is not one of the canonical values). */
function neverOccurs(column: Column, value: FilterValue): boolean {
  return column.valueMap.size > 0 && typeof value === "string" && ![...column.valueMap.values()].includes(value);
}

/** RE2 (DuckDB) and Trino's regex engines share this subset; JavaScript checks the rest of the syntax. */
export function patternProblem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return "look-around is not supported by DuckDB (RE2); rewrite without (?= (?! (?<= (?<!";
  if (/\\[1-9]/.test(pattern)) return "back-references are not supported by DuckDB (RE2); rewrite without \\1..\\9";
  if (/\(\?</.test(pattern)) return "named groups are not needed (the whole value is matched); use (...)";
  try {
    new RegExp(pattern, "u");
  } catch (err) {
    return `not a valid regular expression (${(err as Error).message}); fix the syntax`;
  }
  return undefined;
}

interface Place { readonly file: string; readonly path: string }
const at = (p: Place, suffix: string): string => `${p.file}: ${p.path}${suffix}`;

class RuleChecker {
  readonly problems: string[] = [];

  constructor(
    private readonly contract: Contract,
    private readonly contracts: readonly Contract[],
  ) {}

  column(place: Place, suffix: string, name: string, contract: Contract = this.contract): Column | undefined {
    const column = contract.columns.find((c) => c.name === name);
    if (column) return column;
    const suggestion = closestName(name, contract.columns.map((c) => c.name));
    const hint = suggestion ? `did you mean "${suggestion}"?` : `use one of ${contract.columns.map((c) => c.name).join(", ")}`;
    this.problems.push(at(place, `${suffix}: dataset "${contract.name}" has no column "${name}"; ${hint}`));
    return undefined;
  }

  literals(place: Place, suffix: string, column: Column, values: readonly FilterValue[], what: string): void {
    values.forEach((v, i) => {
      const where = values.length === 1 && what === "equals" ? suffix : `${suffix}/${i}`;
      const problem = literalProblem(column, v);
      if (problem) this.problems.push(at(place, `${where}: ${JSON.stringify(v)} cannot be compared with the column: ${problem}`));
      else if (neverOccurs(column, v)) {
        const canonical = [...new Set(column.valueMap.values())];
        this.problems.push(at(place, `${where}: "${String(v)}" is not a canonical value of "${column.name}", so it can never occur after normalisation; use one of ${canonical.join(", ")} (or add it to the contract's values)`));
      }
    });
  }

  filter(place: Place, suffix: string, filter: FilterDocument, contract: Contract = this.contract): void {
    const column = this.column(place, `${suffix}/column`, filter.column, contract);
    if (!column) return;
    if (filter.in !== undefined) this.literals(place, `${suffix}/in`, column, filter.in, "in");
    else this.literals(place, `${suffix}/equals`, column, [filter.equals as FilterValue], "equals");
  }

  rule(place: Place, doc: RuleDocument): void {
    const where = doc.where;
    if (Array.isArray(where)) where.forEach((f, i) => this.filter(place, `/where/${i}`, f));
    else if (where !== undefined) this.filter(place, "/where", where);
    const column = doc.column === undefined ? undefined : this.column(place, "/column", doc.column);
    switch (doc.kind) {
      case "unique":
        (doc.columns ?? []).forEach((c, i) => this.column(place, `/columns/${i}`, c));
        break;
      case "type":
        if (column?.type.kind === "string") {
          this.problems.push(at(place, `/column: "${column.name}" is a string column, so every value casts and a type rule can never fail; remove the rule or check the column with pattern or accepted_values`));
        }
        break;
      case "accepted_values":
        if (column) this.literals(place, "/values", column, doc.values ?? [], "values");
        break;
      case "range":
        if (column) this.range(place, column, doc);
        break;
      case "pattern": {
        const problem = patternProblem(doc.pattern ?? "");
        if (problem) this.problems.push(at(place, `/pattern: ${JSON.stringify(doc.pattern)} is ${problem.startsWith("not") ? "" : "rejected: "}${problem}`));
        break;
      }
      case "references":
        if (column) this.references(place, column, doc);
        break;
      case "row_count":
        if (doc.min !== undefined && doc.max !== undefined && Number(doc.min) > Number(doc.max)) {
          this.problems.push(at(place, `/min: min (${String(doc.min)}) is greater than max (${String(doc.max)}); swap or fix them`));
        }
        break;
      case "freshness":
        if (column && !isTemporal(column.type)) {
          this.problems.push(at(place, `/column: freshness needs a date or timestamp column; "${column.name}" is ${column.typeName}`));
        }
        break;
      case "reconciliation":
        (doc.columns ?? []).forEach((c, i) => {
          const summed = this.column(place, `/columns/${i}`, c);
          if (summed && !isNumeric(summed.type)) {
            this.problems.push(at(place, `/columns/${i}: reconciliation sums numbers; "${summed.name}" is ${summed.typeName} (name numeric columns, e.g. quantity_kwh and price for quantity x price)`));
          }
        });
        break;
      case "column_present":
        if (column?.required) {
          this.problems.push(at(place, `/column: "${column.name}" is required, so a file without it already fails the load and this rule could never fail; check optional columns only (or make "${column.name}" optional in the contract)`));
        }
        break;
      case "not_null":
      case "completeness":
      case "known_columns":
        break;
    }
    if (doc.baseline !== undefined) this.baseline(place, doc.baseline);
  }

  private baseline(place: Place, baseline: NonNullable<RuleDocument["baseline"]>): void {
    if (baseline.min_loads !== undefined && baseline.min_loads > baseline.loads) {
      this.problems.push(at(place, `/baseline/min_loads: ${baseline.min_loads} is more than loads (${baseline.loads}), so the baseline could never be compared; lower min_loads or raise loads`));
    }
    if (baseline.min_factor !== undefined && baseline.max_factor !== undefined && baseline.min_factor > baseline.max_factor) {
      this.problems.push(at(place, `/baseline/min_factor: min_factor (${baseline.min_factor}) is greater than max_factor (${baseline.max_factor}); swap or fix them`));
    }
  }

  private range(place: Place, column: Column, doc: RuleDocument): void {
    if (!isNumeric(column.type) && !isTemporal(column.type)) {
      this.problems.push(at(place, `/column: range needs a numeric, date or timestamp column; "${column.name}" is ${column.typeName} (use accepted_values or pattern)`));
      return;
    }
    for (const bound of ["min", "max"] as const) {
      const value = doc[bound];
      if (value === undefined) continue;
      if (isNumeric(column.type) && typeof value !== "number") {
        this.problems.push(at(place, `/${bound}: "${column.name}" is ${column.typeName}; write ${bound} as a number`));
      } else if (isTemporal(column.type) && !(typeof value === "string" && isIsoDate(value))) {
        this.problems.push(at(place, `/${bound}: "${column.name}" is a ${column.typeName} column; write ${bound} as an ISO date like "2024-05-01"`));
      }
    }
    if (doc.min !== undefined && doc.max !== undefined && typeof doc.min === typeof doc.max && doc.min > doc.max) {
      this.problems.push(at(place, `/min: min (${String(doc.min)}) is greater than max (${String(doc.max)}); swap or fix them`));
    }
  }

  private references(place: Place, column: Column, doc: RuleDocument): void {
    const targets = doc.targets ?? [];
    targets.forEach((t, i) => {
      const suffix = `/targets/${i}`;
      const referenced = this.contracts.find((c) => c.name === t.dataset);
      if (!referenced) {
        const suggestion = closestName(t.dataset, this.contracts.map((c) => c.name));
        this.problems.push(at(place, `${suffix}/dataset: no contract "${t.dataset}"; ${suggestion ? `did you mean "${suggestion}"?` : `use one of ${this.contracts.map((c) => c.name).join(", ")}`}`));
      } else {
        const target = this.column(place, `${suffix}/column`, t.column, referenced);
        if (target && target.type.kind !== column.type.kind) {
          this.problems.push(at(place, `${suffix}/column: "${referenced.name}.${target.name}" is ${target.typeName} but "${column.name}" is ${column.typeName}; reference a column of the same type`));
        }
      }
      if (t.when) this.filter(place, `${suffix}/when`, t.when);
    });
    // DQDL expresses conditional targets as one composite key (condition column, value): see dqdl.ts.
    const conditioned = targets.filter((t) => t.when !== undefined);
    const whenColumns = new Set(conditioned.map((t) => t.when?.column));
    if (whenColumns.size > 1) {
      this.problems.push(at(place, `/targets: the targets' "when" filters use different columns (${[...whenColumns].join(", ")}); condition every target on the same column`));
    }
    if (conditioned.length > 0 && conditioned.length < targets.length) {
      this.problems.push(at(place, `/targets: some targets have a "when" and some do not; give every target a "when" (or use a single target without one)`));
    } else if (conditioned.length === 0 && targets.length > 1) {
      this.problems.push(at(place, `/targets: several targets without "when" would all apply to every row; add a "when" to each, or write one rule per target`));
    }
  }
}

/**
 * Text holding a NUL character (U+0000): no engine's SQL can carry it, and one such value would
 * make every query of its dataset fail. Named by JSON path, wherever it is in the file.
 */
function nulProblems(file: string, value: unknown, at = ""): string[] {
  if (typeof value === "string") return value.includes("\u0000") ? [`${file}: ${at || "/"}: contains a NUL character (U+0000), which no SQL engine can carry in a literal; remove it`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulProblems(file, v, `${at}/${i}`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [...(k.includes("\u0000") ? [`${file}: ${at}/${k.replace(/\u0000/g, "\\0")}: a field name contains a NUL character (U+0000); remove it`] : []), ...nulProblems(file, v, `${at}/${k}`)]);
  }
  return [];
}

/** Every problem of one rule file, each "file: /json/path: what is wrong; how to fix it". */
export function ruleFileProblems(file: string, document: unknown, contracts: readonly Contract[]): string[] {
  const shown = shownPath(file);
  const schema = schemaProblemsOf(shown, document);
  const doc = document as RuleFileDocument;
  const wellFormed = typeof doc === "object" && doc !== null && typeof doc.dataset === "string" && Array.isArray(doc.rules);
  if (!wellFormed) return schema;
  // Rules the schema already rejected are not checked further; every other rule still is, so one
  // run lists every problem of the file.
  const rejected = new Set(schema.map((p) => /^[^:]*(?::[^/]*)?: \/rules\/(\d+)/.exec(p)?.[1]).filter((i) => i !== undefined).map(Number));
  const problems: string[] = [...schema, ...nulProblems(shown, document)];
  const expected = path.basename(file, ".json");
  if (doc.dataset !== expected) {
    problems.push(`${shown}: /dataset: "${doc.dataset}" does not match the file name; rename the file to ${doc.dataset}.json or set dataset to "${expected}"`);
  }
  const contract = contracts.find((c) => c.name === doc.dataset);
  if (!contract) {
    const suggestion = closestName(doc.dataset, contracts.map((c) => c.name));
    problems.push(`${shown}: /dataset: no contract "${doc.dataset}"; ${suggestion ? `did you mean "${suggestion}"?` : `use one of ${contracts.map((c) => c.name).join(", ")}`}`);
    return problems;
  }
  const checker = new RuleChecker(contract, contracts);
  const firstIndex = new Map<string, number>();
  doc.rules.forEach((rule, i) => {
    if (typeof rule?.id === "string") {
      const first = firstIndex.get(rule.id);
      if (first !== undefined) problems.push(`${shown}: /rules/${i}/id: "${rule.id}" is already the id of /rules/${first}; give every rule its own id`);
      else firstIndex.set(rule.id, i);
    }
    if (!rejected.has(i)) checker.rule({ file: shown, path: `/rules/${i}` }, rule);
  });
  return [...problems, ...checker.problems];
}

/** Validates rule files (each named <dataset>.json); returns the files with problems and all their problems. */
export function validateRuleFiles(files: string[], contracts: readonly Contract[]): { file: string; problems: string[] }[] {
  const invalid: { file: string; problems: string[] }[] = [];
  for (const file of files) {
    let problems: string[];
    try {
      problems = ruleFileProblems(file, readJsonFile(file), contracts);
    } catch (err) {
      if (!(err instanceof LakeInputError)) throw err;
      problems = [err.message];
    }
    if (problems.length > 0) invalid.push({ file, problems });
  }
  return invalid;
}

export function parseRuleSet(file: string, document: unknown, contracts: readonly Contract[]): RuleSet {
  const problems = ruleFileProblems(file, document, contracts);
  if (problems.length > 0) throw new LakeInputError(`invalid quality rules ${file}:`, problems);
  const doc = document as RuleFileDocument;
  return { dataset: doc.dataset, file, rules: doc.rules.map(toRule) };
}

/**
 * Loads and validates every quality-rules/<dataset>.json (the schema file aside), in dataset order.
 * Throws LakeInputError listing every problem of every file.
 */
export function loadRuleSets(contracts: readonly Contract[], dir: string = DEFAULT_RULES_DIR): RuleSet[] {
  if (!fs.existsSync(dir)) throw new LakeInputError(`${dir}: quality rules folder not found; pass --rules DIR`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .sort()
    .map((f) => path.join(dir, f));
  const invalid = validateRuleFiles(files, contracts);
  if (invalid.length > 0) throw new LakeInputError(`invalid quality rules in ${dir}:`, invalid.flatMap((i) => i.problems));
  return files.map((file) => parseRuleSet(file, readJsonFile(file), contracts)).sort((a, b) => a.dataset.localeCompare(b.dataset));
}
