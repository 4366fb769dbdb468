import { escapeMarkdown } from "../report/render-markdown";
import { escapeHtml as esc, REPORT_STYLE } from "../report/render-html";
import { formatCount, formatDuration, formatPercent } from "../report/format";
import { textTable } from "../report/render-text";
import type { ColumnProfile, DatasetProfile, LakeProfile, ReferenceCandidate, ValueCount } from "./types";

export const PROFILE_FORMATS = ["text", "md", "html", "json"] as const;
export type ProfileFormat = (typeof PROFILE_FORMATS)[number];

const MASKED = "(masked)";
const LISTED_IN_TABLES = 3;

function clip(text: string, width = 28): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join("")}…`;
}

function windowText(profile: LakeProfile): string {
  const dates = profile.load_dates;
  return dates.length === 1 ? `load ${dates[0]}` : `${dates.length} loads, ${dates[0]} to ${dates[dates.length - 1]}`;
}

function valuesText(values: readonly ValueCount[] | null, limit: number): string {
  if (values === null) return MASKED;
  if (values.length === 0) return "";
  return values.slice(0, limit).map((v) => `${clip(v.value, 20)} (${formatCount(v.count)})`).join(", ") + (values.length > limit ? ", …" : "");
}

function shapesText(c: ColumnProfile, limit: number): string {
  if (c.shapes.distinct === 0) return "";
  const listed = c.shapes.top.slice(0, limit).map((s) => `${clip(s.shape, 20)} (${formatCount(s.count)})`).join(", ");
  return c.shapes.distinct > limit ? `${listed}, … ${formatCount(c.shapes.distinct)} shapes` : listed;
}

function rangeValue(value: number | string | null, masked: boolean): string {
  if (masked) return MASKED;
  return value === null ? "" : clip(typeof value === "number" ? formatCount(value) : value, 20);
}

function lengthText(c: ColumnProfile): string {
  if (c.length === null) return "";
  return c.length.min === c.length.max ? String(c.length.min) : `${c.length.min}-${c.length.max}`;
}

function conformityText(c: ColumnProfile): string {
  return c.conformity === null ? "-" : formatPercent(c.conformity);
}

const fileCount = (d: DatasetProfile): number => d.loads.reduce((sum, l) => sum + l.files, 0);

function loadsText(d: DatasetProfile): string {
  const records = d.loads.reduce((sum, l) => sum + l.records, 0);
  const files = fileCount(d);
  const unparsable = d.unparsable === 0 ? "every record profiled" : `${formatCount(d.unparsable)} unparsable record${d.unparsable === 1 ? "" : "s"} not profiled (the load quarantined ${d.unparsable === 1 ? "it" : "them"})`;
  return `${formatCount(d.rows)} rows of ${formatCount(records)} records in ${d.loads.length === 1 ? "1 load" : `${d.loads.length} loads`}, ${files === 1 ? "1 file" : `${files} files`}; ${unparsable}`;
}

/** The declared key's state in words: unique and complete in every load, or where it is not. */
export function keyText(d: DatasetProfile): string {
  const broken = d.loads.filter((l) => l.key_present !== l.rows || l.key_distinct !== l.key_present);
  const name = d.key.join(", ");
  if (broken.length === 0) return `declared key ${name}: present and unique in every load`;
  return `declared key ${name}: ` + broken.map((l) => `${l.load_date}: ${formatCount(l.rows - l.key_present)} rows without it, ${formatCount(l.key_present - l.key_distinct)} repeats`).join("; ");
}

export function referenceText(r: ReferenceCandidate): string {
  const share = (found: number, rows: number) => `${formatCount(found)}/${formatCount(rows)} rows found`;
  if (r.form === "all") return `${r.column} -> ${r.target.dataset}.${r.target.column} (${share(r.target.found, r.rows)})`;
  const branches = r.branches.map((b) => `${r.condition} = ${b.value}: ${b.target.dataset}.${b.target.column} (${share(b.target.found, b.rows)})`);
  return `${r.column} -> ${branches.join("; ")}`;
}

function candidateLines(d: DatasetProfile): string[] {
  const extras = d.columns.filter((c) => !c.in_contract).map((c) => `"${c.name}"`);
  return [
    keyText(d),
    `key candidates (present in every row, unique in every load): ${d.key_candidates.join(", ") || "none"}`,
    `reference candidates: ${d.reference_candidates.map(referenceText).join(" | ") || "none"}`,
    ...(extras.length > 0 ? [`headers no contract column claims (profiled as text, values masked): ${extras.join(", ")}`] : []),
  ];
}

const TABLE_HEADER = ["column", "type", "present", "null", "blank", "distinct", "conform", "min", "max", "length", "shapes", "top values"];

function tableRow(c: ColumnProfile): string[] {
  return [
    c.in_contract ? (c.in_files === 0 ? `${c.name} (not exported)` : c.name) : `"${c.name}" (not in contract)`,
    c.type + (c.enum ? " enum" : ""),
    formatPercent(c.rows === 0 ? 0 : c.present / c.rows),
    formatPercent(c.null_ratio),
    formatPercent(c.blank_ratio),
    formatCount(c.distinct),
    conformityText(c),
    rangeValue(c.min, c.masked),
    rangeValue(c.max, c.masked),
    lengthText(c),
    shapesText(c, LISTED_IN_TABLES),
    valuesText(c.top_values, LISTED_IN_TABLES),
  ];
}

function nonconformingLines(d: DatasetProfile): string[] {
  return d.columns
    .filter((c) => c.typed !== null && c.typed < c.present)
    .map((c) => `${c.name}: ${formatCount(c.present - c.typed!)} of ${formatCount(c.present)} values ${c.enum ? "are not spellings the contract maps" : `do not type as ${c.type}`}${c.masked ? "" : ` (${valuesText(c.nonconforming, 5)})`}`);
}

export function renderProfileText(profile: LakeProfile): string {
  const lines = [`Profile of ${profile.lake}, ${windowText(profile)} (${profile.datasets.length} datasets, ${formatDuration(profile.duration_seconds)})`];
  for (const d of profile.datasets) {
    lines.push("", `${d.name}: ${loadsText(d)}`, ...candidateLines(d).map((l) => `  ${l}`));
    lines.push(...textTable(TABLE_HEADER, d.columns.map(tableRow), [false, false, true, true, true, true, true, false, false, true, false, false]).map((l) => `  ${l}`));
    const bad = nonconformingLines(d);
    if (bad.length > 0) lines.push("  values that do not type:", ...bad.map((l) => `    ${l}`));
  }
  return `${lines.join("\n")}\n`;
}

export function renderProfileMarkdown(profile: LakeProfile): string {
  const md = escapeMarkdown;
  const out = [`# Data profile · ${md(windowText(profile))}`, "", `Lake ${md(profile.lake)} · ${profile.datasets.length} datasets · generated ${profile.generated_at} · ${formatDuration(profile.duration_seconds)}`];
  for (const d of profile.datasets) {
    out.push("", `## ${md(d.name)}`, "", md(loadsText(d)), "", ...candidateLines(d).map((l) => `- ${md(l)}`), "");
    out.push(`| ${TABLE_HEADER.join(" | ")} |`, `| ${TABLE_HEADER.map((_, i) => ([2, 3, 4, 5, 6, 9].includes(i) ? "---:" : "---")).join(" | ")} |`);
    for (const row of d.columns.map(tableRow)) out.push(`| ${row.map((cell) => md(cell)).join(" | ")} |`);
    const bad = nonconformingLines(d);
    if (bad.length > 0) out.push("", "Values that do not type:", "", ...bad.map((l) => `- ${md(l)}`));
  }
  return `${out.join("\n")}\n`;
}

const PROFILE_STYLE = `
main > .card { min-width: 0; }
.card-head { flex-wrap: wrap; }
.columns-wrap { overflow-x: auto; }
table.columns { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 12px; }
table.columns td.values { min-width: 180px; max-width: 340px; }
table.columns th, table.columns td { text-align: left; padding: 6px 8px; border-top: 1px solid var(--line); vertical-align: top; }
table.columns th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table.columns td.n { text-align: right; white-space: nowrap; }
table.columns .name { font-weight: 700; overflow-wrap: anywhere; }
table.columns td:first-child { min-width: 160px; }
table.columns .what { color: var(--muted); font-size: 12px; }
.fill { display: flex; height: 10px; width: 120px; border-radius: 3px; overflow: hidden; background: var(--track); margin-top: 3px; }
.fill .present { background: var(--pass); } .fill .blank { background: var(--warn); } .fill .null { background: #afb8c1; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; }
.chips code { background: var(--track); border-radius: 4px; padding: 0 4px; font: 12px/1.6 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
.chips code small { color: var(--muted); }
.facts { margin: 8px 0 0; padding-left: 18px; font-size: 14px; }
.bad { color: var(--fail); font-weight: 600; }
header.banner.profile { background: #0b5394; }
`;

function chips(values: readonly ValueCount[] | null, limit: number): string {
  if (values === null) return `<span class="what">masked: personal or undeclared data</span>`;
  return `<div class="chips">${values.slice(0, limit).map((v) => `<code>${esc(v.value)} <small>${esc(formatCount(v.count))}</small></code>`).join("")}</div>`;
}

function fillBar(c: ColumnProfile): string {
  const width = (part: number) => (c.rows === 0 ? 0 : (part / c.rows) * 100).toFixed(2);
  const label = `${formatPercent(c.rows === 0 ? 0 : c.present / c.rows)} present, ${formatPercent(c.blank_ratio)} blank, ${formatPercent(c.null_ratio)} null`;
  return `<div class="fill" role="img" aria-label="${esc(label)}"><span class="present" style="width:${width(c.present)}%"></span><span class="blank" style="width:${width(c.blanks)}%"></span><span class="null" style="width:${width(c.nulls)}%"></span></div>`;
}

function columnRow(c: ColumnProfile, files: number): string {
  const conform = c.conformity === null ? "-" : c.conformity < 1 ? `<span class="bad">${esc(formatPercent(c.conformity))}</span>` : esc(formatPercent(c.conformity));
  const nonconforming = c.typed !== null && c.typed < c.present && !c.masked ? `<div class="what">not typed:</div>${chips(c.nonconforming, 5)}` : "";
  const notes = [c.key_candidate ? "key candidate" : "", c.in_contract ? "" : "not in the contract", c.in_files === 0 ? "not in the exports" : c.in_files < files ? `in ${c.in_files} of ${files} files` : ""].filter((x) => x !== "");
  const checked = c.checked_by.length > 0 ? `<div class="what">checked by ${c.checked_by.map(esc).join(", ")}</div>` : "";
  const shapes = c.shapes.top.map((s) => ({ value: s.shape, count: s.count }));
  return (
    `<tr><td><div class="name">${esc(c.name)}</div><div class="what">${esc(c.type)}${c.enum ? " · enum" : ""}${notes.length > 0 ? ` · ${esc(notes.join(" · "))}` : ""}</div>${checked}</td>` +
    `<td class="n">${esc(formatPercent(c.rows === 0 ? 0 : c.present / c.rows))}${fillBar(c)}<div class="what">${esc(formatCount(c.nulls))} null · ${esc(formatCount(c.blanks))} blank</div></td>` +
    `<td class="n">${esc(formatCount(c.distinct))}</td><td class="n">${conform}</td>` +
    `<td>${esc(rangeValue(c.min, c.masked))}<br>${esc(rangeValue(c.max, c.masked))}</td><td class="n">${esc(lengthText(c))}</td>` +
    `<td class="values">${chips(shapes, 6)}${c.shapes.distinct > 6 ? `<div class="what">${esc(formatCount(c.shapes.distinct))} shapes (${c.shapes.level === "letters" ? "letters kept" : "letters as A/a"})</div>` : ""}</td>` +
    `<td class="values">${chips(c.top_values, 6)}${c.spellings !== null && c.spellings.length > 0 ? `<div class="what">as received:</div>${chips(c.spellings, 6)}` : ""}${nonconforming}</td></tr>`
  );
}

function datasetSection(d: DatasetProfile): string {
  return (
    `<section class="card" id="dataset-${esc(d.name)}"><div class="card-head"><h2>${esc(d.name)}</h2><span class="summary">${esc(loadsText(d))}</span></div>` +
    `<ul class="facts">${candidateLines(d).map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` +
    `<div class="columns-wrap"><table class="columns"><thead><tr><th>column</th><th>present</th><th>distinct</th><th>conform</th><th>min / max</th><th>length</th><th>shapes</th><th>top values</th></tr></thead>` +
    `<tbody>${d.columns.map((c) => columnRow(c, fileCount(d))).join("")}</tbody></table></div></section>`
  );
}

/** The profile as one self-contained page in the quality report's style (inline CSS, no script). */
export function renderProfileHtml(profile: LakeProfile): string {
  const title = `Data profile: ${windowText(profile)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${REPORT_STYLE}${PROFILE_STYLE}</style>
</head>
<body>
<header class="banner profile">
<div><h1>Data profile · ${esc(windowText(profile))}</h1>
<p>${esc(profile.datasets.map((d) => `${d.name}: ${formatCount(d.rows)} rows`).join(" · "))}</p>
<p class="meta">Lake ${esc(profile.lake)} · generated ${esc(profile.generated_at)} · ${esc(formatDuration(profile.duration_seconds))}</p></div>
</header>
<main>
${profile.datasets.map(datasetSection).join("\n")}
</main>
<footer>Shapes: digits as 9 and, where letters vary, letters as A (upper case) or a. Values of personal data and of columns no contract declares are masked. Conform: the share of present values that type as declared (for an enum, spelled as the contract maps).</footer>
</body>
</html>
`;
}

export function renderProfile(profile: LakeProfile, format: ProfileFormat): string {
  switch (format) {
    case "text":
      return renderProfileText(profile);
    case "md":
      return renderProfileMarkdown(profile);
    case "html":
      return renderProfileHtml(profile);
    case "json":
      return `${JSON.stringify(profile, null, 2)}\n`;
  }
}
