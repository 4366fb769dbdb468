import { formatCount, statusWord } from "./format";
import { textTable } from "./render-text";
import type { QualityReport, RunStatus } from "./types";

export type Trend = "new" | "better" | "same" | "worse";

export interface HistoryRow {
  readonly load_date: string;
  readonly dataset: string;
  readonly status: RunStatus;
  /** Rules that failed or could not be evaluated. */
  readonly failed_rules: number;
  readonly warned_rules: number;
  /** Failing rows summed over every rule (a row that breaks two rules counts twice). */
  readonly failed_rows: number;
  readonly quarantined: number;
  /** Raw rows of the load. */
  readonly rows: number;
  /** Against the dataset's previous load; "new" on its first. */
  readonly trend: Trend;
}

const STATUS_RANK: Record<RunStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** Worse is compared in order of seriousness: status, then failed rules, warned rules, failed rows, quarantined rows. */
function compareSeriousness(a: HistoryRow, b: HistoryRow): number {
  return (
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    a.failed_rules - b.failed_rules ||
    a.warned_rules - b.warned_rules ||
    a.failed_rows - b.failed_rows ||
    a.quarantined - b.quarantined
  );
}

/** One row per load and dataset, oldest first, each with its trend against the dataset's previous load. */
export function historySummary(history: readonly QualityReport[]): HistoryRow[] {
  const previous = new Map<string, HistoryRow>();
  const rows: HistoryRow[] = [];
  const byDate = [...history].sort((a, b) => a.load_date.localeCompare(b.load_date));
  for (const report of byDate) {
    for (const dataset of report.datasets) {
      const row = {
        load_date: report.load_date,
        dataset: dataset.name,
        status: dataset.status,
        failed_rules: dataset.rules.filter((r) => r.status === "fail" || r.status === "error").length,
        warned_rules: dataset.rules.filter((r) => r.status === "warn").length,
        failed_rows: dataset.rules.reduce((sum, r) => sum + r.failed, 0),
        quarantined: dataset.rows.quarantined,
        rows: dataset.rows.raw,
      };
      const before = previous.get(dataset.name);
      const order = before === undefined ? null : compareSeriousness({ ...row, trend: "same" }, before);
      const trend: Trend = order === null ? "new" : order > 0 ? "worse" : order < 0 ? "better" : "same";
      const complete: HistoryRow = { ...row, trend };
      previous.set(dataset.name, complete);
      rows.push(complete);
    }
  }
  return rows;
}

/** The history as a terminal table. */
export function renderHistoryText(rows: readonly HistoryRow[]): string {
  if (rows.length === 0) return "No quality reports in the lake yet: run a load first.\n";
  const table = textTable(
    ["load date", "dataset", "status", "failed rules", "warned rules", "failed rows", "quarantined", "rows", "trend"],
    rows.map((r) => [
      r.load_date, r.dataset, statusWord(r.status), formatCount(r.failed_rules), formatCount(r.warned_rules),
      formatCount(r.failed_rows), formatCount(r.quarantined), formatCount(r.rows), r.trend,
    ]),
    [false, false, false, true, true, true, true, true, false],
  );
  return table.join("\n") + "\n";
}
