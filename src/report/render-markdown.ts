import {
  columnsText, failedOfTotal, failingFirst, formatCount, formatDuration, formatPercent, formatThreshold, glueDatasetText,
  curationText, queryRunCells, readAndCostText, reconciliationText, ruleDetail, statusWord, verdictText,
} from "./format";
import type { QualityReport, RuleResult } from "./types";

/**
 * Makes user-derived text inert in GitHub Markdown: HTML characters become entities (no tags),
 * Markdown punctuation is backslash-escaped (masked samples like `J***z` must not turn italic), and
 * line breaks become spaces so a value cannot break out of its table row.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~#!]/g, (c) => `\\${c}`)
    .replace(/\r?\n|\r/g, " ");
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const rule = headers.map((_, c) => (right[c] ? "---:" : "---"));
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(rule), ...rows.map(line)];
}

const RULE_HEADERS = ["Status", "Rule", "Kind", "Columns", "Severity", "Failed/total", "Ratio", "Threshold", "Sample / note"];
const RULE_RIGHT = [false, false, false, false, false, true, true, true, false];

function ruleRow(rule: RuleResult): string[] {
  return [
    `**${statusWord(rule.status)}**`, escapeMarkdown(rule.id), escapeMarkdown(rule.kind), escapeMarkdown(columnsText(rule)), rule.severity,
    failedOfTotal(rule), formatPercent(rule.ratio), formatThreshold(rule.threshold), escapeMarkdown(ruleDetail(rule)),
  ];
}

/** The report as a pull-request comment: verdict, counts table, then a rules table per dataset with passing rules folded away. */
export function renderMarkdown(report: QualityReport): string {
  const out: string[] = [];
  out.push(`## Data quality: ${statusWord(report.status)} (load ${escapeMarkdown(report.load_date)})`, "");
  out.push(`**${escapeMarkdown(verdictText(report))}**`, "");
  out.push(
    `Lake ${escapeMarkdown(report.lake)}, engine ${report.engine}, ${formatCount(report.queries)} queries${escapeMarkdown(readAndCostText(report))}, ${formatDuration(report.duration_seconds)}, generated ${escapeMarkdown(report.generated_at)}.`,
    "",
  );
  out.push(
    ...markdownTable(
      ["Dataset", "Status", "Raw", "Processed", "Quarantined", "Curated", "Reconciled", "Rules not passed"],
      report.datasets.map((d) => [
        escapeMarkdown(d.name), `**${statusWord(d.status)}**`, formatCount(d.rows.raw), formatCount(d.rows.processed),
        formatCount(d.rows.quarantined), formatCount(d.rows.curated), d.rows.reconciled ? "yes" : "**no**",
        `${formatCount(d.rules.filter((r) => r.status !== "pass").length)} of ${formatCount(d.rules.length)}`,
      ]),
      [false, false, true, true, true, true, false, true],
    ),
  );
  for (const dataset of report.datasets) {
    out.push("", `### ${escapeMarkdown(dataset.name)}: ${statusWord(dataset.status)}`, "");
    if (!dataset.rows.reconciled) out.push(`**${escapeMarkdown(reconciliationText(dataset.rows))}.**`, "");
    const glue = glueDatasetText(dataset);
    if (glue !== null) out.push(`${escapeMarkdown(glue)}.`, "");
    const curation = curationText(dataset);
    if (curation !== null) out.push(`**${escapeMarkdown(curation)}.**`, "");
    const ordered = failingFirst(dataset.rules);
    const notPassed = ordered.filter((r) => r.status !== "pass");
    const passed = ordered.filter((r) => r.status === "pass");
    if (notPassed.length > 0) out.push(...markdownTable(RULE_HEADERS, notPassed.map(ruleRow), RULE_RIGHT));
    else out.push(`All ${formatCount(dataset.rules.length)} rules passed.`);
    if (passed.length > 0) {
      // A blank line after <summary> lets GitHub render the Markdown table inside <details>.
      out.push("", `<details><summary>${formatCount(passed.length)} passing rules</summary>`, "");
      out.push(...markdownTable(RULE_HEADERS, passed.map(ruleRow), RULE_RIGHT));
      out.push("", "</details>");
    }
    if (dataset.query_runs.length > 0) {
      out.push("", `<details><summary>${formatCount(dataset.query_runs.length)} queries</summary>`, "");
      out.push(...markdownTable(["Query", "Purpose", "State", "Scanned", "Est. cost", "Time"], dataset.query_runs.map((q) => queryRunCells(q).map(escapeMarkdown)), [false, false, false, true, true, true]));
      out.push("", "</details>");
    }
  }
  return out.join("\n") + "\n";
}
