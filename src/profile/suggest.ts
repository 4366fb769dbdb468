import { Column, Contract } from "../model/contracts";
import { formatCount, formatPercent } from "../report/format";
import { generalisePattern } from "./patterns";
import type { ColumnProfile, DatasetProfile, LakeProfile, ReferenceCandidate } from "./types";

/**
 * Rules suggested from a profile (`lake rules suggest`): only kinds and fields of the rules schema,
 * each rule's description saying what was observed, over how many rows and loads, and why it has
 * its severity. error where the contract declares the fact (key, type, enum values, required) or
 * the structure is unambiguous (a value that is a key of another dataset, a quantity never
 * negative); warn for every bound inferred from the data (ranges, patterns, value lists,
 * completeness, row counts). The decisions are in docs/profiling.md.
 */

export type SuggestedRule = Readonly<Record<string, unknown>> & { readonly id: string; readonly kind: string; readonly severity: "error" | "warn"; readonly description: string };

export interface SuggestedRuleFile {
  readonly dataset: string;
  readonly description: string;
  readonly rules: readonly SuggestedRule[];
}

/** Rows per load, oldest first, for row_count bands; usually more loads than the profile's window. */
export type RowHistory = ReadonlyMap<string, readonly { readonly load_date: string; readonly rows: number }[]>;

/** A plain-text column with at most this many distinct values (and at least this many rows per value) gets an accepted_values warning. */
export const LOW_CARDINALITY = 20;
const ROWS_PER_VALUE = 10;
/** Ranges widen the observed span by this share on each side. */
export const RANGE_MARGIN = 0.25;
/** Values longer than this are text, not codes: no pattern is suggested for them. */
export const PATTERN_MAX_LENGTH = 64;
/** Values needed before a magnitude range is suggested: the largest of fewer says little about the next load's. */
export const RANGE_MIN_VALUES = 30;
/** Completeness bounds sit this far below the lowest ratio observed. */
export const COMPLETENESS_MARGIN = 0.05;
/** A completeness baseline allows the ratio this share (relative) below the lowest of the earlier loads. */
export const BASELINE_COMPLETENESS_DROP = 0.1;
/** Loads needed before a row count band has fixed bounds, and earlier loads a baseline needs before it is compared. */
export const BAND_MIN_LOADS = 3;
/** Earlier loads a suggested baseline is taken over (DQDL: last(10)). */
export const BASELINE_LOADS = 10;
const DAY_MS = 86_400_000;

/** Rounds to two significant digits, away from the observed values (down for a lower bound, up for an upper). */
export function roundOutward(value: number, direction: "down" | "up", integer: boolean): number {
  if (value === 0) return 0;
  const step = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 1);
  const unit = integer ? Math.max(1, step) : step;
  const rounded = direction === "down" ? Math.floor(value / unit) * unit : Math.ceil(value / unit) * unit;
  return Number(rounded.toPrecision(12));
}

/** "60 rows of load 2026-01-05", "57,000 rows of 3 loads (2026-01-01 to 2026-01-03)". */
function windowWords(d: DatasetProfile): string {
  const dates = d.loads.map((l) => l.load_date);
  const loads = dates.length === 1 ? `load ${dates[0]}` : `${dates.length} loads (${dates[0]} to ${dates[dates.length - 1]})`;
  return `${formatCount(d.rows)} rows of ${loads}`;
}

const listed = (values: readonly { value: string; count: number }[], limit = 8): string =>
  values.slice(0, limit).map((v) => `${v.value} (${formatCount(v.count)})`).join(", ") + (values.length > limit ? ", ..." : "");

/** A key candidate of a type identifiers have: measured decimals are often all distinct without being keys. */
const identifierLike = (column: Column, p: ColumnProfile): boolean => p.key_candidate && (column.type.kind === "string" || column.type.kind === "integer");

class DatasetSuggestions {
  readonly rules: SuggestedRule[] = [];

  constructor(
    private readonly contract: Contract,
    private readonly profile: DatasetProfile,
    private readonly history: readonly { load_date: string; rows: number }[],
  ) {}

  private add(column: string | undefined, suffix: string, kind: string, severity: "error" | "warn", fields: Record<string, unknown>, description: string): void {
    const id = [this.contract.name, column, suffix].filter((p) => p !== undefined).join(".");
    this.rules.push({ id, kind, ...fields, severity, description: `${description}.` });
  }

  private get observed(): string {
    return windowWords(this.profile);
  }

  rowCount(): void {
    const rows = this.history.map((h) => h.rows);
    const everyLoad = rows.every((r) => r > 0);
    if (everyLoad) {
      const seen = rows.length === 1 ? `The load seen had ${formatCount(rows[0])} rows` : `Every one of the ${rows.length} loads seen had rows (${formatCount(Math.min(...rows))} to ${formatCount(Math.max(...rows))})`;
      this.add(undefined, "row_count", "row_count", "error", { min: 1 }, `${seen}; a load without any is a failed export`);
    }
    // The baseline follows the volumes of the loads checked with this rule from now on; the fixed
    // band (from the loads already in the lake) judges until enough of them are kept.
    const baseline = { loads: BASELINE_LOADS, min_loads: BAND_MIN_LOADS, statistic: "median", min_factor: 0.5, max_factor: 2 };
    const followed = `and against the median of the last ${BASELINE_LOADS} loads checked with this rule whose dataset did not fail (from ${BAND_MIN_LOADS} of them): under half or over twice it is unusual. A warning: volumes change`;
    if (rows.length < BAND_MIN_LOADS) {
      const seen = rows.length === 1 ? `The load seen had ${formatCount(rows[0])} rows` : `The ${rows.length} loads seen had ${rows.map(formatCount).join(" and ")} rows`;
      this.add(undefined, "row_count_band", "row_count", "warn", { baseline },
        `${seen}, too few loads for a band (${BAND_MIN_LOADS} needed): the row count is judged only ${followed}; skipped, saying so, until then`);
      return;
    }
    const sorted = [...rows].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const min = Math.floor(sorted[0] / 2);
    const max = Math.ceil(sorted[sorted.length - 1] * 2);
    this.add(undefined, "row_count_band", "row_count", "warn", { min, max, baseline },
      `Rows per load over the last ${rows.length} loads (${this.history[0].load_date} to ${this.history[this.history.length - 1].load_date}): ${formatCount(sorted[0])} to ${formatCount(sorted[sorted.length - 1])}, median ${formatCount(median)}; ` +
        `judged against half the fewest and twice the most, ${followed}`);
  }

  presence(column: Column, p: ColumnProfile): void {
    const declared = column.required || this.contract.key.includes(column.name);
    if (declared || p.present === p.rows) {
      const seen = p.present === p.rows ? `Present in every one of the ${this.observed}` : `Missing in ${formatCount(p.rows - p.present)} of the ${this.observed}`;
      this.add(column.name, "not_null", "not_null", declared ? "error" : "warn", { column: column.name },
        `${seen}; ` + (declared ? "the contract requires it" : "a warning, because the contract does not require it"));
      return;
    }
    const ratios = p.loads.filter((l) => l.rows > 0).map((l) => l.present / l.rows);
    const lowest = Math.min(...ratios);
    const minRatio = Math.floor((lowest - COMPLETENESS_MARGIN) * 100) / 100;
    if (minRatio <= 0) return;
    const baseline = { loads: BASELINE_LOADS, min_loads: BAND_MIN_LOADS, statistic: "min", min_factor: 1 - BASELINE_COMPLETENESS_DROP };
    this.add(column.name, "completeness", "completeness", "warn", { column: column.name, min_ratio: minRatio, baseline },
      `Present in ${formatPercent(p.present / p.rows)} of the ${this.observed}` + (ratios.length > 1 ? ` (lowest load ${formatPercent(lowest)}, highest ${formatPercent(Math.max(...ratios))})` : "") +
        `; fewer than ${formatPercent(minRatio)} is unusual, and so is a ratio under ${formatPercent(1 - BASELINE_COMPLETENESS_DROP)} of the lowest of the last ${BASELINE_LOADS} loads checked with this rule whose dataset did not fail (from ${BAND_MIN_LOADS} of them)`);
  }

  type(column: Column, p: ColumnProfile): void {
    if (column.type.kind === "string") return;
    const typed = p.typed ?? 0;
    this.add(column.name, "type", "type", "error", { column: column.name },
      `Declared ${column.typeName}: ${formatCount(typed)} of the ${formatCount(p.present)} present values in the ${this.observed} typed` + (typed < p.present ? ` (${listed(p.nonconforming, 5)} did not)` : ""));
  }

  values(column: Column, p: ColumnProfile, referencing: boolean): boolean {
    if (column.valueMap.size > 0) {
      const canonical = [...new Set(column.valueMap.values())];
      const unknown = p.nonconforming.length > 0 ? `; values the contract does not know: ${listed(p.nonconforming, 5)} (add them to its values map if they are legitimate)` : "";
      this.add(column.name, "accepted_values", "accepted_values", "error", { column: column.name, values: canonical },
        `The contract's canonical values; observed in the ${this.observed}: ${listed(p.top_values ?? [])}${unknown}`);
      return true;
    }
    // A column that references another dataset's key takes new values as that dataset grows: its references rule judges them.
    if (column.type.kind !== "string" || p.masked || p.top_values === null || p.key_candidate || referencing) return false;
    if (p.distinct === 0 || p.distinct > LOW_CARDINALITY || p.present < p.distinct * ROWS_PER_VALUE || p.top_values.length < p.distinct) return false;
    this.add(column.name, "accepted_values", "accepted_values", "warn", { column: column.name, values: p.top_values.map((v) => v.value).sort() },
      `Only ${p.distinct} distinct values in the ${this.observed}: ${listed(p.top_values, LOW_CARDINALITY)}; a new value is worth a look. A warning: the list is what was seen, not what the contract declares`);
    return true;
  }

  unique(column: Column, p: ColumnProfile, referencing: boolean): void {
    if (this.contract.key.length === 1 && this.contract.key[0] === column.name) return;
    // A column naming another dataset's keys repeats them as soon as one counterparty trades twice, however unique a small load looks.
    if (referencing || !identifierLike(column, p) || p.characters.space > 0 || p.characters.digits === 0 || p.rows < 2) return;
    this.add(column.name, "unique", "unique", "warn", { columns: [column.name] },
      `Present and unique within each load in the ${this.observed}, like a key (${p.shapes.top.slice(0, 3).map((s) => s.shape).join(", ")}); a warning, because the contract's key is ${this.contract.key.join(", ")}`);
  }

  key(): void {
    const d = this.profile;
    const repeats = d.loads.reduce((sum, l) => sum + l.key_present - l.key_distinct, 0);
    const columns = this.contract.key;
    this.add(columns.join("_"), "unique", "unique", "error", { columns: [...columns] },
      `The contract's key; ${repeats === 0 ? "unique within each load" : `${formatCount(repeats)} repeated keys`} in the ${this.observed}`);
  }

  ranges(column: Column, p: ColumnProfile): void {
    const kind = column.type.kind;
    if (p.min === null || p.max === null) return;
    if (kind === "integer" || kind === "decimal") {
      const [min, max] = [Number(p.min), Number(p.max)];
      const integer = kind === "integer";
      const nonNegative = min >= 0;
      if (nonNegative) {
        this.add(column.name, "non_negative", "range", "error", { column: column.name, min: 0 },
          `No negative value in the ${this.observed} (smallest ${formatCount(min)}); a negative one is a sign error whatever the scale`);
      }
      // Identifiers grow with every load: a bound on their magnitude would warn on the next one.
      if (p.present < RANGE_MIN_VALUES || identifierLike(column, p) || this.contract.key.includes(column.name)) return;
      const margin = max > min ? (max - min) * RANGE_MARGIN : Math.max(Math.abs(max) * RANGE_MARGIN, 1);
      let lower: number | undefined = roundOutward(min - margin, "down", integer);
      if (nonNegative && lower <= 0) lower = undefined;
      const upper = roundOutward(max + margin, "up", integer);
      const bounds: Record<string, number> = lower === undefined ? { max: upper } : { min: lower, max: upper };
      this.add(column.name, "range", "range", "warn", { column: column.name, ...bounds },
        `Observed ${formatCount(min)} to ${formatCount(max)} in the ${this.observed}, widened by ${formatPercent(RANGE_MARGIN)} of that span; the scale is the data's (a currency, a unit), so a value outside is a warning`);
      return;
    }
    if (kind === "date" || kind === "timestamp") {
      const [first, last] = [Date.parse(`${String(p.min).slice(0, 10)}T00:00:00Z`), Date.parse(`${String(p.max).slice(0, 10)}T00:00:00Z`)];
      const earliest = new Date(first - Math.max(365 * DAY_MS, last - first));
      const min = `${earliest.getUTCFullYear()}-01-01`;
      this.add(column.name, "range", "range", "warn", { column: column.name, min },
        `Observed ${String(p.min).slice(0, 10)} to ${String(p.max).slice(0, 10)} in the ${this.observed}; a date before ${min} is likely a typo. No upper bound: dates move forward with every load`);
    }
  }

  pattern(column: Column, p: ColumnProfile): void {
    if (column.type.kind !== "string" || column.valueMap.size > 0) return;
    if (p.present === 0 || p.characters.non_ascii > 0 || p.characters.space > 0 || (p.length?.max ?? 0) > PATTERN_MAX_LENGTH) return;
    const pattern = generalisePattern(p.shapes);
    if (pattern === undefined) return;
    this.add(column.name, "pattern", "pattern", "warn", { column: column.name, pattern },
      `Every value of the ${this.observed} has one of the shapes ${p.shapes.top.map((s) => `${s.shape} (${formatCount(s.count)})`).join(", ")}; generalised to any width. A warning: the contract declares no format`);
  }

  references(candidate: ReferenceCandidate, conditionColumn: Column | undefined): void {
    const share = (found: number, rows: number) => `${formatCount(found)} of ${formatCount(rows)} (${formatPercent(rows === 0 ? 0 : found / rows)})`;
    if (candidate.form === "all") {
      const t = candidate.target;
      this.add(candidate.column, "references", "references", "error", { column: candidate.column, targets: [{ dataset: t.dataset, column: t.column }] },
        `In the ${this.observed}, ${share(t.found, candidate.rows)} rows with a ${candidate.column} name a ${t.dataset}.${t.column}; a value that is not one is an orphan`);
      return;
    }
    const literal = (value: string): string | boolean => (conditionColumn?.type.kind === "boolean" ? value === "true" : value);
    const targets = candidate.branches.map((b) => ({ when: { column: candidate.condition, equals: literal(b.value) }, dataset: b.target.dataset, column: b.target.column }));
    const found = candidate.branches.map((b) => `when ${candidate.condition} is ${b.value}, ${share(b.target.found, b.rows)} name a ${b.target.dataset}.${b.target.column}`).join("; ");
    this.add(candidate.column, "references", "references", "error", { column: candidate.column, targets },
      `In the ${this.observed}: ${found}; a value that is not one is an orphan`);
  }
}

/** The rule files suggested by a profile, one per dataset, in the shapes `lake rules validate` accepts. */
export function suggestRules(profile: LakeProfile, contracts: readonly Contract[], history: RowHistory = new Map()): SuggestedRuleFile[] {
  return profile.datasets.flatMap((d) => {
    const contract = contracts.find((c) => c.name === d.name);
    if (contract === undefined) return [];
    const rowHistory = history.get(d.name) ?? d.loads.map((l) => ({ load_date: l.load_date, rows: l.rows }));
    const s = new DatasetSuggestions(contract, d, rowHistory);
    s.rowCount();
    s.key();
    for (const column of contract.columns) {
      const p = d.columns.find((c) => c.in_contract && c.name === column.name);
      if (p === undefined || p.present === 0) continue;
      s.presence(column, p);
      s.type(column, p);
      s.ranges(column, p);
      const references = d.reference_candidates.filter((r) => r.column === column.name);
      const listedValues = s.values(column, p, references.length > 0);
      s.unique(column, p, references.length > 0);
      if (!listedValues) s.pattern(column, p);
      for (const r of references) {
        s.references(r, r.form === "conditional" ? contract.columns.find((c) => c.name === r.condition) : undefined);
      }
    }
    const dates = profile.load_dates;
    return [{
      dataset: d.name,
      description: `Suggested by lake rules suggest from ${formatCount(d.rows)} rows of ${dates.length === 1 ? `load ${dates[0]}` : `loads ${dates[0]} to ${dates[dates.length - 1]}`} of ${profile.lake}; review each rule before adopting it.`,
      rules: s.rules,
    }];
  });
}

/** JSON on one line with a space after each separator, as the shipped rule files are written. */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** A rule file as a person would write it: one rule per line. */
export function ruleFileJson(file: SuggestedRuleFile, schemaPath: string): string {
  const head = [`"$schema": ${JSON.stringify(schemaPath)}`, `"dataset": ${JSON.stringify(file.dataset)}`, `"description": ${JSON.stringify(file.description)}`];
  return `{\n${head.map((h) => `  ${h},`).join("\n")}\n  "rules": [\n${file.rules.map((r) => `    ${inlineJson(r)}`).join(",\n")}\n  ]\n}\n`;
}
