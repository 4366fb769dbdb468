/**
 * The quality report: one JSON document per run (`lake run`, `lake check`), validated by
 * schemas/report.schema.json. Every rendering (text, Markdown, HTML, JUnit) is derived from it.
 */

export type Severity = "error" | "warn";
/**
 * pass: within threshold; warn: a warn-severity rule over threshold; fail: an error-severity rule
 * over threshold; error: the rule could not be evaluated; skipped: not judged, and the message says
 * why (a baseline with too few earlier loads, headers the engine was not given).
 */
export type RuleStatus = "pass" | "warn" | "fail" | "error" | "skipped";
export type RunStatus = "pass" | "warn" | "fail";

/** One failing row of a rule: which row (key, file, line) and what it held. */
export interface FailingSample {
  /** The row's key (parts joined by "|"), masked where PII; null when the key itself is missing. */
  readonly key: string | null;
  /**
   * The value that failed the rule: as received for quarantined rows, as typed for processed ones;
   * masked where the column is PII; a rule on several columns joins their values with " | ";
   * null when the row has no value there.
   */
  readonly value: string | null;
  /** The source file the row came from (its name in raw/); null only in a report kept before samples carried rows. */
  readonly file: string | null;
  /** The row's line in that file (the header is line 1); null only in a report kept before samples carried rows. */
  readonly line: number | null;
}

export interface RuleResult {
  readonly id: string;
  readonly kind: string;
  readonly columns: readonly string[];
  readonly severity: Severity;
  readonly status: RuleStatus;
  readonly description: string;
  /** Rows that fail the rule (for table-level rules: 1 when the table-level figure is out of bounds, else 0). */
  readonly failed: number;
  /** Rows the rule looked at (after its `where` filter). */
  readonly total: number;
  /** failed / total, 0 when total is 0. */
  readonly ratio: number;
  /** Maximum failed ratio tolerated; null means no failure is tolerated. */
  readonly threshold: number | null;
  /** The table-level figure a row_count, freshness or completeness rule measured, else null. */
  readonly observed: number | null;
  /** Up to N failing rows, earliest file and line first; values of PII columns are masked. */
  readonly samples: readonly FailingSample[];
  /** Why an `error` status happened, or a note on the result. */
  readonly message: string | null;
  /** How the figure compared with earlier loads, for a rule with a `baseline`; null for the others. */
  readonly baseline: BaselineComparison | null;
  /** On AWS, the Glue Data Quality outcome of the same rule next to the engine's figures; null where there is none to compare (local runs, no Glue result). */
  readonly glue: GlueRuleComparison | null;
}

/** The earlier loads a rule's figure was compared with, and the bounds they gave. */
export interface BaselineComparison {
  readonly statistic: "median" | "mean" | "min" | "max";
  /** Load dates whose figures formed the baseline, oldest first (dataset not failed, rule evaluated). */
  readonly loads: readonly string[];
  /** How many earlier loads the rule needs before it compares (min_loads). */
  readonly needed: number;
  /** The statistic of the earlier figures; null when the baseline is too short to compare. */
  readonly value: number | null;
  /** The bounds it gave (factor x statistic); null where the rule sets none or the baseline is too short. */
  readonly low: number | null;
  readonly high: number | null;
}

/** How Glue Data Quality judged a rule in the transform job, and whether it agrees with the engine's count. */
export interface GlueRuleComparison {
  /** pass / fail as Glue evaluated the rule's DQDL; error when Glue could not; missing when Glue returned no result for it. */
  readonly status: "pass" | "fail" | "error" | "missing";
  /** Glue's pass/fail equals the engine's (pass = pass; warn or fail = fail); null when Glue did not evaluate the rule. */
  readonly agrees: boolean | null;
  /** Glue's evaluation messages of the rule's DQDL rules that did not pass, joined. */
  readonly message: string | null;
}

export interface RowCounts {
  /** Data records in the load's raw files (header excluded). */
  readonly raw: number;
  readonly processed: number;
  readonly quarantined: number;
  /** Rows in the curated table after this load (all loads, deduplicated). */
  readonly curated: number;
  /** raw = processed + quarantined. */
  readonly reconciled: boolean;
}

export interface DatasetReport {
  readonly name: string;
  readonly files: readonly string[];
  readonly rows: RowCounts;
  readonly status: RunStatus;
  readonly rules: readonly RuleResult[];
  /** SQL statements the check engine issued for this dataset. */
  readonly queries: number;
  /** Each statement as the engine ran it, with what it scanned and cost; empty for engines that bill nothing (DuckDB). */
  readonly query_runs: readonly QueryRun[];
  /** The Glue Data Quality result of this load's transform run; null where there is none to look for (local runs). */
  readonly glue_data_quality: GlueDatasetResult | null;
  /** How curated took this load (local lakes); null where the load did not record it (AWS, reports kept before). */
  readonly curation: CurationNote | null;
}

/** How the load merged into curated: incrementally (the partitions its keys touch), or rebuilt from every processed partition, and why. */
export interface CurationNote {
  readonly mode: "incremental" | "rebuild";
  /** Why curated was rebuilt; null for an incremental merge. */
  readonly reason: string | null;
}

export interface QueryRun {
  readonly purpose: "aggregate" | "references" | "layer_counts";
  readonly referenced_dataset: string | null;
  /** The engine's id of the statement (Athena QueryExecutionId); null when it never started. */
  readonly query_id: string | null;
  /** Final state: SUCCEEDED, FAILED, CANCELLED, or TIMED_OUT / NOT_STARTED / ERROR when the engine gave up. */
  readonly state: string;
  readonly bytes_scanned: number;
  /** At 5 USD per TiB, at least 10 MiB per query, bytes rounded up to the MiB; 0 for a failed query. */
  readonly estimated_cost_usd: number;
  readonly seconds: number;
}

export interface GlueDatasetResult {
  /** found: rule outcomes below; missing: no Glue result for this load; unavailable: Glue could not be asked. */
  readonly status: "found" | "missing" | "unavailable";
  readonly job_run_id: string | null;
  readonly result_ids: readonly string[];
  /** Rules on which Glue and the engine disagree. */
  readonly disagreements: number;
  /** "no Glue result for this load", or why Glue could not be asked. */
  readonly note: string | null;
}

/** What a run's statements scanned and their estimated cost, all datasets together. */
export interface RunCost {
  readonly bytes_scanned: number;
  readonly estimated_cost_usd: number;
  readonly usd_per_tib: number;
  readonly minimum_bytes_per_query: number;
}

export interface QualityReport {
  /** 2 since the AWS fields (query_runs, glue_data_quality, glue, cost); kept version 1 reports are read as version 2 (upgradeReport). */
  readonly report_version: 2;
  readonly generated_at: string;
  readonly status: RunStatus;
  readonly engine: "duckdb" | "athena";
  readonly load_date: string;
  readonly lake: string;
  readonly queries: number;
  /** Bytes the engine read, where it reports it (Athena: DataScannedInBytes), else null. */
  readonly bytes_read: number | null;
  /** Estimated cost of the run's statements; null for engines that bill nothing (DuckDB). */
  readonly cost: RunCost | null;
  readonly duration_seconds: number;
  readonly datasets: readonly DatasetReport[];
  readonly summary: { readonly rules: number; readonly passed: number; readonly warned: number; readonly failed: number; readonly errored: number; readonly skipped: number };
}
