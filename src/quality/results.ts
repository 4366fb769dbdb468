import { ReconciliationRule, Rule, isSchemaRule, isTableLevel, ruleColumns } from "../model/rules";
import { LoadContext, judgeBaseline, judgeSchemaRule } from "./load-context";
import { FailingSample, RuleResult, RuleStatus } from "../report/types";
import { CompiledChecks, ROWS_COLUMN, SAMPLE_FIELD_SEPARATOR, referenceTargetNames, resultColumn } from "./sql";

/**
 * Turns the one-row results of compiled check queries into RuleResults, whatever engine ran them.
 * Values may arrive as numbers, bigints or text (Athena returns everything as text).
 */

export type ResultRow = Readonly<Record<string, unknown>>;

function toNumber(value: unknown, what: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  throw new Error(`check query returned ${JSON.stringify(value)} for ${what}, expected a number`);
}

/** A count; DuckDB's count_if over no rows is NULL, which means 0. */
function toCount(value: unknown, what: string): number {
  return value === null || value === undefined ? 0 : toNumber(value, what);
}

/** Whole days from `from` to `to`, both yyyy-MM-dd (SQL's date_diff('day', from, to)). */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A date as the engines return it: DuckDB a yyyy-MM-dd text, Athena the same as VarCharValue. */
function toIsoDate(value: unknown, what: string): string | null {
  if (value === null || value === undefined || value === "") return null;
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
  if (!/^\d{4,}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    throw new Error(`check query returned ${JSON.stringify(value)} for ${what}, expected a date`);
  }
  return text;
}

/** A sample field: a JSON string, or JSON null. */
function jsonText(field: string, what: string): string | null {
  const value: unknown = JSON.parse(field);
  if (value !== null && typeof value !== "string") throw new Error(`${what}: ${field} is not a JSON string`);
  return value;
}

/**
 * The failing rows of a `__samples` result: a JSON array (DuckDB may hand it over parsed) of
 * records "file␟line␟key␟value", key and value as JSON strings (sql.ts, Expressions.record).
 */
export function toSamples(value: unknown, what: string): FailingSample[] {
  if (value === null || value === undefined || value === "") return [];
  let records: unknown = value;
  if (typeof value === "string") {
    try {
      records = JSON.parse(value);
    } catch {
      throw new Error(`check query returned ${JSON.stringify(value.slice(0, 80))} for ${what}, expected a JSON array of failing rows`);
    }
  }
  if (records === null) return [];
  if (!Array.isArray(records) || records.some((r) => typeof r !== "string")) {
    throw new Error(`check query returned ${JSON.stringify(records).slice(0, 80)} for ${what}, expected a JSON array of failing rows`);
  }
  return (records as string[]).map((record) => {
    const fields = record.split(SAMPLE_FIELD_SEPARATOR);
    if (fields.length < 4) throw new Error(`check query returned the sample ${JSON.stringify(record)} for ${what}, expected file, line, key and value`);
    // Key and value are JSON-encoded, so only the file name could hold a separator: it is everything before the last three fields.
    const [line, key, shown] = fields.slice(-3);
    return {
      key: jsonText(key, what),
      value: jsonText(shown, what),
      file: fields.slice(0, -3).join(SAMPLE_FIELD_SEPARATOR),
      line: toNumber(line, `${what} line`),
    };
  });
}

/** Samples of several queries (a reference rule's targets), in file and line order, at most `n`. */
function earliest(samples: readonly FailingSample[], n: number): FailingSample[] {
  const position = (s: FailingSample): string => `${s.file ?? ""}\u0000${String(s.line ?? 0).padStart(20, "0")}`;
  return [...samples].sort((a, b) => (position(a) < position(b) ? -1 : position(a) > position(b) ? 1 : 0)).slice(0, n);
}

/** pass / warn / fail from the figures: over threshold (or any failure without one) fails at the rule's severity. */
export function ruleStatus(rule: Rule, failed: number, total: number): RuleStatus {
  return violatedStatus(rule, isViolated(rule, failed, total));
}

function isViolated(rule: Rule, failed: number, total: number): boolean {
  const ratio = total > 0 ? failed / total : 0;
  return rule.threshold === null || isTableLevel(rule) || isSchemaRule(rule) ? failed > 0 : ratio > rule.threshold;
}

const violatedStatus = (rule: Rule, violated: boolean): RuleStatus => (!violated ? "pass" : rule.severity === "error" ? "fail" : "warn");

interface Figures {
  readonly failed: number;
  readonly total: number;
  readonly observed: number | null;
  readonly samples: readonly FailingSample[];
  readonly message: string | null;
}

/** A decimal as exact text, trailing zeros dropped: engines return sums as text (Athena) or numbers. */
function decimalText(value: unknown, what: string): string {
  if (value === null || value === undefined || value === "") return "0";
  const text = String(value).trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`check query returned ${JSON.stringify(value)} for ${what}, expected a decimal`);
  const trimmed = text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  return trimmed === "-0" ? "0" : trimmed;
}

/**
 * A reconciliation rule: the batch's sum (processed + quarantined, typed) must equal the raw files'
 * parsed again, and curated's rows of this load the sum of the processed rows curated keeps.
 */
function reconciliationFigures(rule: ReconciliationRule, name: string, row: ResultRow): Figures {
  const what = rule.columns.join(" x ");
  const batch = decimalText(row[resultColumn.batchSum(name)], `${rule.id} batch sum`);
  const rawValue = row[resultColumn.rawSum(name)];
  const raw = rawValue === undefined ? null : decimalText(rawValue, `${rule.id} raw sum`);
  const curated = decimalText(row[resultColumn.curatedSum(name)], `${rule.id} curated sum`);
  const kept = decimalText(row[resultColumn.keptSum(name)], `${rule.id} kept sum`);
  const problems: string[] = [];
  if (raw !== null && raw !== batch) problems.push(`raw files parsed again sum to ${raw}, processed + quarantined to ${batch}`);
  if (curated !== kept) problems.push(`curated holds ${curated} for this load where its processed rows curated keeps sum to ${kept}`);
  const notes = raw === null ? ["raw files not read again by this engine"] : [];
  const message = problems.length > 0 ? `sum of ${what}: ${[...problems, ...notes].join("; ")}` : notes.length > 0 ? `sum of ${what} ${batch} = curated's; ${notes[0]}` : null;
  return { failed: problems.length > 0 ? 1 : 0, total: 1, observed: Number(batch), samples: [], message };
}

/**
 * A table-level rule judges the batch as one unit: total 1, failed 0 or 1, so failed <= total holds
 * even for an empty batch; the measured figure is `observed`.
 */
function tableLevelFigures(rule: Rule, row: ResultRow, name: string, rows: number, loadDate: string): Figures {
  const total = 1;
  switch (rule.kind) {
    case "row_count": {
      const tooFew = rule.min !== null && rows < rule.min;
      const tooMany = rule.max !== null && rows > rule.max;
      const message = tooFew ? `${rows} rows, fewer than ${rule.min}` : tooMany ? `${rows} rows, more than ${rule.max}` : null;
      return { failed: tooFew || tooMany ? 1 : 0, total, observed: rows, samples: [], message };
    }
    case "freshness": {
      const newest = toIsoDate(row[resultColumn.newest(name)], `${rule.id} newest ${rule.column}`);
      if (newest === null) return { failed: 1, total, observed: null, samples: [], message: `no ${rule.column} value in the batch, so its freshness is unknown` };
      const age = daysBetween(newest, loadDate);
      const stale = age > rule.maxAgeDays;
      return { failed: stale ? 1 : 0, total, observed: age, samples: [], message: stale ? `newest ${rule.column} is ${age} days older than the load, more than ${rule.maxAgeDays}` : null };
    }
    case "completeness": {
      const missing = toCount(row[resultColumn.failed(name)], `${rule.id} missing`);
      // An empty batch is vacuously complete; row_count is the rule that catches it.
      const ratio = rows > 0 ? (rows - missing) / rows : 1;
      const low = rule.minRatio !== null && ratio < rule.minRatio;
      return { failed: low ? 1 : 0, total, observed: ratio, samples: [], message: low ? `${(ratio * 100).toFixed(2)}% of rows have ${rule.column}, less than ${((rule.minRatio ?? 0) * 100).toFixed(2)}%` : null };
    }
    default:
      throw new Error(`${rule.kind} is not judged from the aggregate query alone`);
  }
}

/**
 * Reads the rows of a compiled check run: `rows[q]` is the single row query `q` returned, or an
 * Error when that query failed (its rules then get status "error"). `loadDate` is the load the
 * queries ran for (needed when they were compiled with the load date as a parameter); `context`
 * gives the load's file headers (schema rules) and earlier reports (baselines).
 */
export function readCheckResults(compiled: CompiledChecks, rows: readonly (ResultRow | Error)[], loadDate: string = compiled.loadDate, context: LoadContext = {}): RuleResult[] {
  const aggregate = rows[0];
  return compiled.rules.map(({ rule, name, scoped }) => {
    const base = {
      id: rule.id,
      kind: rule.kind,
      columns: ruleColumns(rule),
      severity: rule.severity,
      description: rule.description,
      threshold: isTableLevel(rule) || isSchemaRule(rule) ? null : rule.threshold,
      glue: null,
    };
    if (isSchemaRule(rule)) return { ...base, ...judgeSchemaRule(rule, compiled.contract, context.sources, compiled.sampleSize), baseline: null } satisfies RuleResult;
    const failedQueries = compiled.queries
      .map((q, qi) => ({ q, result: rows[qi] }))
      .filter(({ q, result }) => q.rules.includes(rule.id) && result instanceof Error);
    if (aggregate instanceof Error || failedQueries.length > 0 || aggregate === undefined) {
      const cause = failedQueries.map(({ result }) => (result as Error).message).join("; ") || "the aggregate query did not run";
      return { ...base, status: "error", failed: 0, total: 0, ratio: 0, observed: null, samples: [], message: `could not be evaluated: ${cause}`, baseline: null } satisfies RuleResult;
    }
    const total = toCount(aggregate[scoped ? resultColumn.total(name) : ROWS_COLUMN], `${rule.id} total`);
    let figures: Figures;
    if (rule.kind === "reconciliation") {
      figures = reconciliationFigures(rule, name, aggregate);
    } else if (isTableLevel(rule)) {
      figures = tableLevelFigures(rule, aggregate, name, total, loadDate);
    } else if (rule.kind === "references") {
      let failed = 0;
      const samples: FailingSample[] = [];
      const targets = referenceTargetNames(rule);
      rule.targets.forEach((t, ti) => {
        const qi = compiled.queries.findIndex((q) => q.purpose === "references" && q.referencedDataset === t.dataset);
        const row = rows[qi] as ResultRow;
        failed += toCount(row[resultColumn.targetFailed(name, targets[ti])], `${rule.id} target ${t.dataset}`);
        samples.push(...toSamples(row[resultColumn.targetSamples(name, targets[ti])], `${rule.id} target ${t.dataset} samples`));
      });
      figures = { failed, total, observed: null, samples: earliest(samples, compiled.sampleSize), message: null };
    } else {
      const failed = toCount(aggregate[resultColumn.failed(name)], `${rule.id} failed`);
      figures = { failed, total, observed: null, samples: toSamples(aggregate[resultColumn.samples(name)], `${rule.id} samples`), message: null };
    }
    const staticViolated = isViolated(rule, figures.failed, figures.total);
    const judged = {
      status: violatedStatus(rule, staticViolated),
      failed: figures.failed,
      total: figures.total,
      ratio: figures.total > 0 ? figures.failed / figures.total : 0,
      observed: figures.observed,
      samples: figures.samples,
      message: figures.message,
    };
    if (rule.baseline === null) return { ...base, ...judged, baseline: null } satisfies RuleResult;
    return { ...base, ...judgeBaseline(rule, { ...judged, staticViolated }, compiled.dataset, loadDate, context.history) } satisfies RuleResult;
  });
}
