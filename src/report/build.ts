import { athenaRunCost } from "./cost";
import type { CurationNote, DatasetReport, GlueDatasetResult, QualityReport, QueryRun, RowCounts, RuleResult, RuleStatus, RunStatus, Severity } from "./types";

/** failed / total, 0 when nothing was looked at (an empty batch fails no row). */
export function failedRatio(failed: number, total: number): number {
  return total === 0 ? 0 : failed / total;
}

/**
 * The status of an evaluated rule: within threshold passes; over it, the severity decides.
 * A null threshold tolerates no failing row.
 */
export function ruleStatusOf(severity: Severity, failed: number, total: number, threshold: number | null): RuleStatus {
  const withinThreshold = threshold === null ? failed === 0 : failedRatio(failed, total) <= threshold;
  if (withinThreshold) return "pass";
  return severity === "error" ? "fail" : "warn";
}

/** A rule result that blocks the run: an error-severity rule that failed or could not be evaluated. */
export function isBlocking(rule: Pick<RuleResult, "severity" | "status">): boolean {
  return rule.severity === "error" && (rule.status === "fail" || rule.status === "error");
}

/** A rule result worth a warning: a warn status, or a warn-severity rule that could not be evaluated. */
function isWarning(rule: Pick<RuleResult, "severity" | "status">): boolean {
  return rule.status === "warn" || (rule.status === "error" && rule.severity === "warn");
}

type StatusInputs = Pick<DatasetReport, "rules"> & { readonly rows: Pick<RowCounts, "reconciled"> };

/**
 * The verdict of one or more datasets: fail when a rule blocks or a dataset's counts do not
 * reconcile (rows were lost or invented between layers), warn when a rule warns, else pass.
 * A dataset's own status is `runStatus([dataset])`; the run's is `runStatus(report.datasets)`.
 */
export function runStatus(datasets: readonly StatusInputs[]): RunStatus {
  const rules = datasets.flatMap((d) => d.rules);
  if (datasets.some((d) => !d.rows.reconciled) || rules.some(isBlocking)) return "fail";
  return rules.some(isWarning) ? "warn" : "pass";
}

/** Rule results counted over every dataset. */
export function summarise(datasets: readonly Pick<DatasetReport, "rules">[]): QualityReport["summary"] {
  const rules = datasets.flatMap((d) => d.rules);
  const count = (status: RuleStatus) => rules.filter((r) => r.status === status).length;
  return { rules: rules.length, passed: count("pass"), warned: count("warn"), failed: count("fail"), errored: count("error"), skipped: count("skipped") };
}

/**
 * The process exit code a report implies: 1 when an error-severity rule failed or errored, or a
 * dataset's counts do not reconcile; else 0. Derived from the rules, not the stored status, so a
 * hand-edited status cannot turn a failing run green.
 */
export function exitCodeOf(report: Pick<QualityReport, "datasets">): 0 | 1 {
  return runStatus(report.datasets) === "fail" ? 1 : 0;
}


export interface DatasetParts {
  readonly name: string;
  readonly files: readonly string[];
  readonly rows: Omit<RowCounts, "reconciled">;
  readonly rules: readonly RuleResult[];
  readonly queries: number;
  /** The statements as run, where the engine bills them (Athena). @default [] */
  readonly queryRuns?: readonly QueryRun[];
  /** The Glue Data Quality result looked up for this dataset (AWS). @default null */
  readonly glue?: GlueDatasetResult | null;
  /** How curated took the load, as the load recorded it. @default null */
  readonly curation?: CurationNote | null;
}

export interface ReportParts {
  readonly engine: QualityReport["engine"];
  readonly loadDate: string;
  readonly lake: string;
  readonly durationSeconds: number;
  readonly bytesRead?: number | null;
  /** Defaults to now. */
  readonly generatedAt?: Date;
  readonly datasets: readonly DatasetParts[];
}

/** Assembles a report: reconciliation, statuses, query total and summary are derived, never passed in. */
export function buildReport(parts: ReportParts): QualityReport {
  const datasets: DatasetReport[] = [...parts.datasets]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => {
      const rows: RowCounts = { ...d.rows, reconciled: d.rows.raw === d.rows.processed + d.rows.quarantined };
      return {
        name: d.name, files: [...d.files], rows, status: runStatus([{ rules: d.rules, rows }]), rules: [...d.rules], queries: d.queries,
        query_runs: [...(d.queryRuns ?? [])], glue_data_quality: d.glue ?? null, curation: d.curation ?? null,
      };
    });
  return {
    report_version: 2,
    generated_at: (parts.generatedAt ?? new Date()).toISOString(),
    status: runStatus(datasets),
    engine: parts.engine,
    load_date: parts.loadDate,
    lake: parts.lake,
    queries: datasets.reduce((sum, d) => sum + d.queries, 0),
    bytes_read: parts.bytesRead ?? null,
    cost: parts.engine === "athena" ? athenaRunCost(datasets.flatMap((d) => d.query_runs)) : null,
    duration_seconds: parts.durationSeconds,
    datasets,
    summary: summarise(datasets),
  };
}
