import { DEFAULT_DATE_FORMATS, DEFAULT_TIMESTAMP_FORMATS, parseColumnType, ColumnType } from "../model/contracts";
import { headerKey } from "../model/text";
import { DatasetDocuments, isJsonObject, Json, JsonObject } from "./documents";

/**
 * The breaking-change gate: what changed between two versions of the model, and whether each
 * change can break someone who relied on the old one. A change is breaking when exports that
 * loaded before may now be refused or read differently (producers), or when a reader of the lake
 * loses something it used (a column, a key, a PII protection). Readers include Glue, Athena and
 * Spectrum: a type that only widens is compatible. docs/contracts.md lists every rule.
 */
export type Compatibility = "breaking" | "compatible";

export interface ContractChange {
  readonly dataset: string;
  /** The file it is about, relative to the model: contracts/<dataset>.json or quality-rules/<dataset>.json. */
  readonly file: string;
  /** JSON Pointer in that file (column and rule entries named by their name or id, not their index). */
  readonly path: string;
  /** A stable name of the kind of change, e.g. column-removed, type-narrowed. */
  readonly change: string;
  readonly compatibility: Compatibility;
  readonly message: string;
}

export interface DatasetVerdict {
  readonly dataset: string;
  readonly oldVersion: string | undefined;
  readonly newVersion: string | undefined;
  readonly changes: readonly ContractChange[];
  readonly breaking: number;
  /** Breaking changes declared by a higher major version (or none to declare). */
  readonly declared: boolean;
  /** Why the breaking changes are not declared, and how to declare them. */
  readonly advice: string | undefined;
}

export interface ModelDiff {
  readonly datasets: readonly DatasetVerdict[];
  readonly breaking: number;
  /** Breaking changes no major version bump declares: exit 1. */
  readonly undeclared: number;
}

const major = (version: string | undefined): number => {
  const m = /^(\d+)\./.exec(version ?? "");
  return m ? Number(m[1]) : 0;
};

const same = (a: Json | undefined, b: Json | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);
const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);
const text = (value: Json | undefined): string => (value === undefined ? "(none)" : JSON.stringify(value));
const esc = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** Every value of type `from` is a value of type `to`. */
export function widens(from: ColumnType, to: ColumnType): boolean {
  if (to.kind === "string") return true;
  if (from.kind === "decimal" && to.kind === "decimal") return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
  if (from.kind === "integer" && to.kind === "decimal") return to.precision - to.scale >= 19;
  if (from.kind === "decimal" && to.kind === "integer") return from.scale === 0 && from.precision <= 18;
  if (from.kind === "date" && to.kind === "timestamp") return true;
  return from.kind === to.kind && from.kind !== "decimal";
}

function typeOf(name: Json | undefined): ColumnType | undefined {
  try {
    return typeof name === "string" ? parseColumnType(name) : undefined;
  } catch {
    return undefined;
  }
}

/** Known contract fields; any other field is judged by `unknownField`. */
const CONTRACT_FIELDS_COMPARED = new Set(["$schema", "name", "version", "status", "description", "key", "columns", "file_names", "date_formats", "timestamp_formats"]);
const COLUMN_FIELDS_COMPARED = new Set(["name", "type", "description", "required", "pii", "aliases", "values"]);

class ChangeList {
  readonly changes: ContractChange[] = [];

  constructor(readonly dataset: string) {}

  add(file: "contracts" | "quality-rules", path: string, change: string, compatibility: Compatibility, message: string): void {
    this.changes.push({ dataset: this.dataset, file: `${file}/${this.dataset}.json`, path, change, compatibility, message });
  }

  /** Lists of accepted inputs (header aliases, file names, formats): dropping one refuses what was accepted; adding one is compatible. */
  acceptedInputs(file: "contracts", path: string, what: string, before: Json[], after: Json[]): void {
    const removed = before.filter((v) => !after.some((a) => same(a, v)));
    const added = after.filter((v) => !before.some((b) => same(b, v)));
    if (removed.length > 0) this.add(file, path, `${what.replace(/ /g, "-")}-removed`, "breaking", `${what} ${removed.map((v) => JSON.stringify(v)).join(", ")} no longer accepted: exports using ${removed.length > 1 ? "them" : "it"} are refused or read differently`);
    if (added.length > 0) this.add(file, path, `${what.replace(/ /g, "-")}-added`, "compatible", `${what} ${added.map((v) => JSON.stringify(v)).join(", ")} now accepted too`);
  }

  /** A field this gate does not know: it cannot tell a compatible change from a breaking one, so any change needs declaring. */
  unknownField(file: "contracts", path: string, field: string, before: Json | undefined, after: Json | undefined): void {
    if (same(before, after)) return;
    const how = before === undefined ? "added" : after === undefined ? "removed" : "changed";
    this.add(file, path, `field-${how}`, "breaking", `${field} ${how} (${text(before)} → ${text(after)}): lake contract diff cannot tell whether this is compatible, so it counts as breaking (declare it with a major version; src/contract/diff.ts judges known fields)`);
  }
}

function diffColumns(c: ChangeList, before: JsonObject[], after: JsonObject[], newKey: readonly string[]): void {
  const byName = (cols: JsonObject[]) => new Map(cols.map((col) => [String(col.name), col]));
  const old = byName(before);
  const now = byName(after);
  for (const name of old.keys()) {
    if (now.has(name)) continue;
    const renamedTo = after.find((a) => !old.has(String(a.name)) && list(a.aliases).some((alias) => typeof alias === "string" && headerKey(alias) === headerKey(name)));
    if (renamedTo) c.add("contracts", `/columns/${esc(name)}`, "column-renamed", "breaking", `column ${name} renamed to ${String(renamedTo.name)}: readers of ${name} break`);
    else c.add("contracts", `/columns/${esc(name)}`, "column-removed", "breaking", `column ${name} removed: readers of it break`);
  }
  for (const [name, col] of now) {
    const path = `/columns/${esc(name)}`;
    const was = old.get(name);
    if (!was) {
      const renamed = before.some((b) => !now.has(String(b.name)) && list(col.aliases).some((a) => typeof a === "string" && headerKey(a) === headerKey(String(b.name))));
      if (renamed) continue;
      const required = col.required === true || newKey.includes(name);
      c.add("contracts", path, required ? "required-column-added" : "column-added", required ? "breaking" : "compatible", required ? `required column ${name} added: exports without it are refused` : `column ${name} added (optional)`);
      continue;
    }
    const from = typeOf(was.type);
    const to = typeOf(col.type);
    if (!same(was.type, col.type)) {
      if (from && to && widens(from, to)) c.add("contracts", `${path}/type`, "type-widened", "compatible", `${name}: ${String(was.type)} → ${String(col.type)} widens the type (every old value still fits; readers see the new type)`);
      else c.add("contracts", `${path}/type`, "type-narrowed", "breaking", `${name}: ${String(was.type)} → ${String(col.type)} is not a widening: values that loaded before may no longer fit, and readers get another type`);
    }
    const wasRequired = was.required === true;
    const isRequired = col.required === true;
    if (!wasRequired && isRequired) c.add("contracts", `${path}/required`, "required-added", "breaking", `${name} is now required: rows without it are quarantined`);
    if (wasRequired && !isRequired) c.add("contracts", `${path}/required`, "required-removed", "compatible", `${name} is no longer required`);
    if (was.pii === true && col.pii !== true) c.add("contracts", `${path}/pii`, "pii-removed", "breaking", `${name} is no longer PII: analysts will see it unmasked`);
    if (was.pii !== true && col.pii === true) c.add("contracts", `${path}/pii`, "pii-added", "compatible", `${name} is now PII: hidden from analysts, masked in reports`);
    if (!same(was.description, col.description)) c.add("contracts", `${path}/description`, "description-changed", "compatible", `${name}: description changed`);
    c.acceptedInputs("contracts", `${path}/aliases`, "header alias", list(was.aliases), list(col.aliases));
    diffValues(c, `${path}/values`, name, was.values, col.values);
    for (const field of new Set([...Object.keys(was), ...Object.keys(col)])) {
      if (!COLUMN_FIELDS_COMPARED.has(field)) c.unknownField("contracts", `${path}/${esc(field)}`, `${name}.${field}`, was[field], col[field]);
    }
  }
  const order = (cols: JsonObject[]) => cols.map((col) => String(col.name)).filter((n) => old.has(n) && now.has(n));
  if (!same(order(before), order(after))) c.add("contracts", "/columns", "columns-reordered", "compatible", "columns reordered (tables are read by column name)");
}

function diffValues(c: ChangeList, path: string, column: string, before: Json | undefined, after: Json | undefined): void {
  if (same(before, after)) return;
  const old = isJsonObject(before) ? before : undefined;
  const now = isJsonObject(after) ? after : undefined;
  if (!old || !now) {
    c.add("contracts", path, now ? "value-map-added" : "value-map-removed", "breaking", `${column}: value normalisation ${now ? "added" : "removed"}: the stored values change (e.g. a spelling is ${now ? "now" : "no longer"} replaced by its canonical value)`);
    return;
  }
  for (const canonical of Object.keys(old)) {
    if (!(canonical in now)) {
      c.add("contracts", `${path}/${esc(canonical)}`, "accepted-values-narrowed", "breaking", `${column}: value ${canonical} removed: its spellings are no longer normalised`);
      continue;
    }
    const removed = list(old[canonical]).filter((s) => !list(now[canonical]).some((n) => same(n, s)));
    if (removed.length > 0) c.add("contracts", `${path}/${esc(canonical)}`, "value-spelling-removed", "breaking", `${column}: ${removed.map((s) => JSON.stringify(s)).join(", ")} no longer normalised to ${canonical}`);
    const added = list(now[canonical]).filter((s) => !list(old[canonical]).some((o) => same(o, s)));
    if (added.length > 0) c.add("contracts", `${path}/${esc(canonical)}`, "value-spelling-added", "compatible", `${column}: ${added.map((s) => JSON.stringify(s)).join(", ")} now normalised to ${canonical}`);
  }
  for (const canonical of Object.keys(now)) {
    if (!(canonical in old)) c.add("contracts", `${path}/${esc(canonical)}`, "value-added", "compatible", `${column}: value ${canonical} added`);
  }
}

function diffContract(c: ChangeList, before: JsonObject, after: JsonObject): void {
  if (!same(before.key, after.key)) c.add("contracts", "/key", "key-changed", "breaking", `key ${text(before.key)} → ${text(after.key)}: curated rows are identified differently`);
  if (!same(before.description, after.description)) c.add("contracts", "/description", "description-changed", "compatible", "description changed");
  const status = (d: JsonObject) => (typeof d.status === "string" ? d.status : "active");
  if (status(before) !== status(after)) c.add("contracts", "/status", "status-changed", "compatible", `status ${status(before)} → ${status(after)}`);
  c.acceptedInputs("contracts", "/file_names", "file name", list(before.file_names), list(after.file_names));
  const formats = (d: JsonObject, field: string, defaults: readonly string[]) => (Array.isArray(d[field]) ? (d[field] as Json[]) : [...defaults]);
  c.acceptedInputs("contracts", "/date_formats", "date format", formats(before, "date_formats", DEFAULT_DATE_FORMATS), formats(after, "date_formats", DEFAULT_DATE_FORMATS));
  c.acceptedInputs("contracts", "/timestamp_formats", "timestamp format", formats(before, "timestamp_formats", DEFAULT_TIMESTAMP_FORMATS), formats(after, "timestamp_formats", DEFAULT_TIMESTAMP_FORMATS));
  diffColumns(c, list(before.columns).filter(isJsonObject), list(after.columns).filter(isJsonObject), list(after.key).map(String));
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!CONTRACT_FIELDS_COMPARED.has(field)) c.unknownField("contracts", `/${esc(field)}`, field, before[field], after[field]);
  }
}

const rulesOf = (doc: JsonObject | undefined): JsonObject[] => list(doc?.rules).filter(isJsonObject);

/** What error-severity rules without a filter let through for one column: accepted values and range bounds. */
function domain(rules: readonly JsonObject[], column: string): { values: Json[] | undefined; min: Json | undefined; max: Json | undefined } {
  const applicable = rules.filter((r) => r.column === column && r.severity === "error" && r.where === undefined);
  let values: Json[] | undefined;
  for (const r of applicable.filter((r) => r.kind === "accepted_values")) {
    const allowed = list(r.values);
    values = values === undefined ? allowed : values.filter((v) => allowed.some((a) => same(a, v)));
  }
  const bounds = applicable.filter((r) => r.kind === "range");
  const pick = (key: "min" | "max", better: (a: Json, b: Json) => boolean): Json | undefined =>
    bounds.map((r) => r[key]).filter((v): v is Json => v !== undefined && v !== null).reduce<Json | undefined>((best, v) => (best === undefined || better(v, best) ? v : best), undefined);
  return { values, min: pick("min", (a, b) => (a as number | string) > (b as number | string)), max: pick("max", (a, b) => (a as number | string) < (b as number | string)) };
}

function diffRules(c: ChangeList, before: JsonObject | undefined, after: JsonObject | undefined, columns: readonly string[]): void {
  const old = rulesOf(before);
  const now = rulesOf(after);
  const oldById = new Map(old.map((r) => [String(r.id), r]));
  const newById = new Map(now.map((r) => [String(r.id), r]));
  for (const [id, r] of oldById) if (!newById.has(id)) c.add("quality-rules", `/rules/${esc(id)}`, "rule-removed", "compatible", `rule ${id} (${String(r.kind)}, ${String(r.severity)}) removed`);
  for (const [id, r] of newById) {
    const was = oldById.get(id);
    if (!was) c.add("quality-rules", `/rules/${esc(id)}`, "rule-added", "compatible", `rule ${id} (${String(r.kind)}, ${String(r.severity)}) added`);
    else if (!same(was, r)) {
      const fields = [...new Set([...Object.keys(was), ...Object.keys(r)])].filter((f) => !same(was[f], r[f]));
      c.add("quality-rules", `/rules/${esc(id)}`, "rule-changed", "compatible", `rule ${id}: ${fields.map((f) => `${f} ${text(was[f])} → ${text(r[f])}`).join("; ")}`);
    }
  }
  for (const column of columns) {
    const a = domain(old, column);
    const b = domain(now, column);
    if (b.values !== undefined) {
      const dropped = a.values === undefined ? undefined : a.values.filter((v) => !b.values?.some((n) => same(n, v)));
      if (dropped === undefined) c.add("quality-rules", `/columns/${esc(column)}/accepted_values`, "accepted-values-narrowed", "breaking", `${column}: values are now restricted to ${text(b.values)} (an error rule): loads with other values fail`);
      else if (dropped.length > 0) c.add("quality-rules", `/columns/${esc(column)}/accepted_values`, "accepted-values-narrowed", "breaking", `${column}: ${dropped.map((v) => JSON.stringify(v)).join(", ")} no longer accepted (an error rule): loads with ${dropped.length > 1 ? "them" : "it"} fail`);
    }
    const tighter = (key: "min" | "max"): boolean => {
      const x = a[key];
      const y = b[key];
      if (y === undefined) return false;
      if (x === undefined) return true;
      return key === "min" ? (y as number | string) > (x as number | string) : (y as number | string) < (x as number | string);
    };
    for (const key of ["min", "max"] as const) {
      if (tighter(key)) c.add("quality-rules", `/columns/${esc(column)}/range/${key}`, "range-narrowed", "breaking", `${column}: ${key} ${text(a[key])} → ${text(b[key])} (an error rule): values that passed may now fail the load`);
    }
  }
}

/** Compares two versions of the model, dataset by dataset. */
export function diffModels(before: readonly DatasetDocuments[], after: readonly DatasetDocuments[]): ModelDiff {
  const names = [...new Set([...before.map((d) => d.dataset), ...after.map((d) => d.dataset)])].sort();
  const datasets = names.map((dataset): DatasetVerdict => {
    const was = before.find((d) => d.dataset === dataset);
    const now = after.find((d) => d.dataset === dataset);
    const c = new ChangeList(dataset);
    const oldVersion = typeof was?.contract.version === "string" ? was.contract.version : undefined;
    const newVersion = typeof now?.contract.version === "string" ? now.contract.version : undefined;
    if (!now) {
      const retired = was?.contract.status === "deprecated" || was?.contract.status === "retired";
      c.add("contracts", "/", "dataset-removed", retired ? "compatible" : "breaking", retired ? `dataset removed (its contract was ${String(was?.contract.status)})` : "dataset removed: its readers and producers break");
      const breaking = c.changes.filter((x) => x.compatibility === "breaking").length;
      return { dataset, oldVersion, newVersion, changes: c.changes, breaking, declared: breaking === 0, advice: breaking === 0 ? undefined : `a dataset is removed in two steps: first mark its contract "status": "deprecated" (or "retired") and land that, then remove it` };
    }
    if (!was) {
      c.add("contracts", "/", "dataset-added", "compatible", `dataset added (version ${newVersion ?? "none"})`);
      return { dataset, oldVersion, newVersion, changes: c.changes, breaking: 0, declared: true, advice: undefined };
    }
    diffContract(c, was.contract, now.contract);
    diffRules(c, was.rules, now.rules, list(now.contract.columns).filter(isJsonObject).map((col) => String(col.name)));
    if (major(newVersion) < major(oldVersion)) c.add("contracts", "/version", "version-lowered", "breaking", `version ${oldVersion ?? "none"} → ${newVersion ?? "none"} goes back a major version`);
    const breaking = c.changes.filter((x) => x.compatibility === "breaking").length;
    const bumped = major(newVersion) > major(oldVersion);
    const declared = breaking === 0 || (bumped && !c.changes.some((x) => x.change === "version-lowered"));
    const next = `${major(oldVersion) + 1}.0.0`;
    return {
      dataset,
      oldVersion,
      newVersion,
      changes: c.changes,
      breaking,
      declared,
      advice: declared ? undefined : `declare the breaking change${breaking > 1 ? "s" : ""} by raising the major version of contracts/${dataset}.json ("version": "${next}"), or undo ${breaking > 1 ? "them" : "it"}`,
    };
  });
  const breaking = datasets.reduce((n, d) => n + d.breaking, 0);
  const undeclared = datasets.filter((d) => !d.declared).reduce((n, d) => n + d.breaking, 0);
  return { datasets, breaking, undeclared };
}

export type DiffFormat = "text" | "md" | "json";

const versions = (d: DatasetVerdict): string => (d.oldVersion === d.newVersion ? (d.newVersion ?? "no version") : `${d.oldVersion ?? "none"} → ${d.newVersion ?? "none"}`);

function verdictLine(diff: ModelDiff): string {
  if (diff.undeclared > 0) {
    const where = diff.datasets.filter((d) => !d.declared).map((d) => d.dataset);
    return `FAIL: ${diff.undeclared} breaking change${diff.undeclared > 1 ? "s" : ""} not declared by a major version (${where.join(", ")})`;
  }
  return diff.breaking > 0 ? `ok: ${diff.breaking} breaking change${diff.breaking > 1 ? "s" : ""}, each declared by a major version` : "ok: no breaking change";
}

/** The diff as text (terminal, CI log), Markdown (a pull request comment) or JSON (tools). */
export function renderDiff(diff: ModelDiff, format: DiffFormat, from: string, to: string): string {
  if (format === "json") {
    return `${JSON.stringify(
      {
        from,
        to,
        verdict: diff.undeclared > 0 ? "fail" : "ok",
        breaking: diff.breaking,
        undeclared: diff.undeclared,
        datasets: diff.datasets.map((d) => ({
          name: d.dataset,
          old_version: d.oldVersion ?? null,
          new_version: d.newVersion ?? null,
          breaking: d.breaking,
          declared: d.declared,
          advice: d.advice ?? null,
          changes: d.changes.map((c) => ({ file: c.file, path: c.path, change: c.change, compatibility: c.compatibility, message: c.message })),
        })),
      },
      null,
      2,
    )}\n`;
  }
  if (format === "md") {
    const lines = [`## Contract changes: \`${from}\` → \`${to}\``, "", `**${verdictLine(diff)}**`, ""];
    for (const d of diff.datasets) {
      lines.push(`### ${d.dataset} (${versions(d)})`, "");
      if (d.changes.length === 0) {
        lines.push("No changes.", "");
        continue;
      }
      if (d.advice) lines.push(`> ${d.advice}`, "");
      lines.push("| | change | where | what |", "|---|---|---|---|");
      for (const c of d.changes) lines.push(`| ${c.compatibility === "breaking" ? "**breaking**" : "compatible"} | ${c.change} | \`${c.file}\` \`${c.path}\` | ${c.message.replace(/\|/g, "\\|")} |`);
      lines.push("");
    }
    return `${lines.join("\n")}\n`;
  }
  const lines = [`contract changes ${from} → ${to}`];
  for (const d of diff.datasets) {
    const compatible = d.changes.length - d.breaking;
    lines.push(`${d.dataset} ${versions(d)}: ${d.changes.length === 0 ? "no changes" : `${d.breaking} breaking, ${compatible} compatible`}${d.breaking > 0 ? (d.declared ? " (declared by the major version)" : " (NOT declared)") : ""}`);
    for (const c of d.changes) lines.push(`  ${c.compatibility === "breaking" ? "breaking  " : "compatible"}  ${c.file} ${c.path}: ${c.message}`);
    if (d.advice) lines.push(`  -> ${d.advice}`);
  }
  lines.push(verdictLine(diff));
  return `${lines.join("\n")}\n`;
}
