/**
 * The quality report: one JSON document per run (`lake run`, `lake check`), validated by
 * schemas/report.schema.json. Every rendering (text, Markdown, HTML, JUnit) is derived from it.
 */

export type Severity = "error" | "warn";
/** pass: within threshold; warn: a warn-severity rule over threshold; fail: an error-severity rule over threshold; error: the rule could not be evaluated. */
export type RuleStatus = "pass" | "warn" | "fail" | "error";
export type RunStatus = "pass" | "warn" | "fail";

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
  /** Up to N key values of failing rows; PII key values are masked. */
  readonly sample: readonly string[];
  /** Why an `error` status happened, or a note on the result. */
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
}

export interface QualityReport {
  readonly report_version: 1;
  readonly generated_at: string;
  readonly status: RunStatus;
  readonly engine: "duckdb" | "athena";
  readonly load_date: string;
  readonly lake: string;
  readonly queries: number;
  /** Bytes the engine read, where it reports it (Athena: DataScannedInBytes), else null. */
  readonly bytes_read: number | null;
  readonly duration_seconds: number;
  readonly datasets: readonly DatasetReport[];
  readonly summary: { readonly rules: number; readonly passed: number; readonly warned: number; readonly failed: number; readonly errored: number };
}
