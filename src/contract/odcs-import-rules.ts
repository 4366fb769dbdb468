import { ColumnType } from "../model/contracts";
import { isJsonObject, Json, JsonObject } from "./documents";
import { parse as parseYaml } from "yaml";
import { ATHENA_SQL_PROPERTY, DQDL_PROPERTY, ENGINE, percentToRatio, RULE_KIND_PROPERTY } from "./odcs-mapping";
import { OdcsNode } from "./odcs-reader";

/** A rule read from an ODCS quality rule (or a schema constraint), before its id is made unique. */
export interface ImportedRule {
  /** Our rule document, without `id`. */
  readonly rule: JsonObject;
  /** The id the document asks for (its name or id), when it is a valid rule id. */
  readonly wantedId: string | undefined;
  /** The id used otherwise: <dataset>.<column>.<kind>. */
  readonly fallbackId: string;
  readonly source: string;
}

export interface RuleContext {
  readonly dataset: string;
  /** Our column name -> its type. */
  readonly columnTypes: ReadonlyMap<string, ColumnType>;
  /** ODCS property name -> our column name. */
  readonly columnOf: ReadonlyMap<string, string>;
  /**
   * Declares values that mean "no value" in a column (the contract's null markers), when the
   * contract format has them; returns whether it could.
   */
  readonly declareMissing: (column: string, values: readonly string[]) => boolean;
}

const RULE_ID = /^[a-z][a-z0-9_.-]*$/;
const OPERATORS = ["mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan", "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween"] as const;
type Operator = (typeof OPERATORS)[number];

/** ODCS v3.0 named library rules `rule:`; v3.1.0 renamed them `metric:`. */
const DEPRECATED_RULES: Readonly<Record<string, string>> = {
  nullCheck: "nullValues",
  nullValues: "nullValues",
  duplicateCount: "duplicateValues",
  duplicateValues: "duplicateValues",
  uniqueCheck: "duplicateValues",
  validValues: "invalidValues",
  invalidValues: "invalidValues",
  rowCount: "rowCount",
  countCheck: "rowCount",
  missingValues: "missingValues",
};

/** Fields of an ODCS quality rule that only schedule, classify or document it. */
const QUALITY_REASONS: Readonly<Record<string, string>> = {
  schedule: "rules run after every load (lake run, the Glue job and the state machine); a schedule of their own is not kept",
  scheduler: "rules run after every load; a scheduler of their own is not kept",
  businessImpact: "energy-lake rules carry a severity (error fails the run, warn reports), not a business impact",
  method: "not kept: energy-lake rules have no method field",
  tags: "rule tags are not kept",
  authoritativeDefinitions: "links to definitions are not kept",
};

const SEVERITY_ERROR = new Set(["error", "critical", "high", "blocker", "fatal", "major"]);
const SEVERITY_WARN = new Set(["warn", "warning", "low", "medium", "minor", "info", "information"]);

function operatorOf(node: OdcsNode): { operator: Operator; value: Json } | "none" | "several" {
  const present = OPERATORS.filter((o) => node.has(o));
  if (present.length === 0) return "none";
  if (present.length > 1) return "several";
  return { operator: present[0], value: node.get(present[0]) as Json };
}

const num = (v: Json): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

class QualityReader {
  private readonly rules: ImportedRule[] = [];
  private severityRead: string | undefined;

  constructor(
    private readonly node: OdcsNode,
    private readonly column: string | undefined,
    private readonly ctx: RuleContext,
  ) {}

  private get findings() {
    return this.node.findings;
  }

  private wantedId(): string | undefined {
    const name = this.node.string("name");
    const id = this.node.string("id");
    if (name !== undefined && RULE_ID.test(name)) return name;
    const fromId = id?.toLowerCase();
    if (fromId !== undefined && RULE_ID.test(fromId)) {
      if (name !== undefined) this.findings.changed(this.node.at("name"), `"${name}" is not a rule id (${RULE_ID.source}); the rule is named after its id "${fromId}"`);
      return fromId;
    }
    if (name !== undefined) this.findings.changed(this.node.at("name"), `"${name}" is not a rule id (${RULE_ID.source}); the rule gets a generated id`);
    return undefined;
  }

  private severity(): string {
    this.severityRead ??= this.readSeverity();
    return this.severityRead;
  }

  private readSeverity(): string {
    const severity = this.node.string("severity");
    if (severity === undefined) return "error";
    const s = severity.toLowerCase();
    if (s === "error" || s === "warning" || s === "warn") return s === "error" ? "error" : "warn";
    if (SEVERITY_ERROR.has(s)) {
      this.findings.changed(this.node.at("severity"), `"${severity}" is read as error (a failure fails the run)`);
      return "error";
    }
    if (!SEVERITY_WARN.has(s)) this.findings.changed(this.node.at("severity"), `"${severity}" is not a severity energy-lake knows; read as warn (reported, never fails a run)`);
    else this.findings.changed(this.node.at("severity"), `"${severity}" is read as warn (reported, never fails a run)`);
    return "warn";
  }

  private add(kind: string, body: JsonObject, describe: string, idSuffix = kind, source = this.node.path): void {
    const description = this.node.string("description") ?? `${describe} (from the ODCS contract).`;
    const subject = this.column ?? this.ctx.dataset;
    this.rules.push({
      rule: { kind, severity: this.severity(), description, ...body },
      wantedId: this.rules.length === 0 ? this.wantedId() : undefined,
      fallbackId: this.column === undefined ? `${this.ctx.dataset}.${idSuffix}` : `${this.ctx.dataset}.${subject}.${idSuffix}`,
      source,
    });
  }

  /**
   * An ODCS count comparison as our row-level tolerance: the largest failed ratio (null: none).
   * Absolute counts other than zero have no counterpart (thresholds are ratios).
   */
  private tolerance(metric: string): { threshold: number | null } | undefined {
    const unit = this.node.string("unit") ?? "rows";
    const op = operatorOf(this.node);
    if (op === "none" || op === "several") {
      this.findings.notImported(this.node.path, `${metric} needs exactly one comparison (mustBe, mustBeLessThan, ...); ${op === "none" ? "there is none" : "there are several"}`);
      return undefined;
    }
    const { operator, value } = op;
    const at = this.node.at(operator);
    const n = num(value);
    const upper = operator === "mustBeBetween" && Array.isArray(value) && value.length === 2 ? num(value[1]) : undefined;
    if (unit !== "rows" && unit !== "percent") {
      this.findings.notImported(this.node.at("unit"), `unit "${unit}" is not rows or percent`);
      return undefined;
    }
    if (unit === "rows") {
      if ((operator === "mustBe" || operator === "mustBeLessOrEqualTo") && n === 0) return { threshold: null };
      if (operator === "mustBeLessThan" && n !== undefined && n > 0 && n <= 1) return { threshold: null };
      this.findings.notImported(at, `${operator} ${JSON.stringify(value)} rows: energy-lake tolerates failures as a ratio of the rows checked, not a number of rows; write it with unit: percent`);
      return undefined;
    }
    const percent = operator === "mustBeBetween" ? (Array.isArray(value) && num(value[0]) === 0 ? upper : undefined) : n;
    if (percent === undefined || percent < 0 || percent > 100) {
      this.findings.notImported(at, `${operator} ${JSON.stringify(value)} percent is not an upper bound between 0 and 100 on the failing share`);
      return undefined;
    }
    if (operator === "mustBe" && percent === 0) return { threshold: null };
    if (operator === "mustBeLessOrEqualTo") return { threshold: percentToRatio(percent) };
    if (operator === "mustBeLessThan" || operator === "mustBeBetween") {
      this.findings.changed(at, `${operator} ${JSON.stringify(value)} percent is read as at most ${percent}% (energy-lake thresholds include their bound)`);
      return { threshold: percentToRatio(percent) };
    }
    this.findings.notImported(at, `${operator} is not an upper bound on the failing share`);
    return undefined;
  }

  private withThreshold(body: JsonObject, tolerance: { threshold: number | null }): JsonObject {
    return tolerance.threshold === null ? body : { ...body, threshold: tolerance.threshold };
  }

  private needsColumn(metric: string): string | undefined {
    if (this.column === undefined) this.findings.notImported(this.node.path, `${metric} counts values of one property; at schema level it names none`);
    return this.column;
  }

  private nullValues(metric: string, args: OdcsNode | undefined): void {
    const column = this.needsColumn(metric);
    if (column === undefined) return;
    if (args) {
      const missing = args.get("missingValues");
      const counted = Array.isArray(missing) ? missing.filter((v) => v !== null && !(typeof v === "string" && v.trim() === "")) : [];
      const markers = counted.map(String);
      if (markers.length > 0 && this.ctx.declareMissing(column, markers)) {
        this.findings.changed(args.at("missingValues"), `${JSON.stringify(markers)} become null markers of column ${column}: missing for every rule and for typing, not only for this one`);
      } else if (markers.length > 0) {
        this.findings.changed(args.at("missingValues"), `only empty values are missing in energy-lake; ${JSON.stringify(markers)} are not counted as missing`);
      }
      args.finish({}, `not an argument of ${metric}`);
    }
    const kind = this.kindHint();
    const tolerance = this.tolerance(metric);
    if (!tolerance) return;
    if (kind === "completeness" && tolerance.threshold !== null) {
      this.add("completeness", { column, min_ratio: Number((1 - tolerance.threshold).toPrecision(12)) }, `${column} is present in enough rows`, "completeness");
    } else {
      this.add("not_null", this.withThreshold({ column }, tolerance), `${column} has a value`, "not_null");
    }
  }

  private kindHint(): string | undefined {
    let kind: string | undefined;
    for (const p of this.node.children("customProperties")) {
      const property = p.string("property");
      if (property === RULE_KIND_PROPERTY) kind = p.string("value");
      else this.findings.notImported(p.path, `custom property "${property ?? ""}" of a quality rule has no counterpart in energy-lake`);
      p.consume(...Object.keys(p.value));
    }
    return kind;
  }

  private invalidValues(args: OdcsNode | undefined): void {
    const column = this.needsColumn("invalidValues");
    if (column === undefined) return;
    const valid = args?.get("validValues");
    const pattern = args?.string("pattern");
    args?.finish({}, "not an argument of invalidValues (validValues, pattern)");
    if (valid === undefined && pattern === undefined) {
      this.findings.notImported(this.node.path, "invalidValues names neither validValues nor a pattern, so no value is invalid");
      return;
    }
    const tolerance = this.tolerance("invalidValues");
    if (!tolerance) return;
    if (valid !== undefined) {
      if (!Array.isArray(valid)) {
        this.findings.notImported((args as OdcsNode).at("validValues"), "expected a list of values");
      } else {
        // Absent values (null, blank text) are never "invalid" in energy-lake (not_null reports them): listing them changes nothing.
        const absent = (v: Json): boolean => v === null || (typeof v === "string" && v.trim() === "");
        const values = valid.filter((v) => !absent(v));
        if (values.length < valid.length) {
          this.findings.changed((args as OdcsNode).at("validValues"), `${valid.filter(absent).map((v) => JSON.stringify(v)).join(", ")} left out of the accepted values: an absent value is never invalid in energy-lake (a not_null rule reports it)`);
        }
        this.add("accepted_values", this.withThreshold({ column, values }, tolerance), `${column} is one of the accepted values`, "accepted_values");
      }
    }
    if (pattern !== undefined) {
      if (valid !== undefined) this.findings.changed(this.node.path, "validValues and pattern become two rules, one for each (a value fails either)");
      this.add("pattern", this.withThreshold({ column, pattern: wholeValuePattern(pattern, (m) => this.findings.changed((args as OdcsNode).at("pattern"), m)) }, tolerance), `${column} matches the pattern`, "pattern");
    }
  }

  private duplicateValues(args: OdcsNode | undefined): void {
    let columns: string[] | undefined;
    if (this.column !== undefined) columns = [this.column];
    const listed = args?.get("properties");
    if (Array.isArray(listed)) {
      const mapped = listed.map((p) => (typeof p === "string" ? this.ctx.columnOf.get(p) ?? this.ctx.columnOf.get(p.split(".").pop() ?? p) : undefined));
      if (mapped.some((c) => c === undefined)) {
        this.findings.notImported((args as OdcsNode).at("properties"), `names properties this schema object does not have (${listed.map(String).join(", ")})`);
        return;
      }
      columns = mapped as string[];
    }
    args?.finish({}, "not an argument of duplicateValues (properties)");
    if (columns === undefined) {
      this.findings.notImported(this.node.path, "duplicateValues at schema level needs arguments.properties (the columns that must be unique together)");
      return;
    }
    const tolerance = this.tolerance("duplicateValues");
    if (!tolerance) return;
    this.add("unique", this.withThreshold({ columns }, tolerance), `${columns.join(", ")} is unique`, "unique");
  }

  private rowCount(): void {
    const op = operatorOf(this.node);
    if (op === "none" || op === "several") {
      this.findings.notImported(this.node.path, `rowCount needs exactly one comparison; ${op === "none" ? "there is none" : "there are several"}`);
      return;
    }
    const { operator, value } = op;
    const at = this.node.at(operator);
    const n = num(value);
    const whole = (x: number | undefined): x is number => x !== undefined && Number.isInteger(x);
    let bounds: { min?: number; max?: number } | undefined;
    if (operator === "mustBe" && whole(n)) bounds = { min: n, max: n };
    else if (operator === "mustBeGreaterOrEqualTo" && whole(n)) bounds = { min: n };
    else if (operator === "mustBeGreaterThan" && whole(n)) bounds = { min: n + 1 };
    else if (operator === "mustBeLessOrEqualTo" && whole(n)) bounds = { max: n };
    else if (operator === "mustBeLessThan" && whole(n)) bounds = { max: n - 1 };
    else if (operator === "mustBeBetween" && Array.isArray(value) && whole(num(value[0])) && whole(num(value[1]))) {
      // ODCS: mustBeBetween is mustBeGreaterThan and mustBeLessThan, its bounds excluded.
      bounds = { min: (value[0] as number) + 1, max: (value[1] as number) - 1 };
      this.findings.changed(at, `mustBeBetween ${JSON.stringify(value)} is read as the standard defines it, bounds excluded: ${bounds.min} to ${bounds.max} rows`);
    }
    if (!bounds || (bounds.min !== undefined && bounds.min < 0) || (bounds.max !== undefined && bounds.max < 0)) {
      this.findings.notImported(at, `${operator} ${JSON.stringify(value)}: energy-lake bounds the row count with a whole minimum and/or maximum`);
      return;
    }
    this.node.consume("unit");
    const unit = this.node.string("unit");
    if (unit !== undefined && unit !== "rows") this.findings.notImported(this.node.at("unit"), `rowCount counts rows; unit "${unit}" is not kept`);
    this.add("row_count", { ...(bounds.min !== undefined ? { min: bounds.min } : {}), ...(bounds.max !== undefined ? { max: bounds.max } : {}) }, "the load has the expected number of rows", "row_count");
  }

  private library(): void {
    let metric = this.node.string("metric");
    const deprecated = this.node.string("rule");
    if (metric === undefined && deprecated !== undefined) {
      metric = DEPRECATED_RULES[deprecated];
      if (metric === undefined) {
        this.findings.notImported(this.node.at("rule"), `"${deprecated}" is not an ODCS library rule energy-lake knows`);
        return;
      }
      this.findings.changed(this.node.at("rule"), `the deprecated rule "${deprecated}" is read as metric ${metric}`);
    }
    const args = this.node.child("arguments");
    switch (metric) {
      case "nullValues":
      case "missingValues":
        return this.nullValues(metric, args);
      case "invalidValues":
        return this.invalidValues(args);
      case "duplicateValues":
        return this.duplicateValues(args);
      case "rowCount":
        args?.finish({}, "rowCount takes no arguments");
        return this.rowCount();
      default:
        this.findings.notImported(this.node.at("metric"), `metric ${JSON.stringify(metric)} is not one of ODCS v3.1.0's (nullValues, missingValues, invalidValues, duplicateValues, rowCount)`);
    }
  }

  private custom(): void {
    const engine = this.node.string("engine");
    if (engine !== ENGINE) {
      this.node.consume("implementation");
      this.findings.notImported(this.node.path, `a ${engine ?? "custom"} check: energy-lake runs its own rules (engine: ${ENGINE}) only; rewrite it as an ODCS metric or an energy-lake rule`);
      return;
    }
    const raw = this.node.get("implementation");
    let rule: Json | undefined = raw;
    if (typeof raw === "string") {
      try {
        rule = parseYaml(raw) as Json;
      } catch (err) {
        this.findings.error(this.node.at("implementation"), `not a JSON or YAML rule: ${(err as Error).message}`);
        return;
      }
    }
    if (!isJsonObject(rule) || typeof rule.kind !== "string") {
      this.findings.error(this.node.at("implementation"), `an ${ENGINE} rule is an object with a kind (docs/quality-rules.md)`);
      return;
    }
    for (const p of this.node.children("customProperties")) {
      const property = p.string("property");
      // DQDL and SQL are what the rule compiles to: recompiled on export, never read back.
      if (property !== DQDL_PROPERTY && property !== ATHENA_SQL_PROPERTY) this.findings.notImported(p.path, `custom property "${property ?? ""}" of a quality rule has no counterpart in energy-lake`);
      p.consume(...Object.keys(p.value));
    }
    // The implementation is the whole rule, as in a rule file: its column is not guessed from where it sits.
    const { id, ...body } = rule;
    if (this.column !== undefined && typeof body.column === "string" && body.column !== this.column) {
      this.findings.changed(this.node.at("implementation"), `the rule checks column "${body.column}" although it sits under property ${this.column}; it is imported as written`);
    }
    // The implementation is the rule that runs; the ODCS severity and description around it restate it.
    this.node.consume("severity", "description", "dimension");
    const severity = typeof body.severity === "string" ? body.severity : this.severity();
    const description = typeof body.description === "string" ? body.description : this.node.string("description") ?? `An ${ENGINE} ${String(body.kind)} rule (from the ODCS contract).`;
    const name = typeof id === "string" && RULE_ID.test(id) ? id : undefined;
    this.node.consume("name", "id");
    this.rules.push({
      rule: { ...body, kind: body.kind, severity, description },
      wantedId: name ?? this.wantedId(),
      fallbackId: `${this.ctx.dataset}.${typeof body.column === "string" ? `${body.column}.` : ""}${String(body.kind)}`,
      source: this.node.path,
    });
  }

  read(): ImportedRule[] {
    const type = this.node.string("type") ?? (this.node.has("metric") || this.node.has("rule") ? "library" : undefined);
    this.node.consume("dimension", "unit");
    switch (type) {
      case "library":
        this.library();
        break;
      case "custom":
        this.custom();
        break;
      case "sql":
        this.node.consume("query", ...OPERATORS);
        this.findings.notImported(this.node.path, "an SQL check: energy-lake rules are structured and never run SQL text from a file (so a contract cannot inject SQL); rewrite it as an ODCS metric or an energy-lake rule (custom, engine energy-lake)");
        break;
      case "text":
        this.findings.notImported(this.node.path, "a check described in words: nothing to run; write it as an ODCS metric or an energy-lake rule");
        break;
      default:
        this.findings.notImported(this.node.path, `quality rule of type ${JSON.stringify(type)} with no metric: nothing to run`);
    }
    // Fields of rules that were not imported at all were reported with the rule.
    if (this.rules.length > 0) this.node.finish(QUALITY_REASONS, "not part of an energy-lake rule");
    else this.node.consume(...Object.keys(this.node.value));
    return this.rules;
  }
}

/** Imports one ODCS quality rule: of a property when `column` is given, of the schema object otherwise. */
export function importQuality(node: OdcsNode, column: string | undefined, ctx: RuleContext): ImportedRule[] {
  return new QualityReader(node, column, ctx).read();
}

/** The characters of a regular expression that shape it (escapes and character classes skipped), with the group depth each sits at. */
function* structure(pattern: string, from = 0): Generator<{ c: string; i: number; depth: number }> {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else {
      if (c === ")") depth--;
      yield { c, i, depth };
      if (c === "(") depth++;
    }
  }
}

/** Where the group opened at `open` closes, or -1. */
function closingParen(pattern: string, open: number): number {
  for (const { c, i, depth } of structure(pattern, open)) if (c === ")" && depth === 0) return i;
  return -1;
}

const hasTopLevelAlternation = (pattern: string): boolean => [...structure(pattern)].some(({ c, depth }) => c === "|" && depth === 0);

const endsWithAnchor = (p: string): boolean => p.endsWith("$") && !/(^|[^\\])(\\\\)*\\\$$/.test(p);

/**
 * An ODCS pattern (ECMA-262: matches anywhere in the value unless anchored) as ours (the whole
 * value must match). `^(?:P)$`, as export writes it, gives back P; a pattern anchored at both ends
 * is kept; any other is wrapped in `.*(?:P).*`, which matches the same values.
 */
export function wholeValuePattern(pattern: string, changed: (message: string) => void): string {
  if (pattern.startsWith("^(?:") && closingParen(pattern, 1) === pattern.length - 2 && pattern.endsWith(")$")) return pattern.slice(4, -2);
  if (pattern.startsWith("^") && endsWithAnchor(pattern) && !hasTopLevelAlternation(pattern)) return pattern;
  const wrapped = `.*(?:${pattern}).*`;
  changed(`ODCS patterns match anywhere in the value unless anchored; energy-lake matches the whole value, so it is imported as ${wrapped}`);
  return wrapped;
}
