import {
  columnsText, failedOfTotal, failingFirst, formatCount, formatDuration, formatPercent, formatThreshold, glueDatasetText,
  curationText, queryRunCells, readAndCostText, reconciliationText, ruleDetail, statusWord, verdictText,
} from "./format";
import { terminalSafeDeep } from "../model/text";
import type { QualityReport, RuleStatus, RunStatus } from "./types";

export interface TextOptions {
  /** ANSI colours on status words; pass `process.stdout.isTTY` so pipes and files get plain text. */
  readonly color?: boolean;
}

const ANSI: Record<RuleStatus, string> = { pass: "\x1b[32m", warn: "\x1b[33m", fail: "\x1b[31m", error: "\x1b[35m", skipped: "\x1b[90m" };
const ANSI_RESET = "\x1b[0m";

/** Lays out rows under headers; `right` marks numeric columns to right-align. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const width = (s: string) => Array.from(s).length;
  const widths = headers.map((h, c) => Math.max(width(h), ...rows.map((row) => width(row[c] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => {
        const pad = " ".repeat(widths[c] - width(cell));
        return right[c] ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The terminal summary: per dataset its layer counts and the rules that did not pass, then the verdict. */
export function renderText(untrusted: QualityReport, options: TextOptions = {}): string {
  // Values, file names and messages come from exports: no escape code of theirs reaches the terminal.
  const report = terminalSafeDeep(untrusted);
  const color = options.color ?? false;
  const paint = (status: RuleStatus | RunStatus, text: string) => (color ? `${ANSI[status]}${text}${ANSI_RESET}` : text);
  const out: string[] = [];
  out.push(`Quality report, load ${report.load_date} (lake ${report.lake}, engine ${report.engine}, ${formatCount(report.queries)} queries${readAndCostText(report)}, ${formatDuration(report.duration_seconds)})`);
  for (const dataset of report.datasets) {
    out.push("", `${dataset.name}  ${paint(dataset.status, statusWord(dataset.status))}`);
    out.push(`  files: ${dataset.files.length === 0 ? "(none)" : dataset.files.join(", ")}`);
    const r = dataset.rows;
    out.push(
      ...textTable(
        ["raw", "processed", "quarantined", "curated", "reconciled"],
        [[formatCount(r.raw), formatCount(r.processed), formatCount(r.quarantined), formatCount(r.curated), r.reconciled ? "✓" : "✗"]],
        [true, true, true, true, false],
      ).map((l) => `  ${l}`),
    );
    if (!r.reconciled) out.push(`  ${paint("fail", reconciliationText(r))}`);
    const glue = glueDatasetText(dataset);
    if (glue !== null) out.push(`  ${glue}`);
    const curation = curationText(dataset);
    if (curation !== null) out.push(`  ${paint("warn", curation)}`);
    if (dataset.query_runs.length > 0) {
      out.push(...textTable(["query", "purpose", "state", "scanned", "est. cost", "time"], dataset.query_runs.map(queryRunCells), [false, false, false, true, true, true]).map((l) => `  ${l}`));
    }
    const notPassed = failingFirst(dataset.rules).filter((rule) => rule.status !== "pass");
    const passed = dataset.rules.length - notPassed.length;
    if (notPassed.length === 0) {
      out.push(`  all ${formatCount(dataset.rules.length)} rules passed`);
      continue;
    }
    out.push(`  ${formatCount(notPassed.length)} of ${formatCount(dataset.rules.length)} rules did not pass (${formatCount(passed)} passed):`);
    const rows = notPassed.map((rule) => [
      rule.id, rule.kind, columnsText(rule), failedOfTotal(rule), formatPercent(rule.ratio), formatThreshold(rule.threshold),
      statusWord(rule.status), ruleDetail(rule),
    ]);
    const table = textTable(["rule", "kind", "columns", "failed/total", "ratio", "threshold", "status", "sample / note"], rows, [false, false, false, true, true, true]);
    // Colour is applied after layout so escape codes do not upset the column widths.
    const statusColumnStart = table[0].indexOf("status");
    out.push(
      ...table.map((l, i) => {
        const rule = notPassed[i - 2];
        if (!color || rule === undefined) return `  ${l}`;
        const word = statusWord(rule.status);
        return `  ${l.slice(0, statusColumnStart)}${paint(rule.status, word)}${l.slice(statusColumnStart + word.length)}`;
      }),
    );
  }
  out.push("", paint(report.status, verdictText(report)));
  return out.join("\n") + "\n";
}
