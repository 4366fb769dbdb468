import {
  columnsText, failingFirst, formatCount, formatDuration, formatPercent, formatThreshold, glueDatasetText, queryRunCells,
  curationText, readAndCostText, reconciliationText, sampleLocation, statusWord, verdictText,
} from "./format";
import { HistoryRow, historySummary } from "./trend";
import type { DatasetReport, QualityReport, RuleResult, RuleStatus, RunStatus } from "./types";

/** Escapes text for HTML content and attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

const esc = escapeHtml;

/** A mark beside each status word, so status never rests on colour alone. */
const STATUS_MARK: Record<RuleStatus, string> = { pass: "✓", warn: "!", fail: "✗", error: "?", skipped: "–" };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function badge(status: RuleStatus | RunStatus): string {
  return `<span class="badge ${status}"><span aria-hidden="true">${STATUS_MARK[status]}</span> ${statusWord(status)}</span>`;
}

/** The report's style sheet: the profile and the quality site share it, so they read as one set of pages. */
export const REPORT_STYLE = `
:root { --pass:#1a7f37; --pass-bg:#dafbe1; --warn:#9a6700; --warn-bg:#fff8c5; --fail:#cf222e; --fail-bg:#ffebe9;
  --error:#8250df; --error-bg:#fbefff; --skipped:#59636e; --skipped-bg:#f6f8fa; --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --track:#eef1f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; color: var(--ink); background: #f6f8fa;
  font-variant-numeric: tabular-nums; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
header.banner { display: flex; align-items: center; gap: 28px; padding: 22px 32px; color: #fff; }
header.banner.pass { background: var(--pass); } header.banner.warn { background: var(--warn); } header.banner.fail { background: var(--fail); }
.verdict { font-size: 40px; font-weight: 800; letter-spacing: .03em; white-space: nowrap; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; }
header .meta { opacity: .9; font-size: 13px; }
.tally { display: flex; gap: 10px; margin: 0 0 0 auto; }
.tally div { background: rgba(255,255,255,.16); border-radius: 8px; padding: 6px 12px; text-align: center; min-width: 72px; }
.tally dt { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.tally dd { margin: 0; font-size: 24px; font-weight: 700; }
main { padding: 20px 32px 32px; display: grid; gap: 20px; }
.card { background: #fff; border: 1px solid var(--line); border-left: 8px solid var(--line); border-radius: 10px; padding: 16px 20px; break-inside: avoid; }
.card.pass { border-left-color: var(--pass); } .card.warn { border-left-color: var(--warn); } .card.fail { border-left-color: var(--fail); }
.card-head { display: flex; align-items: center; gap: 12px; }
.card-head h2 { margin: 0; font-size: 22px; }
.card-head .summary { color: var(--muted); margin-left: auto; }
.files { color: var(--muted); font-size: 12px; margin: 4px 0 12px; overflow-wrap: anywhere; }
.glue { font-size: 13px; margin: 0 0 12px; }
.curation { font-size: 13px; margin: 0 0 12px; color: var(--warn); }
.queries { font-size: 12px; margin-top: 12px; overflow-wrap: anywhere; }
.layout { display: grid; grid-template-columns: 390px minmax(0, 1fr); gap: 28px; }
@media (max-width: 960px) { .layout { grid-template-columns: minmax(0, 1fr); } header.banner { flex-wrap: wrap; } .tally { margin-left: 0; } }
.layers { display: grid; grid-template-columns: repeat(2, 1fr); gap: 8px; }
.layer { border: 1px solid var(--line); border-radius: 8px; padding: 6px 10px; }
.layer .n { font-size: 22px; font-weight: 700; display: block; }
.layer .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.recon { margin: 10px 0 0; padding: 8px 10px; border-radius: 8px; font-weight: 600; }
.recon.ok { background: var(--pass-bg); color: var(--pass); } .recon.bad { background: var(--fail-bg); color: var(--fail); }
.badge { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: 12px; font-weight: 700; letter-spacing: .04em; border: 1px solid; white-space: nowrap; }
.badge.pass { color: var(--pass); background: var(--pass-bg); } .badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); } .badge.error { color: var(--error); background: var(--error-bg); }
.badge.skipped { color: var(--skipped); background: var(--skipped-bg); }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 16px 0 6px; }
.rules h3:first-child { margin-top: 0; }
.rule { display: grid; grid-template-columns: 78px 1fr 300px; gap: 4px 12px; padding: 10px 0; border-top: 1px solid var(--line); align-items: start; }
.rule:first-of-type { border-top: 0; }
.rule .id { font-weight: 700; overflow-wrap: anywhere; }
.rule .what { color: var(--muted); font-size: 13px; }
.rule .figures { font-size: 13px; }
.rule .detail { grid-column: 2 / 4; font-size: 13px; overflow-wrap: anywhere; }
.rule .detail.message { color: var(--error); }
.sample { border-collapse: collapse; margin-top: 4px; }
.sample caption { text-align: left; color: var(--muted); }
.sample th, .sample td { text-align: left; padding: 1px 12px 1px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
.sample th { font-weight: 600; color: var(--muted); }
.sample code { background: var(--track); border-radius: 4px; padding: 0 4px; font: 12px/1.6 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; }
.passing { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; list-style: none; }
.passing li { font-size: 12px; border: 1px solid var(--line); border-radius: 999px; padding: 1px 9px; color: var(--pass); }
.passing li span { color: var(--ink); }
.trend svg { display: block; }
.trend table { border-collapse: collapse; font-size: 12px; width: 100%; margin-top: 6px; }
.trend th, .trend td { text-align: right; padding: 2px 4px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.trend th { font-weight: 600; color: var(--muted); white-space: normal; vertical-align: bottom; }
.trend th:first-child, .trend td:first-child { text-align: left; }
.trend .worse { color: var(--fail); font-weight: 700; } .trend .better { color: var(--pass); font-weight: 700; }
.none { color: var(--muted); font-size: 13px; }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; }
@media print { body { background: #fff; } main { padding: 12px 0; } header.banner { padding: 12px 16px; } .card { border-width: 1px 1px 1px 8px; } }
`;

const BAR_WIDTH = 300;
const BAR_HEIGHT = 16;

/**
 * The largest figure any bar of the report shows (failed ratio or threshold of a rule that did not
 * pass and was evaluated), with headroom: one common scale lets bars be compared at a glance.
 */
export function barScale(report: QualityReport): number {
  const figures = report.datasets
    .flatMap((d) => d.rules)
    .filter((r) => r.status === "fail" || r.status === "warn")
    .flatMap((r) => [r.ratio, r.threshold ?? 0]);
  const largest = Math.max(0, ...figures);
  return largest === 0 ? 1 : Math.min(1, largest * 1.1);
}

/** The failed ratio as a bar on the report's common scale, the threshold as a dashed marker. */
function ratioBar(rule: RuleResult, scaleMax: number): string {
  const threshold = rule.threshold ?? 0;
  const fill = Math.max(rule.ratio > 0 ? 2 : 0, Math.min(1, rule.ratio / scaleMax) * BAR_WIDTH);
  const marker = Math.min(BAR_WIDTH - 1.5, Math.max(1.5, Math.min(1, threshold / scaleMax) * BAR_WIDTH));
  const label = `${formatPercent(rule.ratio)} failed, threshold ${formatThreshold(rule.threshold)}`;
  return (
    `<svg class="bar" width="${BAR_WIDTH}" height="${BAR_HEIGHT + 4}" viewBox="0 0 ${BAR_WIDTH} ${BAR_HEIGHT + 4}" role="img" aria-label="${esc(label)}">` +
    `<rect x="0" y="2" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" rx="3" fill="#eef1f4"/>` +
    `<rect x="0" y="2" width="${fill.toFixed(1)}" height="${BAR_HEIGHT}" rx="3" fill="var(--${rule.status})"/>` +
    `<line x1="${marker.toFixed(1)}" x2="${marker.toFixed(1)}" y1="0" y2="${BAR_HEIGHT + 4}" stroke="#1f2328" stroke-width="2.5" stroke-dasharray="3 2"/>` +
    `</svg>`
  );
}

function ruleDetailHtml(rule: RuleResult): string {
  const parts: string[] = [];
  if (rule.message !== null) parts.push(`<div class="detail message">${esc(rule.message)}</div>`);
  if (rule.samples.length > 0) {
    const rows = rule.samples.map((s) => `<tr><td><code>${esc(s.key ?? "(no key)")}</code></td><td>${s.file === null ? "" : `<code>${esc(s.value ?? "(empty)")}</code>`}</td><td>${esc(sampleLocation(s))}</td></tr>`);
    parts.push(`<table class="detail sample"><caption>Failing rows (first ${rule.samples.length})</caption><thead><tr><th>key</th><th>value</th><th>file:line</th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
  }
  return parts.join("");
}

function ruleRow(rule: RuleResult, scaleMax: number): string {
  const observed = rule.observed === null ? "" : ` · observed ${esc(formatCount(rule.observed))}`;
  return (
    `<div class="rule ${rule.status}">` +
    `<div>${badge(rule.status)}</div>` +
    `<div><div class="id">${esc(rule.id)}</div><div class="what">${esc(rule.kind)} · ${esc(columnsText(rule))} · ${rule.severity} severity</div>` +
    `<div class="what">${esc(rule.description)}</div></div>` +
    (rule.status === "error" || rule.status === "skipped"
      ? `<div class="figures">${rule.status === "error" ? "Not evaluated" : "Not judged"} · threshold ${esc(formatThreshold(rule.threshold))}</div>`
      : `<div>${ratioBar(rule, scaleMax)}<div class="figures"><strong>${esc(formatCount(rule.failed))}</strong> of ${esc(formatCount(rule.total))} rows failed ` +
        `(${esc(formatPercent(rule.ratio))})<br>threshold ${esc(formatThreshold(rule.threshold))}${observed}</div></div>`) +
    ruleDetailHtml(rule) +
    `</div>`
  );
}

const TREND_WIDTH = 390;
const TREND_HEIGHT = 100;
/** Loads the sparkline and trend table show, most recent last. */
const TREND_LOADS = 12;

/** Failed rows per load as a line, one dot per load coloured and titled with that load's status. */
export function trendChart(rows: readonly HistoryRow[]): string {
  const left = 34;
  const right = 10;
  const top = 18;
  const bottom = 22;
  const plotWidth = TREND_WIDTH - left - right;
  const plotHeight = TREND_HEIGHT - top - bottom;
  const highest = Math.max(1, ...rows.map((r) => r.failed_rows));
  const x = (i: number) => left + (rows.length === 1 ? plotWidth / 2 : (i * plotWidth) / (rows.length - 1));
  const y = (v: number) => top + plotHeight - (v / highest) * plotHeight;
  const points = rows.map((r, i) => `${x(i).toFixed(1)},${y(r.failed_rows).toFixed(1)}`).join(" ");
  const dots = rows
    .map(
      (r, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(r.failed_rows).toFixed(1)}" r="4.5" fill="var(--${r.status})" stroke="#fff" stroke-width="1.5"><title>${esc(`${r.load_date}: ${statusWord(r.status)}, ${formatCount(r.failed_rows)} failed rows`)}</title></circle>` +
        `<text x="${x(i).toFixed(1)}" y="${(y(r.failed_rows) - 8).toFixed(1)}" text-anchor="middle" fill="#1f2328" font-weight="600">${esc(formatCount(r.failed_rows))}</text>`,
    )
    .join("");
  const first = rows[0].load_date;
  const last = rows[rows.length - 1].load_date;
  const summary = `Failed rows per load from ${first} to ${last}: ${rows.map((r) => formatCount(r.failed_rows)).join(", ")}`;
  return (
    `<svg width="${TREND_WIDTH}" height="${TREND_HEIGHT}" viewBox="0 0 ${TREND_WIDTH} ${TREND_HEIGHT}" role="img" aria-label="${esc(summary)}" font-size="11" fill="#59636e">` +
    `<line x1="${left}" x2="${TREND_WIDTH - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#d1d9e0"/>` +
    `<line x1="${left}" x2="${TREND_WIDTH - right}" y1="${top}" y2="${top}" stroke="#eef1f4"/>` +
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${esc(formatCount(highest))}</text>` +
    `<text x="${left - 6}" y="${top + plotHeight + 4}" text-anchor="end">0</text>` +
    `<polyline points="${points}" fill="none" stroke="#59636e" stroke-width="2"/>` +
    dots +
    `<text x="${x(0).toFixed(1)}" y="${TREND_HEIGHT - 4}" text-anchor="${rows.length === 1 ? "middle" : "start"}">${esc(first)}</text>` +
    (rows.length > 1 ? `<text x="${TREND_WIDTH - right}" y="${TREND_HEIGHT - 4}" text-anchor="end">${esc(last)}</text>` : "") +
    `</svg>`
  );
}

function trendSection(rows: readonly HistoryRow[]): string {
  if (rows.length < 2) return `<h3>Trend</h3><p class="none">First load of this dataset in the history: no trend yet.</p>`;
  const recent = rows.slice(-TREND_LOADS);
  const table =
    `<table><thead><tr><th>load</th><th>status</th><th>failed rules</th><th>failed rows</th><th>quar.</th><th>trend</th></tr></thead><tbody>` +
    recent
      .map((r) => `<tr><td>${esc(r.load_date)}</td><td>${statusWord(r.status)}</td><td>${esc(formatCount(r.failed_rules))}</td><td>${esc(formatCount(r.failed_rows))}</td><td>${esc(formatCount(r.quarantined))}</td><td class="${r.trend}">${r.trend}</td></tr>`)
      .join("") +
    `</tbody></table>`;
  return `<div class="trend"><h3>Trend: failed rows per load</h3>${trendChart(recent)}${table}</div>`;
}

function datasetCard(dataset: DatasetReport, history: readonly HistoryRow[], scaleMax: number): string {
  const r = dataset.rows;
  const layer = (label: string, n: number) => `<div class="layer"><span class="n">${esc(formatCount(n))}</span><span class="label">${label}</span></div>`;
  const ordered = failingFirst(dataset.rules);
  const notPassed = ordered.filter((rule) => rule.status !== "pass");
  const passed = ordered.filter((rule) => rule.status === "pass");
  const rulesHtml =
    (notPassed.length > 0 ? `<h3>Rules that did not pass (${notPassed.length})</h3>${notPassed.map((rule) => ruleRow(rule, scaleMax)).join("")}` : `<h3>Rules</h3><p class="none">Every rule passed.</p>`) +
    (passed.length > 0
      ? `<h3>Passing rules (${passed.length})</h3><ul class="passing">${passed.map((rule) => `<li title="${esc(rule.description)}">✓ <span>${esc(rule.id)}</span></li>`).join("")}</ul>`
      : "");
  const files = dataset.files.length === 0 ? "no raw files" : dataset.files.map(esc).join(" · ");
  const glue = glueDatasetText(dataset);
  const curation = curationText(dataset);
  const queries =
    dataset.query_runs.length === 0
      ? ""
      : `<details class="queries"><summary>${plural(dataset.query_runs.length, "query", "queries")}</summary><table><thead><tr><th>query</th><th>purpose</th><th>state</th><th>scanned</th><th>est. cost</th><th>time</th></tr></thead><tbody>` +
        dataset.query_runs.map((q) => `<tr>${queryRunCells(q).map((c: string) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("") +
        `</tbody></table></details>`;
  return (
    `<section class="card ${dataset.status}" id="dataset-${esc(dataset.name)}">` +
    `<div class="card-head"><h2>${esc(dataset.name)}</h2>${badge(dataset.status)}` +
    `<span class="summary">${notPassed.length} of ${plural(dataset.rules.length, "rule")} did not pass · ${plural(dataset.queries, "query", "queries")}</span></div>` +
    `<p class="files">${files}</p>` +
    (glue === null ? "" : `<p class="glue">${esc(glue)}</p>`) +
    (curation === null ? "" : `<p class="curation">${esc(curation)}</p>`) +
    `<div class="layout"><div>` +
    `<div class="layers">${layer("raw", r.raw)}${layer("processed", r.processed)}${layer("quarantined", r.quarantined)}${layer("curated", r.curated)}</div>` +
    `<p class="recon ${r.reconciled ? "ok" : "bad"}"><span aria-hidden="true">${r.reconciled ? "✓" : "✗"}</span> ${esc(reconciliationText(r))}</p>` +
    trendSection(history.filter((h) => h.dataset === dataset.name)) +
    queries +
    `</div><div class="rules">${rulesHtml}</div></div>` +
    `</section>`
  );
}

/**
 * The report as one self-contained HTML page (inline CSS and SVG, no script, no external asset):
 * a status banner, a card per dataset with its layer counts, reconciliation, rule bars and the trend
 * across the loads in `history` (the reports up to this one; this report is added when missing).
 */
export function renderHtml(report: QualityReport, history: readonly QualityReport[] = []): string {
  const withThisLoad = [...history.filter((h) => h.load_date !== report.load_date && h.load_date < report.load_date), report];
  const trendRows = historySummary(withThisLoad);
  const scale = barScale(report);
  const s = report.summary;
  const counted: [string, number][] = [["rules", s.rules], ["passed", s.passed], ["warned", s.warned], ["failed", s.failed], ["errored", s.errored]];
  if (s.skipped > 0) counted.push(["skipped", s.skipped]);
  const tally = counted
    .map(([label, n]) => `<div><dt>${label}</dt><dd>${esc(formatCount(n))}</dd></div>`)
    .join("");
  const bytes = esc(readAndCostText(report).replace(/^, /, " · ").replace(/, est\./, " · est."));
  const title = `Data quality ${statusWord(report.status)}: load ${report.load_date}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header class="banner ${report.status}">
<div class="verdict"><span aria-hidden="true">${STATUS_MARK[report.status]}</span> ${statusWord(report.status)}</div>
<div><h1>Data quality report · load ${esc(report.load_date)}</h1>
<p>${esc(verdictText(report))}</p>
<p class="meta">Lake ${esc(report.lake)} · engine ${esc(report.engine)} · ${esc(formatCount(report.queries))} queries${bytes} · ${esc(formatDuration(report.duration_seconds))} · generated ${esc(report.generated_at)}</p></div>
<dl class="tally">${tally}</dl>
</header>
<main>
${report.datasets.map((d) => datasetCard(d, trendRows, scale)).join("\n")}
</main>
<footer>Bars: the share of rows that failed each rule, all on one scale from 0 to ${esc(formatPercent(scale))}; the dashed line marks the rule's threshold (the largest share tolerated). Sample values of personal data are masked.</footer>
</body>
</html>
`;
}
