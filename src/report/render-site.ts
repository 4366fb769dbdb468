import { badge, escapeHtml as esc, REPORT_STYLE, trendChart } from "./render-html";
import { formatCount, statusWord } from "./format";
import { historySummary, HistoryRow, Trend } from "./trend";
import type { QualityReport, RunStatus } from "./types";

/**
 * The quality site (quality/index.html, `lake report --history --format html`): every load of the
 * lake with its status, the rules that failed and warned, its trend against the load before, and
 * links to its report (HTML, Markdown, JSON) and profile; above them, failed rows per load of each
 * dataset. Like the data docs of a checks framework: one static page, no script, no asset.
 */

export interface SiteOptions {
  /** The href of a load's folder (holding report.html, report.md, report.json, profile.html), ending in "/". */
  readonly folderHref: (loadDate: string) => string;
  /** Loads that have a kept profile. */
  readonly profiles: ReadonlySet<string>;
  /** Shown in the banner: the lake the site describes. */
  readonly lake: string;
}

/** Trend of a whole load: its datasets' figures summed, against the load before (the same order as per dataset). */
function loadTrends(history: readonly QualityReport[]): Map<string, Trend> {
  const rank: Record<RunStatus, number> = { pass: 0, warn: 1, fail: 2 };
  const trends = new Map<string, Trend>();
  let previous: number[] | undefined;
  for (const report of history) {
    const rules = report.datasets.flatMap((d) => d.rules);
    const figures = [
      rank[report.status],
      rules.filter((r) => r.status === "fail" || r.status === "error").length,
      rules.filter((r) => r.status === "warn").length,
      rules.reduce((sum, r) => sum + r.failed, 0),
      report.datasets.reduce((sum, d) => sum + d.rows.quarantined, 0),
    ];
    const order = previous === undefined ? null : figures.map((f, i) => f - (previous as number[])[i]).find((diff) => diff !== 0) ?? 0;
    trends.set(report.load_date, order === null ? "new" : order > 0 ? "worse" : order < 0 ? "better" : "same");
    previous = figures;
  }
  return trends;
}

const SITE_STYLE = `
main > .card { min-width: 0; }
.loads-wrap { overflow-x: auto; }
table.loads { border-collapse: collapse; width: 100%; font-size: 14px; }
table.loads th, table.loads td { text-align: left; padding: 8px 10px; border-top: 1px solid var(--line); vertical-align: top; }
table.loads th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table.loads td.n { text-align: right; white-space: nowrap; }
table.loads a { color: #0969da; }
table.loads .date { white-space: nowrap; } table.loads .date a { font-weight: 700; }
.datasets { display: flex; flex-wrap: wrap; gap: 4px; }
.datasets .badge { font-weight: 600; }
.failed-rules { margin: 0; padding: 0; list-style: none; font-size: 13px; }
.failed-rules li { overflow-wrap: anywhere; }
.failed-rules .kind { color: var(--muted); }
.trends { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 16px; }
.trends h3 { margin-top: 0; }
.worse { color: var(--fail); font-weight: 700; } .better { color: var(--pass); font-weight: 700; }
`;

function datasetTrends(rows: readonly HistoryRow[]): string {
  const names = [...new Set(rows.map((r) => r.dataset))].sort();
  const cards = names.map((name) => {
    const own = rows.filter((r) => r.dataset === name).slice(-12);
    const latest = own[own.length - 1];
    return `<div class="card ${latest.status}"><div class="card-head"><h2>${esc(name)}</h2>${badge(latest.status)}<span class="summary">latest ${esc(latest.load_date)}</span></div>` +
      `<div class="trend"><h3>Failed rows per load</h3>${trendChart(own)}</div></div>`;
  });
  return `<section class="trends">${cards.join("")}</section>`;
}

function loadRow(report: QualityReport, trend: Trend, options: SiteOptions): string {
  const folder = options.folderHref(report.load_date);
  const rules = report.datasets.flatMap((d) => d.rules.map((r) => ({ dataset: d.name, rule: r })));
  const failing = rules.filter(({ rule }) => rule.status === "fail" || rule.status === "error");
  const warned = rules.filter(({ rule }) => rule.status === "warn");
  const ruleItem = ({ dataset, rule }: (typeof rules)[number]) =>
    `<li><a href="${esc(`${folder}report.html#dataset-${dataset}`)}">${esc(rule.id)}</a> <span class="kind">${esc(statusWord(rule.status))} · ${esc(formatCount(rule.failed))}/${esc(formatCount(rule.total))}</span></li>`;
  const failedList = failing.length === 0 ? `<span class="none">none</span>` : `<ul class="failed-rules">${failing.map(ruleItem).join("")}</ul>`;
  const links = [
    `<a href="${esc(`${folder}report.html`)}">report</a>`,
    `<a href="${esc(`${folder}report.md`)}">md</a>`,
    `<a href="${esc(`${folder}report.json`)}">json</a>`,
    ...(options.profiles.has(report.load_date) ? [`<a href="${esc(`${folder}profile.html`)}">profile</a>`] : []),
  ];
  const datasets = report.datasets.map((d) => `<span class="badge ${d.status}">${esc(d.name)} ${statusWord(d.status)}</span>`).join("");
  return (
    `<tr id="load-${esc(report.load_date)}"><td class="date"><a href="${esc(`${folder}report.html`)}">${esc(report.load_date)}</a></td><td>${badge(report.status)}</td>` +
    `<td><div class="datasets">${datasets}</div></td><td>${failedList}</td>` +
    `<td class="n">${esc(formatCount(warned.length))}</td>` +
    `<td class="n">${esc(formatCount(report.datasets.reduce((sum, d) => sum + d.rows.raw, 0)))}</td>` +
    `<td class="n">${esc(formatCount(report.datasets.reduce((sum, d) => sum + d.rows.quarantined, 0)))}</td>` +
    `<td class="${trend}">${trend}</td><td>${links.join(" · ")}</td></tr>`
  );
}

export function renderSite(history: readonly QualityReport[], options: SiteOptions): string {
  const byDate = [...history].sort((a, b) => a.load_date.localeCompare(b.load_date));
  const latest = byDate[byDate.length - 1];
  const trends = loadTrends(byDate);
  const count = (status: RunStatus) => byDate.filter((r) => r.status === status).length;
  const tally = ([["loads", byDate.length], ["passed", count("pass")], ["warned", count("warn")], ["failed", count("fail")]] as const)
    .map(([label, n]) => `<div><dt>${label}</dt><dd>${esc(formatCount(n))}</dd></div>`)
    .join("");
  const status = latest?.status ?? "pass";
  const headline = latest === undefined ? "No loads checked yet" : `Latest load ${latest.load_date}: ${statusWord(latest.status)}`;
  const rows = [...byDate].reverse().map((r) => loadRow(r, trends.get(r.load_date) ?? "new", options)).join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Data quality: ${headline}`)}</title>
<style>${REPORT_STYLE}${SITE_STYLE}</style>
</head>
<body>
<header class="banner ${status}">
<div class="verdict">${statusWord(status)}</div>
<div><h1>Data quality · every load</h1>
<p>${esc(headline)}</p>
<p class="meta">Lake ${esc(options.lake)} · ${esc(formatCount(byDate.length))} loads checked</p></div>
<dl class="tally">${tally}</dl>
</header>
<main>
${latest === undefined ? `<p class="none">No quality reports in this lake yet: run a load (lake run).</p>` : datasetTrends(historySummary(byDate))}
<section class="card"><div class="card-head"><h2>Loads</h2><span class="summary">newest first · trend against the load before</span></div>
<div class="loads-wrap"><table class="loads"><thead><tr><th>load</th><th>status</th><th>datasets</th><th>failed rules</th><th>warned</th><th>rows</th><th>quarantined</th><th>trend</th><th>open</th></tr></thead>
<tbody>${rows}</tbody></table></div></section>
</main>
<footer>Failed rules: error-severity rules that failed or could not be evaluated, with failing rows / rows checked. Trend: status, then failed rules, warned rules, failed rows, quarantined rows, against the load before.</footer>
</body>
</html>
`;
}
