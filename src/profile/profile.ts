import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LakeInputError } from "../errors";
import { Column, Contract, mapHeaders } from "../model/contracts";
import { headerKey } from "../model/text";
import { RuleSet, ruleColumns } from "../model/rules";
import { positionalColumn, readExport } from "../pipeline/csv-read";
import { LoadRecord, loadDates, readLoadRecords } from "../pipeline/load";
import { CheckTarget, duckdbTarget } from "../sql/batch-source";
import { duckdb as d } from "../sql/dialect";
import { presentName, rawName, typedViewSql } from "../sql/typed-view";
import type { CharacterClasses, ColumnProfile, DatasetLoadFigures, DatasetProfile, LakeProfile, ReferenceCandidate, ReferenceTarget, Shapes, ValueCount } from "./types";

/**
 * The profiler: per dataset, ONE query over the raw exports of the window's loads (read as the load
 * reads them, typed by the same typed view the rules judge) measures every column at once, plus a
 * hash join per possible reference (a text or integer column against another dataset's key).
 */

export interface ProfileOptions {
  readonly lakeDir: string;
  readonly contracts: readonly Contract[];
  /** The last load of the window. Default: the latest load in the lake. */
  readonly loadDate?: string;
  /** How many loads the window holds, ending at `loadDate`. Default 1. */
  readonly loads?: number;
  /** Only these datasets. Default: every dataset of the window's loads. */
  readonly datasets?: readonly string[];
  /** Rules whose ids are listed against the columns they check. */
  readonly ruleSets?: readonly RuleSet[];
  /** Created (in memory) when absent. */
  readonly connection?: DuckDBConnection;
}

/** Values listed per column (most frequent first) and shapes kept before a column is said to have too many. */
export const TOP_VALUES = 20;
export const SHAPES_LISTED = 30;
const NONCONFORMING_LISTED = 5;
/** Each character class and a pattern matching a value (or its shape) holding one. */
const CHARACTER_CLASSES: readonly [keyof CharacterClasses, string][] = [
  ["digits", "[0-9]"], ["upper", "\\p{Lu}"], ["lower", "\\p{Ll}"], ["space", "\\s"], ["punctuation", "[^\\p{L}\\p{N}\\s]"], ["non_ascii", "[^\\x{0}-\\x{7F}]"],
];
/** Letters other than upper and lower case first, so the marks written (A, a) are not replaced again. */
const LETTER_CLASSES: readonly [string, string][] = [["[\\p{Lo}\\p{Lm}\\p{Lt}]", "a"], ["\\p{Ll}", "a"], ["\\p{Lu}", "A"]];
/** Share of rows whose value must be a key of the target for the column to be a reference candidate: a few orphans do not hide it. */
export const REFERENCE_COVERAGE = 0.95;

interface WindowFile {
  readonly loadDate: string;
  readonly rawPath: string;
  readonly record: LoadRecord["files"][number];
}

/** One profiled column: a contract column, or a source header no contract column claims. */
interface Profiled {
  readonly index: number;
  readonly name: string;
  readonly column: Column | undefined;
  /** For a header no contract column claims: its name in the batch relation. */
  readonly extra: string | undefined;
  readonly headerKey: string;
}

interface Reference {
  readonly index: number;
  readonly from: Profiled;
  readonly dataset: string;
  readonly column: string;
}

const n = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);

/** The loads of the window, oldest first. */
export function profileWindow(lakeDir: string, loadDate: string | undefined, loads: number): string[] {
  if (!Number.isInteger(loads) || loads < 1) throw new LakeInputError(`--loads ${loads}: give a whole number of loads, at least 1`);
  const dates = loadDates(lakeDir);
  if (dates.length === 0) throw new LakeInputError(`${lakeDir}: no loads found in this lake; run \`lake run --input DIR --lake ${lakeDir}\` first`);
  const last = loadDate ?? dates[dates.length - 1];
  if (!dates.includes(last)) throw new LakeInputError(`${lakeDir}: no load on ${last}; loads in this lake: ${dates.join(", ")}`);
  return dates.filter((date) => date <= last).slice(-loads);
}

const isPlainText = (c: Column | undefined): boolean => c === undefined || (c.type.kind === "string" && c.valueMap.size === 0);
const isEnum = (c: Column | undefined): boolean => c !== undefined && c.valueMap.size > 0;
const isMasked = (p: Profiled): boolean => p.column === undefined || p.column.pii;
const canonicalValues = (c: Column): string[] => [...new Set(c.valueMap.values())].sort();

/** Every raw file of the window's loads as one relation: canonical text columns, headers no column claims, the load date and source file. */
async function rawBatchSql(contract: Contract, lakeDir: string, files: readonly WindowFile[], extras: readonly Profiled[], workDir: string): Promise<string> {
  const branches = await Promise.all(files.map(async (f, i) => {
    const { mapping } = mapHeaders(contract, f.record.headers);
    const columns = contract.columns.map((c) => {
      const at = mapping.indexOf(c.name);
      return `${at >= 0 ? d.ident(positionalColumn(at)) : "CAST(NULL AS VARCHAR)"} AS ${d.ident(c.name)}`;
    });
    const extraColumns = extras.map((e) => {
      const at = f.record.headers.findIndex((h, i) => mapping[i] === undefined && headerKey(h) === e.headerKey);
      return `${at >= 0 ? d.ident(positionalColumn(at)) : "CAST(NULL AS VARCHAR)"} AS ${d.ident(e.extra as string)}`;
    });
    const read = await readExport({ file: path.join(lakeDir, f.rawPath), delimiter: f.record.delimiter, headers: f.record.headers }, workDir, `${contract.name}-${i}`);
    return (
      `SELECT ${d.str(f.loadDate)} AS "_load", ${d.str(f.rawPath)} AS "_source_file", "_row", ` +
      `${[...columns, ...extraColumns].join(", ")} FROM ${read.accepted}`
    );
  }));
  return `(${branches.join(" UNION ALL ")})`;
}

/** The columns a text or integer column could reference: single-column keys of the contracts, of the same type. */
function possibleReferences(contract: Contract, contracts: readonly Contract[], columns: readonly Profiled[]): Omit<Reference, "index">[] {
  const found: Omit<Reference, "index">[] = [];
  for (const from of columns) {
    const c = from.column;
    if (c === undefined || isEnum(c) || (c.type.kind !== "string" && c.type.kind !== "integer")) continue;
    if (contract.key.length === 1 && contract.key[0] === c.name) continue;
    for (const other of contracts) {
      if (other.key.length !== 1) continue;
      const key = other.columns.find((k) => k.name === other.key[0]);
      if (key === undefined || key.type.kind !== c.type.kind) continue;
      found.push({ from, dataset: other.name, column: key.name });
    }
  }
  return found;
}

class ProfileQuery {
  private readonly scalars: string[] = ['count(*) AS "rows"'];
  private readonly subqueries: string[] = [];
  private readonly ctes: string[] = [];

  constructor(
    private readonly contract: Contract,
    private readonly columns: readonly Profiled[],
    private readonly references: readonly Reference[],
  ) {}

  private scalar(expr: string, name: string): void {
    this.scalars.push(`${expr} AS ${d.ident(name)}`);
  }

  private subquery(sql: string, name: string): void {
    this.subqueries.push(`(${sql}) AS ${d.ident(name)}`);
  }

  /** The rows of the window with, per column i: raw r_i, present p_i, typed v_i, trimmed text t_i; per reference k: found x_k. */
  private profiledSql(batch: string, target: CheckTarget, contracts: readonly Contract[]): string {
    const typed = typedViewSql(d, this.contract, batch, undefined, ["_load", ...this.columns.flatMap((c) => (c.extra ? [c.extra] : []))]);
    const select = [d.ident("_load")];
    for (const p of this.columns) {
      const i = p.index;
      const raw = d.ident(p.extra ?? rawName(p.name));
      const trimmed = `NULLIF(${d.trimWhitespace(raw)}, '')`;
      if (p.extra !== undefined) {
        select.push(`${raw} AS "r${i}"`, `(${trimmed} IS NOT NULL) AS "p${i}"`, `${trimmed} AS "v${i}"`, `${trimmed} AS "t${i}"`);
      } else {
        const present = d.ident(presentName(p.name));
        select.push(`${raw} AS "r${i}"`, `${present} AS "p${i}"`, `"typed".${d.ident(p.name)} AS "v${i}"`, `CASE WHEN ${present} THEN ${trimmed} END AS "t${i}"`);
      }
    }
    const joins = this.references.map((r) => {
      const referenced = contracts.find((c) => c.name === r.dataset) as Contract;
      select.push(`("ref${r.index}"."key" IS NOT NULL) AS "x${r.index}"`);
      return `LEFT JOIN (SELECT DISTINCT ${d.ident(r.column)} AS "key" FROM ${target.curatedSource(referenced)} AS "referenced") AS "ref${r.index}" ON "typed".${d.ident(r.from.name)} = "ref${r.index}"."key"`;
    });
    return `SELECT ${select.join(", ")} FROM (${typed}) AS "typed" ${joins.join(" ")}`;
  }

  private column(p: Profiled): void {
    const i = p.index;
    const c = p.column;
    const [r, present, v, t] = [`"r${i}"`, `"p${i}"`, `"v${i}"`, `"t${i}"`];
    this.scalar(`count_if(${r} IS NULL)`, `nulls_${i}`);
    this.scalar(`count_if(${r} IS NOT NULL AND NOT ${present})`, `blanks_${i}`);
    this.scalar(`count_if(${present})`, `present_${i}`);
    this.scalar(`count(DISTINCT ${v})`, `distinct_${i}`);
    this.scalar(`min(length(${t}))`, `min_length_${i}`);
    this.scalar(`max(length(${t}))`, `max_length_${i}`);
    const masked = isMasked(p);
    const nonconforming = isEnum(c) ? `${v} IS NOT NULL AND ${v} NOT IN (${canonicalValues(c as Column).map((x) => d.str(x)).join(", ")})` : `${present} AND ${v} IS NULL`;
    if (!isPlainText(c)) this.scalar(`count_if(${present} AND NOT (${nonconforming}))`, `typed_${i}`);
    if (!masked) {
      this.scalar(`CAST(min(${v}) AS VARCHAR)`, `min_${i}`);
      this.scalar(`CAST(max(${v}) AS VARCHAR)`, `max_${i}`);
      this.subquery(this.topList(`CAST(${v} AS VARCHAR)`, `${v} IS NOT NULL`, TOP_VALUES), `top_${i}`);
      if (!isPlainText(c)) this.subquery(this.topList(t, nonconforming, NONCONFORMING_LISTED), `nonconforming_${i}`);
      if (isEnum(c)) this.subquery(this.topList(t, `${t} IS NOT NULL`, TOP_VALUES), `spellings_${i}`);
    }
    // Shapes with letters kept are grouped first; the letter classes are computed from those groups.
    this.ctes.push(`"g${i}" AS MATERIALIZED (SELECT regexp_replace(${t}, '[0-9]', '9', 'g') AS "s", count(*) AS "n" FROM "profiled" WHERE ${t} IS NOT NULL GROUP BY 1)`);
    // Character classes survive the shape (digits became 9, every other character is kept): counted on the groups, not on every row.
    const classes = CHARACTER_CLASSES.map(([name, pattern]) => `${d.str(name)}: sum("n") FILTER (WHERE regexp_matches("s", ${d.str(pattern)}))`);
    this.subquery(`SELECT {${classes.join(", ")}} FROM "g${i}"`, `characters_${i}`);
    if (!masked) this.subquery(this.shapeList(`"g${i}"`), `letters_${i}`);
    this.subquery(this.shapeList(`(SELECT ${LETTER_CLASSES.reduce((text, [pattern, mark]) => `regexp_replace(${text}, '${pattern}', '${mark}', 'g')`, '"s"')} AS "s", sum("n") AS "n" FROM "g${i}" GROUP BY 1)`), `classes_${i}`);
  }

  private topList(value: string, where: string, limit: number): string {
    return `SELECT list({'value': "value", 'count': "n"} ORDER BY "n" DESC, "value") FROM (SELECT ${value} AS "value", count(*) AS "n" FROM "profiled" WHERE ${where} GROUP BY 1 ORDER BY "n" DESC, "value" LIMIT ${limit})`;
  }

  private shapeList(groups: string): string {
    return (
      `SELECT {'distinct': count(*), 'top': list({'shape': "s", 'count': "n"} ORDER BY "n" DESC, "s") FILTER (WHERE "rank" <= ${SHAPES_LISTED})} ` +
      `FROM (SELECT "s", "n", row_number() OVER (ORDER BY "n" DESC, "s") AS "rank" FROM ${groups})`
    );
  }

  private perLoad(): void {
    const keyColumns = this.contract.key.map((k) => this.columns.find((c) => c.extra === undefined && c.name === k) as Profiled);
    const keyPresent = keyColumns.map((k) => `"v${k.index}" IS NOT NULL`).join(" AND ");
    const keyValue = keyColumns.length === 1 ? `"v${keyColumns[0].index}"` : `row(${keyColumns.map((k) => `"v${k.index}"`).join(", ")})`;
    const present = this.columns.map((c) => `count_if("p${c.index}")`).join(", ");
    const distinct = this.columns.map((c) => `count(DISTINCT "v${c.index}")`).join(", ");
    this.subquery(
      `SELECT list("load" ORDER BY "load"."load_date") FROM (SELECT {'load_date': "_load", 'rows': count(*), 'present': [${present}], 'distinct': [${distinct}], ` +
        `'key_present': count_if(${keyPresent}), 'key_distinct': count(DISTINCT CASE WHEN ${keyPresent} THEN ${keyValue} END)} AS "load" FROM "profiled" GROUP BY "_load")`,
      "loads",
    );
  }

  private referenceFigures(): void {
    const conditions = this.columns.filter((c) => c.column !== undefined && (isEnum(c.column) || c.column.type.kind === "boolean"));
    const byColumn = new Map<number, Reference[]>();
    for (const r of this.references) byColumn.set(r.from.index, [...(byColumn.get(r.from.index) ?? []), r]);
    for (const [i, refs] of byColumn) {
      this.scalar(`count_if("v${i}" IS NOT NULL)`, `valued_${i}`);
      for (const r of refs) this.scalar(`count_if("v${i}" IS NOT NULL AND "x${r.index}")`, `found_${r.index}`);
      for (const w of conditions) {
        if (w.index === i) continue;
        const found = refs.map((r) => `count_if("v${i}" IS NOT NULL AND "x${r.index}")`).join(", ");
        this.subquery(
          `SELECT list("branch" ORDER BY "branch"."value") FROM (SELECT {'value': CAST("v${w.index}" AS VARCHAR), 'rows': count_if("v${i}" IS NOT NULL), 'found': [${found}]} AS "branch" ` +
            `FROM "profiled" WHERE "v${w.index}" IS NOT NULL GROUP BY "v${w.index}")`,
          `condition_${i}_${w.index}`,
        );
      }
    }
  }

  sql(batch: string, target: CheckTarget, contracts: readonly Contract[]): string {
    for (const p of this.columns) this.column(p);
    this.perLoad();
    this.referenceFigures();
    const ctes = [`"profiled" AS MATERIALIZED (${this.profiledSql(batch, target, contracts)})`, ...this.ctes];
    return `WITH ${ctes.join(",\n")}\nSELECT "stats".*, ${this.subqueries.join(",\n  ")}\nFROM (SELECT ${this.scalars.join(", ")} FROM "profiled") AS "stats"`;
  }
}

function valueCounts(value: unknown): ValueCount[] {
  return ((value as { value: string; count: unknown }[] | null) ?? []).map((v) => ({ value: v.value, count: n(v.count) }));
}

/** Letters kept where they tell something: when digits vary and the shapes are few; else letter classes. */
function shapesOf(letters: unknown, classes: unknown, hasDigits: boolean): Shapes {
  type Listed = { distinct: unknown; top: { shape: string; count: unknown }[] | null } | null;
  const read = (value: Listed, level: Shapes["level"]): Shapes => {
    const distinct = n(value?.distinct);
    return { level, distinct, top: (value?.top ?? []).map((s) => ({ shape: s.shape, count: n(s.count) })), complete: distinct <= SHAPES_LISTED };
  };
  const kept = letters === undefined ? undefined : read(letters as Listed, "letters");
  return kept !== undefined && kept.complete && hasDigits ? kept : read(classes as Listed, "classes");
}

function typedValue(column: Column | undefined, text: unknown): number | string | null {
  if (text === null || text === undefined) return null;
  const kind = column?.type.kind;
  return kind === "integer" || kind === "decimal" ? Number(text) : String(text);
}

/** Candidates from the found counts: every row in one target, or each value of a condition column in its own. */
function referenceCandidates(row: Record<string, unknown>, columns: readonly Profiled[], references: readonly Reference[]): ReferenceCandidate[] {
  const candidates: ReferenceCandidate[] = [];
  const byColumn = new Map<number, Reference[]>();
  for (const r of references) byColumn.set(r.from.index, [...(byColumn.get(r.from.index) ?? []), r]);
  for (const [i, refs] of byColumn) {
    const valued = n(row[`valued_${i}`]);
    if (valued === 0) continue;
    const column = columns[i].name;
    const targets: ReferenceTarget[] = refs.map((r) => ({ dataset: r.dataset, column: r.column, found: n(row[`found_${r.index}`]) }));
    // The best-covering target; another dataset before the column's own.
    const best = [...targets].sort((a, b) => b.found - a.found)[0];
    if (ratio(best.found, valued) >= REFERENCE_COVERAGE) {
      candidates.push({ form: "all", column, rows: valued, target: best });
      continue;
    }
    let chosen: Extract<ReferenceCandidate, { form: "conditional" }> | undefined;
    let chosenCoverage = 0;
    for (const w of columns) {
      const branches = row[`condition_${i}_${w.index}`] as { value: string; rows: unknown; found: unknown[] }[] | null | undefined;
      if (!branches) continue;
      const mapped = branches.flatMap((b) => {
        const rows = n(b.rows);
        const k = b.found.map(n).reduce((top, found, t, all) => (found > all[top] ? t : top), 0);
        return rows > 0 && ratio(n(b.found[k]), rows) >= REFERENCE_COVERAGE ? [{ value: b.value, rows, target: targets[k] }] : [];
      });
      const coverage = ratio(mapped.reduce((sum, b) => sum + b.rows, 0), valued);
      const distinctTargets = new Set(mapped.map((b) => `${b.target.dataset}.${b.target.column}`)).size;
      if (distinctTargets >= 2 && coverage >= REFERENCE_COVERAGE && coverage > chosenCoverage) {
        chosen = { form: "conditional", column, rows: valued, condition: w.name, branches: mapped };
        chosenCoverage = coverage;
      }
    }
    if (chosen !== undefined) candidates.push(chosen);
  }
  return candidates;
}

async function profileDataset(
  connection: DuckDBConnection,
  lakeDir: string,
  contract: Contract,
  contracts: readonly Contract[],
  window: readonly string[],
  records: ReadonlyMap<string, LoadRecord>,
  ruleSets: readonly RuleSet[],
): Promise<DatasetProfile> {
  const started = Date.now();
  const files: WindowFile[] = window.flatMap((date) => (records.get(date)?.files ?? []).map((record) => ({ loadDate: date, rawPath: record.raw_path, record })));
  const columns: Profiled[] = contract.columns.map((column, index) => ({ index, name: column.name, column, extra: undefined, headerKey: headerKey(column.name) }));
  for (const f of files) {
    const { mapping } = mapHeaders(contract, f.record.headers);
    f.record.headers.forEach((header, i) => {
      const key = headerKey(header);
      if (mapping[i] !== undefined || columns.some((c) => c.extra !== undefined && c.headerKey === key)) return;
      const index = columns.length;
      columns.push({ index, name: header, column: undefined, extra: `_extra_${index}`, headerKey: key });
    });
  }
  const references: Reference[] = possibleReferences(contract, contracts, columns).map((r, index) => ({ ...r, index }));
  const query = new ProfileQuery(contract, columns, references);
  const target = duckdbTarget(lakeDir);
  // The exports are read as the load reads them (csv-read.ts), into a scratch folder outside the lake.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-profile-"));
  let row: Record<string, unknown>;
  try {
    const sql = query.sql(await rawBatchSql(contract, lakeDir, files, columns.filter((c) => c.extra !== undefined), workDir), target, contracts);
    row = (await connection.runAndReadAll(sql)).getRowObjectsJson()[0] as Record<string, unknown>;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }

  type LoadRow = { load_date: string; rows: unknown; present: unknown[]; distinct: unknown[]; key_present: unknown; key_distinct: unknown };
  const loadRows = new Map(((row.loads as LoadRow[] | null) ?? []).map((l) => [l.load_date, l]));
  const loads: DatasetLoadFigures[] = window.filter((date) => records.has(date)).map((date) => {
    const record = records.get(date) as LoadRecord;
    const l = loadRows.get(date);
    return {
      load_date: date,
      files: record.files.length,
      records: record.files.reduce((sum, f) => sum + f.records, 0),
      unparsable: record.files.reduce((sum, f) => sum + f.unparsable, 0),
      rows: n(l?.rows),
      key_present: n(l?.key_present),
      key_distinct: n(l?.key_distinct),
    };
  });
  const rows = n(row.rows);
  const checkedBy = (name: string): string[] => ruleSets.filter((s) => s.dataset === contract.name).flatMap((s) => s.rules).filter((r) => ruleColumns(r).includes(name)).map((r) => r.id);
  const profiles: ColumnProfile[] = columns.map((p) => {
    const i = p.index;
    const present = n(row[`present_${i}`]);
    const typed = isPlainText(p.column) ? null : n(row[`typed_${i}`]);
    const columnLoads = loads.map((load) => {
      const l = loadRows.get(load.load_date);
      return { load_date: load.load_date, rows: load.rows, present: n(l?.present[i]), distinct: n(l?.distinct[i]) };
    });
    const inFiles = files.filter((f) => {
      const { mapping } = mapHeaders(contract, f.record.headers);
      return p.extra === undefined ? mapping.includes(p.name) : f.record.headers.some((h, k) => mapping[k] === undefined && headerKey(h) === p.headerKey);
    }).length;
    const counted = (row[`characters_${i}`] ?? {}) as Record<string, unknown>;
    const characters = Object.fromEntries(CHARACTER_CLASSES.map(([k]) => [k, ratio(n(counted[k]), present)])) as unknown as CharacterClasses;
    return {
      name: p.name,
      in_contract: p.column !== undefined,
      type: p.column?.typeName ?? "text",
      masked: isMasked(p),
      enum: isEnum(p.column),
      in_files: inFiles,
      rows,
      nulls: n(row[`nulls_${i}`]),
      blanks: n(row[`blanks_${i}`]),
      present,
      null_ratio: ratio(n(row[`nulls_${i}`]), rows),
      blank_ratio: ratio(n(row[`blanks_${i}`]), rows),
      typed,
      conformity: typed === null || present === 0 ? null : typed / present,
      nonconforming: valueCounts(row[`nonconforming_${i}`]),
      distinct: n(row[`distinct_${i}`]),
      min: isMasked(p) ? null : typedValue(p.column, row[`min_${i}`]),
      max: isMasked(p) ? null : typedValue(p.column, row[`max_${i}`]),
      length: present === 0 ? null : { min: n(row[`min_length_${i}`]), max: n(row[`max_length_${i}`]) },
      characters,
      spellings: isEnum(p.column) && !isMasked(p) ? valueCounts(row[`spellings_${i}`]) : null,
      top_values: isMasked(p) ? null : valueCounts(row[`top_${i}`]),
      shapes: shapesOf(isMasked(p) ? undefined : row[`letters_${i}`], row[`classes_${i}`], characters.digits > 0),
      loads: columnLoads,
      key_candidate: rows > 0 && columnLoads.every((l) => l.present === l.rows && l.distinct === l.present),
      checked_by: p.column === undefined ? [] : checkedBy(p.name),
    };
  });
  return {
    name: contract.name,
    key: contract.key,
    loads,
    rows,
    unparsable: loads.reduce((sum, l) => sum + l.unparsable, 0),
    columns: profiles,
    key_candidates: profiles.filter((c) => c.key_candidate).map((c) => c.name),
    reference_candidates: referenceCandidates(row, columns, references),
    seconds: (Date.now() - started) / 1000,
  };
}

/** Profiles the loads of a window of a local lake (by default its latest load), one query per dataset. */
export async function profileLake(options: ProfileOptions): Promise<LakeProfile> {
  const started = Date.now();
  const lakeDir = path.resolve(options.lakeDir);
  const window = profileWindow(lakeDir, options.loadDate, options.loads ?? 1);
  const recordsByDataset = new Map<string, Map<string, LoadRecord>>();
  for (const date of window) {
    for (const record of readLoadRecords(lakeDir, date)) {
      const byDate = recordsByDataset.get(record.dataset) ?? new Map<string, LoadRecord>();
      byDate.set(date, record);
      recordsByDataset.set(record.dataset, byDate);
    }
  }
  let contracts = options.contracts.filter((c) => recordsByDataset.has(c.name));
  if (options.datasets !== undefined) {
    const missing = options.datasets.filter((name) => !contracts.some((c) => c.name === name));
    if (missing.length > 0) {
      throw new LakeInputError(`the loads ${window.join(", ")} have no ${missing.map((m) => `"${m}"`).join(", ")}; they loaded ${contracts.map((c) => c.name).join(", ") || "nothing"}`);
    }
    contracts = contracts.filter((c) => options.datasets?.includes(c.name));
  }
  let connection = options.connection;
  let instance: DuckDBInstance | undefined;
  if (connection === undefined) {
    instance = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "1GB" });
    connection = await instance.connect();
  }
  try {
    const datasets: DatasetProfile[] = [];
    for (const contract of contracts) {
      datasets.push(await profileDataset(connection, lakeDir, contract, options.contracts, window, recordsByDataset.get(contract.name) as Map<string, LoadRecord>, options.ruleSets ?? []));
    }
    return { profile_version: 1, generated_at: new Date().toISOString(), lake: lakeDir, load_dates: window, datasets, duration_seconds: (Date.now() - started) / 1000 };
  } finally {
    if (instance !== undefined) {
      connection.closeSync();
      instance.closeSync();
    }
  }
}
