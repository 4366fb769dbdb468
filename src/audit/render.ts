import { LAYERS } from "../aws/naming";
import { escapeHtml } from "../report/render-html";
import { escapeMarkdown } from "../report/render-markdown";
import { textTable } from "../report/render-text";
import { principalName } from "./declared";
import { AccessEntry, AuditReport, VIOLATION_MEANING } from "./types";

export const AUDIT_FORMATS = ["text", "json", "md", "html"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** One row of the summary matrix: a principal in one layer, and per dataset how many columns it reads. */
export interface MatrixRow {
  readonly role: string;
  readonly principal: string;
  readonly layer: string;
  readonly cells: Readonly<Record<string, { readonly read: number; readonly total: number; readonly piiRead: number }>>;
}

const layerOrder = (layer: string): number => {
  const i = (LAYERS as readonly string[]).indexOf(layer);
  return i < 0 ? LAYERS.length : i;
};

/** The datasets of the report, in order. */
export const datasetsOf = (report: AuditReport): string[] => [...new Set(report.access.map((a) => a.dataset))].sort();

/** "Who can read what" folded to principal x layer x dataset, for the renderings. */
export function accessMatrix(report: AuditReport): MatrixRow[] {
  const rows = new Map<string, { role: string; principal: string; layer: string; cells: Record<string, { read: number; total: number; piiRead: number }> }>();
  for (const a of report.access) {
    const layer = a.layer ?? a.database;
    const key = `${a.principal}|${layer}`;
    const row = rows.get(key) ?? { role: a.role, principal: a.principal, layer, cells: {} };
    const cell = (row.cells[a.dataset] ??= { read: 0, total: 0, piiRead: 0 });
    cell.total += 1;
    if (a.read) cell.read += 1;
    if (a.read && a.pii) cell.piiRead += 1;
    rows.set(key, row);
  }
  const roles = [...new Set(report.access.map((a) => a.role))];
  return [...rows.values()].sort((a, b) => roles.indexOf(a.role) - roles.indexOf(b.role) || a.principal.localeCompare(b.principal) || layerOrder(a.layer) - layerOrder(b.layer) || a.layer.localeCompare(b.layer));
}

const cellText = (c: { read: number; total: number; piiRead: number } | undefined): string =>
  c === undefined ? "" : c.read === 0 ? "-" : `${c.read === c.total ? "all" : `${c.read}/${c.total}`}${c.piiRead > 0 ? ` +${c.piiRead} PII` : ""}`;

/** Each PII column, per layer, with the principals that can read it. */
export function piiReaders(report: AuditReport): { column: string; layer: string; readers: AccessEntry[] }[] {
  const byColumn = new Map<string, { column: string; layer: string; readers: AccessEntry[] }>();
  for (const a of report.access) {
    if (!a.pii) continue;
    const column = `${a.dataset}.${a.column}`;
    const layer = a.layer ?? a.database;
    const key = `${column}|${layer}`;
    const entry = byColumn.get(key) ?? { column, layer, readers: [] };
    if (a.read) entry.readers.push(a);
    byColumn.set(key, entry);
  }
  return [...byColumn.values()].sort((a, b) => a.column.localeCompare(b.column) || layerOrder(a.layer) - layerOrder(b.layer));
}

const sourceText = (r: AuditReport): string => (r.source === "online" ? "the grants in force in Lake Formation" : "the program under Pulumi mocks, before `pulumi up`");
const verdict = (r: AuditReport): string => (r.summary.violations === 0 ? "no violations" : `${r.summary.violations} violation${r.summary.violations === 1 ? "" : "s"}`);
const readerText = (a: AccessEntry): string => `${a.role} (${principalName(a.principal)})`;

export function renderAuditText(report: AuditReport): string {
  const lines = [`Governance audit of ${report.stack}: ${sourceText(report)} (account ${report.account}, ${report.region}): ${verdict(report)}`, ""];
  if (report.violations.length > 0) {
    lines.push(`Violations (${report.violations.length})`);
    for (const v of report.violations) lines.push(`  [${v.kind}] ${v.message}`, `      fix: ${v.fix}`);
    lines.push("");
  }
  const datasets = datasetsOf(report);
  lines.push('Who can read what (columns of each table the principal can read; "+N PII" when PII columns are among them)');
  lines.push(...textTable(["role", "principal", "layer", ...datasets], accessMatrix(report).map((r) => [r.role, principalName(r.principal), r.layer, ...datasets.map((d) => cellText(r.cells[d]))])).map((l) => `  ${l}`));
  lines.push("", "PII columns and who can read them");
  for (const p of piiReaders(report)) lines.push(`  ${p.column} (${p.layer}): ${p.readers.map(readerText).join(", ") || "nobody"}`);
  lines.push("", `Lake Formation administrators (${report.admins.declared ? "declared by this stack" : "owned by another stack"}): ${report.admins.admins.join(", ") || "none"}; read-only: ${report.admins.read_only_admins.join(", ") || "none"}`);
  if (report.reads !== undefined) {
    lines.push("", `Reads of tables with PII the reader may read, ${report.reads.since} to ${report.reads.until} (CloudTrail GetDataAccess)`);
    if (report.reads.pii.length === 0) lines.push("  none");
    for (const r of report.reads.pii) lines.push(`  ${r.role} (${principalName(r.principal)}) read ${r.database}.${r.table} ${r.events}x via ${r.services.join(", ")} (${r.first} .. ${r.last}); PII it can read: ${r.piiColumns.join(", ")}`);
  }
  if (report.notes.length > 0) lines.push("", "Notes", ...report.notes.map((n) => `  - ${n}`));
  return `${lines.join("\n")}\n`;
}

const md = escapeMarkdown;
const mdTable = (headers: readonly string[], rows: readonly (readonly string[])[]): string[] => [`| ${headers.map(md).join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(md).join(" | ")} |`)];

export function renderAuditMarkdown(report: AuditReport): string {
  const lines = [`# Governance audit of ${md(report.stack)}`, "", `${md(sourceText(report))}; account ${report.account}, ${report.region}; ${report.generated_at}. **${verdict(report)}**.`, ""];
  if (report.violations.length > 0) {
    lines.push("## Violations", "", ...mdTable(["kind", "finding", "fix"], report.violations.map((v) => [v.kind, v.message, v.fix])), "");
  }
  const datasets = datasetsOf(report);
  lines.push("## Who can read what", "", "Columns of each table the principal can read; `+N PII` when PII columns are among them.", "");
  lines.push(...mdTable(["role", "principal", "layer", ...datasets], accessMatrix(report).map((r) => [r.role, principalName(r.principal), r.layer, ...datasets.map((d) => cellText(r.cells[d]))])), "");
  lines.push("## PII columns and who can read them", "", ...mdTable(["column", "layer", "readers"], piiReaders(report).map((p) => [p.column, p.layer, p.readers.map(readerText).join(", ") || "nobody"])), "");
  lines.push("## Grants", "", ...mdTable(["id", "role", "principal", "resource", "permissions", "declared"], report.grants.map((g) => [g.id, g.role, principalName(g.principal), g.description, g.permissions.join(", "), g.declared ? "yes" : "no"])), "");
  if (report.reads !== undefined) {
    lines.push(`## Reads of PII, ${report.reads.since} to ${report.reads.until}`, "", ...mdTable(["role", "principal", "table", "PII it can read", "events", "via", "first", "last"], report.reads.pii.map((r) => [r.role, principalName(r.principal), `${r.database}.${r.table}`, r.piiColumns.join(", "), String(r.events), r.services.join(", "), r.first, r.last])), "");
  }
  if (report.notes.length > 0) lines.push("## Notes", "", ...report.notes.map((n) => `- ${md(n)}`), "");
  return lines.join("\n");
}

const h = escapeHtml;
const htmlTable = (headers: readonly string[], rows: readonly (readonly string[])[], cls = ""): string =>
  `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${headers.map((x) => `<th>${h(x)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;

/** A self-contained page: verdict, violations, the matrix (PII cells marked), every column readable per principal, grants. */
export function renderAuditHtml(report: AuditReport): string {
  const datasets = datasetsOf(report);
  const matrix = accessMatrix(report);
  const matrixRows = matrix
    .map((r) => `<tr><td>${h(r.role)}</td><td>${h(principalName(r.principal))}</td><td>${h(r.layer)}</td>${datasets.map((d) => `<td class="${(r.cells[d]?.piiRead ?? 0) > 0 ? "pii" : (r.cells[d]?.read ?? 0) > 0 ? "read" : "none"}">${h(cellText(r.cells[d]))}</td>`).join("")}</tr>`)
    .join("");
  const columns = report.access
    .filter((a) => a.read)
    .map((a) => [a.role, principalName(a.principal), a.layer ?? a.database, a.dataset, a.column, a.pii ? "PII" : "", a.grant ?? ""]);
  const sections = [
    `<h1>Governance audit of ${h(report.stack)}</h1>`,
    `<p>${h(sourceText(report))}; account ${h(report.account)}, ${h(report.region)}; ${h(report.generated_at)}.</p>`,
    `<p class="verdict ${report.summary.violations === 0 ? "clean" : "dirty"}">${h(verdict(report))}</p>`,
    report.violations.length === 0 ? "" : `<h2>Violations</h2>${htmlTable(["kind", "what it means", "finding", "fix"], report.violations.map((v) => [v.kind, VIOLATION_MEANING[v.kind], v.message, v.fix]))}`,
    `<h2>Who can read what</h2><p>Columns of each table the principal can read; cells with PII columns among them are marked.</p>`,
    `<table class="matrix"><thead><tr><th>role</th><th>principal</th><th>layer</th>${datasets.map((d) => `<th>${h(d)}</th>`).join("")}</tr></thead><tbody>${matrixRows}</tbody></table>`,
    `<h2>PII columns and who can read them</h2>${htmlTable(["column", "layer", "readers"], piiReaders(report).map((p) => [p.column, p.layer, p.readers.map(readerText).join(", ") || "nobody"]))}`,
    report.reads === undefined ? "" : `<h2>Reads of PII, ${h(report.reads.since)} to ${h(report.reads.until)}</h2>${htmlTable(["role", "principal", "table", "PII it can read", "events", "via", "first", "last"], report.reads.pii.map((r) => [r.role, principalName(r.principal), `${r.database}.${r.table}`, r.piiColumns.join(", "), String(r.events), r.services.join(", "), r.first, r.last]))}`,
    `<h2>Every column each principal can read</h2>${htmlTable(["role", "principal", "layer", "dataset", "column", "", "through"], columns)}`,
    `<h2>Grants</h2>${htmlTable(["id", "role", "principal", "resource", "permissions", "declared"], report.grants.map((g) => [g.id, g.role, principalName(g.principal), g.description, g.permissions.join(", "), g.declared ? "yes" : "no"]))}`,
    report.notes.length === 0 ? "" : `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${h(n)}</li>`).join("")}</ul>`,
  ];
  const style = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}.verdict{font-weight:600}.clean{color:#176b2c}.dirty{color:#a11}.matrix td.pii{background:#fde2e2}.matrix td.read{background:#e6f4ea}.matrix td.none{color:#999}`;
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Governance audit of ${h(report.stack)}</title><style>${style}</style></head><body>${sections.join("\n")}</body></html>\n`;
}

export function renderAudit(report: AuditReport, format: AuditFormat): string {
  switch (format) {
    case "text":
      return renderAuditText(report);
    case "json":
      return `${JSON.stringify(report, null, 2)}\n`;
    case "md":
      return renderAuditMarkdown(report);
    case "html":
      return renderAuditHtml(report);
  }
}
