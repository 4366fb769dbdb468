import { Rule, isTableLevel, ruleColumns } from "../model/rules";
import { RuleResult, RuleStatus } from "../report/types";
import { CompiledChecks, SAMPLE_SEPARATOR, resultColumn } from "./sql";

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

function toSample(value: unknown): string[] {
  if (value === null || value === undefined || value === "") return [];
  return String(value).split(SAMPLE_SEPARATOR);
}

/** pass / warn / fail from the figures: over threshold (or any failure without one) fails at the rule's severity. */
export function ruleStatus(rule: Rule, failed: number, total: number): RuleStatus {
  const ratio = total > 0 ? failed / total : 0;
  const violated = rule.threshold === null || isTableLevel(rule) ? failed > 0 : ratio > rule.threshold;
  if (!violated) return "pass";
  return rule.severity === "error" ? "fail" : "warn";
}

interface Figures {
  readonly failed: number;
  readonly total: number;
  readonly observed: number | null;
  readonly sample: readonly string[];
  readonly message: string | null;
}

/**
 * A table-level rule judges the batch as one unit: total 1, failed 0 or 1, so failed <= total holds
 * even for an empty batch; the measured figure is `observed`.
 */
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

function tableLevelFigures(rule: Rule, row: ResultRow, i: number, rows: number, loadDate: string): Figures {
  const total = 1;
  switch (rule.kind) {
    case "row_count": {
      const tooFew = rule.min !== null && rows < rule.min;
      const tooMany = rule.max !== null && rows > rule.max;
      const message = tooFew ? `${rows} rows, fewer than ${rule.min}` : tooMany ? `${rows} rows, more than ${rule.max}` : null;
      return { failed: tooFew || tooMany ? 1 : 0, total, observed: rows, sample: [], message };
    }
    case "freshness": {
      const newest = toIsoDate(row[resultColumn.newest(i)], `${rule.id} newest ${rule.column}`);
      if (newest === null) return { failed: 1, total, observed: null, sample: [], message: `no ${rule.column} value in the batch, so its freshness is unknown` };
      const age = daysBetween(newest, loadDate);
      const stale = age > rule.maxAgeDays;
      return { failed: stale ? 1 : 0, total, observed: age, sample: [], message: stale ? `newest ${rule.column} is ${age} days older than the load, more than ${rule.maxAgeDays}` : null };
    }
    case "completeness": {
      const missing = toCount(row[resultColumn.failed(i)], `${rule.id} missing`);
      // An empty batch is vacuously complete; row_count is the rule that catches it.
      const ratio = rows > 0 ? (rows - missing) / rows : 1;
      const low = ratio < rule.minRatio;
      return { failed: low ? 1 : 0, total, observed: ratio, sample: [], message: low ? `${(ratio * 100).toFixed(2)}% of rows have ${rule.column}, less than ${(rule.minRatio * 100).toFixed(2)}%` : null };
    }
    default:
      throw new Error(`${rule.kind} is not a table-level kind`);
  }
}

/**
 * Reads the rows of a compiled check run: `rows[q]` is the single row query `q` returned, or an
 * Error when that query failed (its rules then get status "error"). `loadDate` is the load the
 * queries ran for (needed when they were compiled with the load date as a parameter).
 */
export function readCheckResults(compiled: CompiledChecks, rows: readonly (ResultRow | Error)[], loadDate: string = compiled.loadDate): RuleResult[] {
  const aggregate = rows[0];
  return compiled.rules.map((rule, i) => {
    const base = {
      id: rule.id,
      kind: rule.kind,
      columns: ruleColumns(rule),
      severity: rule.severity,
      description: rule.description,
      threshold: isTableLevel(rule) ? null : rule.threshold,
    };
    const failedQueries = compiled.queries
      .map((q, qi) => ({ q, result: rows[qi] }))
      .filter(({ q, result }) => q.rules.includes(rule.id) && result instanceof Error);
    if (aggregate instanceof Error || failedQueries.length > 0 || aggregate === undefined) {
      const cause = failedQueries.map(({ result }) => (result as Error).message).join("; ") || "the aggregate query did not run";
      return { ...base, status: "error", failed: 0, total: 0, ratio: 0, observed: null, sample: [], message: `could not be evaluated: ${cause}`, glue: null } satisfies RuleResult;
    }
    const total = toCount(aggregate[resultColumn.total(i)], `${rule.id} total`);
    let figures: Figures;
    if (isTableLevel(rule)) {
      figures = tableLevelFigures(rule, aggregate, i, total, loadDate);
    } else if (rule.kind === "references") {
      let failed = 0;
      const sample: string[] = [];
      rule.targets.forEach((t, ti) => {
        const qi = compiled.queries.findIndex((q) => q.purpose === "references" && q.referencedDataset === t.dataset);
        const row = rows[qi] as ResultRow;
        failed += toCount(row[resultColumn.targetFailed(i, ti)], `${rule.id} target ${ti}`);
        sample.push(...toSample(row[resultColumn.targetSample(i, ti)]));
      });
      figures = { failed, total, observed: null, sample: sample.slice(0, compiled.sampleSize), message: null };
    } else {
      const failed = toCount(aggregate[resultColumn.failed(i)], `${rule.id} failed`);
      figures = { failed, total, observed: null, sample: toSample(aggregate[resultColumn.sample(i)]), message: null };
    }
    return {
      ...base,
      status: ruleStatus(rule, figures.failed, figures.total),
      failed: figures.failed,
      total: figures.total,
      ratio: figures.total > 0 ? figures.failed / figures.total : 0,
      observed: figures.observed,
      sample: figures.sample,
      message: figures.message,
      glue: null,
    } satisfies RuleResult;
  });
}
