/** Formatting shared by every rendering, so the text, Markdown, HTML and JUnit say the same thing. */
import { exitCodeOf } from "./build";
import { ATHENA_USD_PER_TIB } from "./cost";
import type { DatasetReport, FailingSample, QualityReport, QueryRun, RuleResult, RuleStatus, RunStatus } from "./types";

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A ratio as a percentage readable at a glance: 0%, <0.01%, 0.34%, 12.5%. */
export function formatPercent(ratio: number): string {
  if (ratio === 0) return "0%";
  const percent = ratio * 100;
  if (percent < 0.01) return "<0.01%";
  return `${Number(percent.toFixed(2))}%`;
}

/** A null threshold tolerates no failing row, which reads as 0%. */
export function formatThreshold(threshold: number | null): string {
  return formatPercent(threshold ?? 0);
}

export function formatDuration(seconds: number): string {
  return seconds < 60 ? `${Number(seconds.toFixed(2))} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

export function statusWord(status: RuleStatus | RunStatus): string {
  return status.toUpperCase();
}

/** Most serious first: fail, error, warn, pass. */
const STATUS_ORDER: Record<RuleStatus, number> = { fail: 0, error: 1, warn: 2, skipped: 3, pass: 4 };

/** Rules with the failing ones first, keeping the engine's order within a status. */
export function failingFirst(rules: readonly RuleResult[]): RuleResult[] {
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => STATUS_ORDER[a.rule.status] - STATUS_ORDER[b.rule.status] || a.index - b.index)
    .map((entry) => entry.rule);
}

export function columnsText(rule: RuleResult): string {
  return rule.columns.length === 0 ? "(table)" : rule.columns.join(", ");
}

export function failedOfTotal(rule: RuleResult): string {
  return `${formatCount(rule.failed)}/${formatCount(rule.total)}`;
}

/** Glue Data Quality's outcome beside the engine's, when it is not simply the same: "Glue DQ: FAIL, disagrees". */
export function glueText(rule: RuleResult): string | null {
  const glue = rule.glue;
  if (glue === null || glue.agrees === true) return null;
  const verdict = glue.agrees === false ? "disagrees with the count" : "not evaluated by Glue";
  return `Glue DQ: ${glue.status.toUpperCase()}, ${verdict}${glue.message === null ? "" : ` (${glue.message})`}`;
}

/** Where a failing row is: `file:line`, or "" for a row of a report kept before samples carried rows (keys only). */
export function sampleLocation(sample: FailingSample): string {
  if (sample.file === null) return "";
  return sample.line === null ? sample.file : `${sample.file}:${sample.line}`;
}

/**
 * What a failing row held: the value quoted, `(empty)` when it had none, "" when the value is the
 * key itself or unknown (a report kept before samples carried rows).
 */
export function sampleValue(sample: FailingSample): string {
  if (sample.file === null || (sample.value !== null && sample.value === sample.key)) return "";
  return sample.value === null || sample.value === "" ? "(empty)" : JSON.stringify(sample.value);
}

/** One failing row as people read it: `T0000012 "N/A" at transactions.csv:13`. */
export function formatSample(sample: FailingSample): string {
  const value = sampleValue(sample);
  const location = sampleLocation(sample);
  return [sample.key ?? "(no key)", value, location === "" ? "" : `at ${location}`].filter((p) => p !== "").join(" ");
}

/** What to show beside a rule's figures: its error message, the failing rows, the measured figure, a Glue disagreement. */
export function ruleDetail(rule: RuleResult): string {
  const parts: string[] = [];
  if (rule.message !== null) parts.push(rule.message);
  if (rule.samples.length > 0) parts.push(`failing rows: ${rule.samples.map(formatSample).join(", ")}`);
  if (rule.observed !== null) parts.push(`observed: ${formatCount(rule.observed)}`);
  const glue = glueText(rule);
  if (glue !== null) parts.push(glue);
  return parts.join("; ");
}

/** A cost in US dollars with enough digits to tell cheap runs apart: 0.000048 USD, 0.12 USD. */
export function formatUsd(usd: number): string {
  return `${usd >= 0.01 ? usd.toFixed(2) : Number(usd.toPrecision(2)).toString()} USD`;
}

/** ", 1.2 MiB read, est. 0.00024 USD" for the run headline; empty when the engine reports neither. */
export function readAndCostText(report: QualityReport): string {
  const bytes = report.bytes_read === null ? "" : `, ${formatBytes(report.bytes_read)} read`;
  return report.cost === null ? bytes : `${bytes}, est. ${formatUsd(report.cost.estimated_cost_usd)} (Athena, ${ATHENA_USD_PER_TIB} USD/TiB, 10 MiB minimum a query)`;
}

/** What a dataset's Glue Data Quality lookup found, when worth a line: a missing result, an outage, disagreements. */
export function glueDatasetText(dataset: DatasetReport): string | null {
  const glue = dataset.glue_data_quality;
  if (glue === null) return null;
  if (glue.status !== "found") return `Glue Data Quality: ${glue.note ?? glue.status}`;
  if (glue.disagreements === 0) return `Glue Data Quality agrees on every rule it evaluated (job run ${glue.job_run_id ?? "?"})`;
  const rules = dataset.rules.filter((r) => r.glue?.agrees === false).map((r) => `${r.id} (Glue ${r.glue?.status.toUpperCase()}, count ${statusWord(r.status)})`);
  return `Glue Data Quality disagrees with the counts on ${formatCount(glue.disagreements)} rule${glue.disagreements === 1 ? "" : "s"} (job run ${glue.job_run_id ?? "?"}): ${rules.join(", ")}`;
}

/** A statement's line in a query table: id, purpose, state, bytes, cost. */
export function queryRunCells(run: QueryRun): string[] {
  const purpose = run.purpose === "references" ? `references ${run.referenced_dataset ?? ""}`.trim() : run.purpose.replace("_", " ");
  return [run.query_id ?? "(not started)", purpose, run.state, formatBytes(run.bytes_scanned), formatUsd(run.estimated_cost_usd), formatDuration(run.seconds)];
}

/** "raw = processed + quarantined" spelled out with the numbers, true or not. */
/** "curated rebuilt from every processed partition: <why>" when the load rebuilt curated, else null. */
export function curationText(dataset: { curation?: { mode: string; reason: string | null } | null }): string | null {
  const c = dataset.curation;
  return c === undefined || c === null || c.mode !== "rebuild" ? null : `curated rebuilt from every processed partition: ${c.reason ?? "reason not recorded"}`;
}

export function reconciliationText(rows: { raw: number; processed: number; quarantined: number; reconciled: boolean }): string {
  const sum = `${formatCount(rows.processed)} processed + ${formatCount(rows.quarantined)} quarantined`;
  return rows.reconciled
    ? `counts reconcile: ${formatCount(rows.raw)} raw = ${sum}`
    : `counts do not reconcile: ${formatCount(rows.raw)} raw ≠ ${sum}`;
}

/** One sentence with the run's verdict, the rule tally, the datasets that lost rows and the exit code. */
export function verdictText(report: QualityReport): string {
  const s = report.summary;
  const skipped = s.skipped > 0 ? `, ${formatCount(s.skipped)} skipped` : "";
  const tally = `${formatCount(s.rules)} rules: ${formatCount(s.passed)} passed, ${formatCount(s.warned)} warned, ${formatCount(s.failed)} failed, ${formatCount(s.errored)} errored${skipped}`;
  const unreconciled = report.datasets.filter((d) => !d.rows.reconciled).map((d) => d.name);
  const counts = unreconciled.length === 0 ? "all counts reconcile" : `counts do not reconcile for ${unreconciled.join(", ")}`;
  return `${statusWord(report.status)}: ${tally}; ${counts}; exit code ${exitCodeOf(report)}`;
}
