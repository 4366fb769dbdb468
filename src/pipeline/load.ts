import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as path from "path";
import { environmentError, LakeInputError } from "../errors";
import { Contract, contractForLoad, decideNumbersFromEvidence, NUMBER_EVIDENCE_RECORDS, NumberEvidence, NumberRecord } from "../model/contracts";
import { readParquet } from "../sql/batch-source";
import { duckdbReadPath, duckdbWritePath } from "../sql/duckdb-paths";
import { duckdb as d } from "../sql/dialect";
import { ColumnLookup, decimalEvidenceSql, loadRowsSql, lookupTableSql } from "../sql/typed-view";
import { positionalColumn, readExport } from "./csv-read";
import { DiscoveredInputs, discoverInputs, SkippedFile } from "./discover";
import { isIsoDate } from "../model/text";
import { CuratedMerge, stageCurated } from "./curate";
import { layerPaths, PARQUET_WRITE, partFiles, TARGET_FILE_BYTES } from "./layout";
import { CsvLayout, sniffCsv } from "./sniff";
import { REPORT_FILES, SITE_FILE, siteWithoutLoad } from "../report/history";
import { LakeLock } from "./lock";
import { LakeTransaction, SCRATCH_DIR } from "./transaction";

export interface LoadOptions {
  readonly inputDir: string;
  readonly lakeDir: string;
  /** ISO date of the load; a re-run of the same date replaces that load. */
  readonly loadDate: string;
  readonly contracts: readonly Contract[];
  /** Progress lines for long loads (the CLI prints them on stderr). */
  readonly onProgress?: (message: string) => void;
  /** The lake's lock, when the caller holds it for more than the load (lake run keeps it until the report is written). */
  readonly lock?: LakeLock;
  /**
   * Load only these datasets (`--dataset`): their load of the date is replaced, every other
   * dataset's load of that date is kept. Default: the whole load of the date is replaced, so a
   * dataset it held that the input no longer has is removed from it.
   */
  readonly datasets?: readonly string[];
}

export interface FileLoad {
  readonly file: string;
  /** Where the file landed in raw/, relative to the lake. */
  readonly rawPath: string;
  readonly layout: CsvLayout;
  /** How its bytes were decoded: utf-8, latin-1, windows-1252, utf-16le, utf-16be. */
  readonly encoding: string;
  /** Data records read (accepted and unparsable). */
  readonly records: number;
  /** Records that could not be split into the header's fields (ragged, bad encoding, bad quoting). */
  readonly unparsable: number;
}

export interface DatasetLoad {
  readonly name: string;
  readonly files: readonly FileLoad[];
  readonly rows: { readonly raw: number; readonly processed: number; readonly quarantined: number; readonly curated: number };
  /** How curated took the load: merged incrementally, or rebuilt (and why). */
  readonly curated: CuratedMerge;
  /** raw = processed + quarantined, counted from the files written. */
  readonly reconciled: boolean;
  readonly warnings: readonly string[];
  readonly seconds: number;
}

export interface LoadResult {
  readonly loadDate: string;
  readonly lakeDir: string;
  readonly datasets: readonly DatasetLoad[];
  /** Files under the input that were not loaded, each with why. */
  readonly skipped: readonly SkippedFile[];
  /** Datasets the replaced load of this date held and this run has not: removed from the date, each with what that did to curated. */
  readonly removed: readonly RemovedDataset[];
  readonly seconds: number;
}


/** A dataset the earlier run of a load date held, that a re-run of the whole date no longer has. */
export interface RemovedDataset {
  readonly name: string;
  /** How curated took the removal (its rows of this load replaced by older ones); absent when no contract describes the dataset any more. */
  readonly curated?: CuratedMerge;
  readonly message: string;
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRows()[0][0]);
}

interface StagedFile {
  readonly parsedTable: string;
  readonly rejectsTable: string;
  readonly load: FileLoad;
}

/**
 * Reads one raw file into a temporary table (all text, positional columns, the source line in
 * `_row`) and its refused records into another. The reading itself (encoding, quoting, line
 * breaks, hostile records) is parse.ts's; DuckDB reads only the files it wrote.
 */
async function parseFile(connection: DuckDBConnection, tx: LakeTransaction, layout: CsvLayout, index: number, rawPath: string): Promise<{ staged: StagedFile; warnings: readonly string[] }> {
  const parsedTable = `parsed_${index}`;
  const rejectsTable = `rejects_${index}`;
  const parsed = await readExport(layout, path.join(tx.stagingDir, SCRATCH_DIR, "parse"), String(index));
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${parsedTable} AS SELECT * FROM ${parsed.accepted}`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${rejectsTable} AS SELECT * FROM ${parsed.refused}`);
  const load: FileLoad = { file: layout.file, rawPath, layout, encoding: parsed.encoding, records: parsed.records, unparsable: parsed.rejected };
  return { staged: { parsedTable, rejectsTable, load }, warnings: parsed.warnings };
}

/** The batch relation the typed view reads: canonical text columns, `_source_file` and `_row`, all files of the dataset. */
function batchSql(contract: Contract, staged: readonly StagedFile[]): string {
  const branches = staged.map(({ parsedTable, load }) => {
    const columns = contract.columns.map((c) => {
      const at = load.layout.mapping.indexOf(c.name);
      return `${at >= 0 ? d.ident(positionalColumn(at)) : "CAST(NULL AS VARCHAR)"} AS ${d.ident(c.name)}`;
    });
    return `SELECT ${d.str(path.basename(load.rawPath))} AS _source_file, _row, ${columns.join(", ")} FROM ${parsedTable}`;
  });
  return `(${branches.join(" UNION ALL ")})`;
}

async function stageDataset(
  connection: DuckDBConnection,
  tx: LakeTransaction,
  contract: Contract,
  layouts: readonly CsvLayout[],
  lakeDir: string,
  loadDate: string,
  firstIndex: number,
  progress: (message: string) => void,
): Promise<{ files: FileLoad[]; warnings: string[]; quarantined: number; processed: number; curated: CuratedMerge; remove: readonly string[]; numbers: NumberRecord }> {
  const warnings: string[] = [];
  const staged: StagedFile[] = [];
  const usedNames = new Set<string>();
  for (const [i, layout] of layouts.entries()) {
    const file = layout.file;
    if (layout.ignoredHeaders.length > 0) {
      warnings.push(`${file}: columns not in contract ${path.basename(contract.file)} kept in raw only: ${layout.ignoredHeaders.map((h) => `"${h}"`).join(", ")}`);
    }
    let name = path.basename(file);
    for (let n = 2; usedNames.has(name); n++) name = `${path.basename(file, path.extname(file))}-${n}${path.extname(file)}`;
    usedNames.add(name);
    const rawPath = path.join(layerPaths.rawLoad(contract.name, loadDate), name);
    fs.mkdirSync(path.dirname(tx.staged(rawPath)), { recursive: true });
    fs.copyFileSync(file, tx.staged(rawPath));
    const parsed = await parseFile(connection, tx, { ...layout, file: tx.staged(rawPath) }, firstIndex + i, rawPath);
    staged.push({ ...parsed.staged, load: { ...parsed.staged.load, file, layout } });
    warnings.push(...parsed.warnings.map((w) => w.split(tx.staged(rawPath)).join(file)));
    if (parsed.staged.load.records === 0) warnings.push(`${file}: header only, no data rows`);
    progress(`${contract.name}: read ${parsed.staged.load.records} records from ${path.basename(file)} (${parsed.staged.load.encoding}, delimiter ${JSON.stringify(layout.delimiter)})`);
  }

  // Row order matters only while parsing (it gives line numbers); past it DuckDB may write in parallel.
  await connection.run("SET preserve_insertion_order = false");
  const numbers = await decideNumbers(connection, contract, staged);
  warnings.push(...numbers.warnings);
  // The contract as this load reads it: with the decimal separator its values showed, when the contract names none.
  const reading = contractForLoad(contract, numbers.record);
  const batch = batchSql(contract, staged);
  const lookups = await stageLookups(connection, reading, batch, `lookup_${firstIndex}`);
  // Typed once into a temporary table of the typed columns and the reason: processed and curated
  // read it; the quarantine takes the text of its few rows from the parsed tables.
  const typedTable = `typed_${firstIndex}`;
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${typedTable} AS ${loadRowsSql(d, reading, batch, lookups)}`);
  progress(`${contract.name}: typed${lookups.length === 0 ? "" : ` (${lookups.map((l) => l.column).join(", ")} once per distinct value)`}`);
  const nullColumns = contract.columns.map((c) => `CAST(NULL AS VARCHAR) AS ${d.ident(c.name)}`).join(", ");
  const structural = staged.map(
    ({ rejectsTable, load }) =>
      `SELECT ${nullColumns}, ${d.str(path.basename(load.rawPath))} AS _source_file, CAST(line AS BIGINT) AS _row, reason AS _reason, 'structure' AS _reason_kind, raw_line AS _raw_line FROM ${rejectsTable}`,
  );
  const rawColumns = contract.columns.map((c) => `b.${d.ident(c.name)}`).join(", ");
  const quarantineFile = tx.staged(path.join(layerPaths.quarantineLoad(contract.name, loadDate), "part-0.parquet"));
  fs.mkdirSync(path.dirname(quarantineFile), { recursive: true });
  await connection.run(
    `COPY (SELECT ${rawColumns}, b._source_file, b._row, t._reason, 'value' AS _reason_kind, CAST(NULL AS VARCHAR) AS _raw_line ` +
      `FROM ${batch} AS b JOIN (SELECT _source_file, _row, _reason FROM ${typedTable} WHERE _reason IS NOT NULL) AS t ON b._source_file = t._source_file AND b._row = t._row ` +
      `UNION ALL ${structural.join(" UNION ALL ")} ORDER BY _source_file, _row) TO ${duckdbWritePath(quarantineFile)} (${PARQUET_WRITE})`,
  );
  progress(`${contract.name}: quarantine written`);
  // The text is no longer needed: freed before the writes that follow.
  for (const { parsedTable, rejectsTable } of staged) {
    await connection.run(`DROP TABLE ${parsedTable}; DROP TABLE ${rejectsTable}`);
  }
  for (const { table } of lookups) await connection.run(`DROP TABLE ${table}`);
  const processedDir = tx.staged(layerPaths.processedLoad(contract.name, loadDate));
  fs.mkdirSync(path.dirname(processedDir), { recursive: true });
  const dataColumns = contract.columns.map((c) => d.ident(c.name)).join(", ");
  const processedRows = `SELECT ${dataColumns}, ${d.dateLiteral(loadDate)} AS _load_date, _source_file, _row FROM ${typedTable} WHERE _reason IS NULL`;
  await connection.run(
    `COPY (${processedRows}) TO ${duckdbWritePath(processedDir)} (${PARQUET_WRITE}, FILE_SIZE_BYTES ${TARGET_FILE_BYTES}, FILENAME_PATTERN 'part-{i}')`,
  );
  progress(`${contract.name}: processed written`);
  // Counted back from the files written, so the reconciliation checks the lake, not our own arithmetic.
  const processedFiles = partFiles(processedDir);
  const processed = processedFiles.length === 0 ? 0 : await scalar(connection, `SELECT count(*) FROM ${readParquet(processedFiles)}`);
  const quarantined = await scalar(connection, `SELECT count(*) FROM read_parquet(${duckdbReadPath(quarantineFile)})`);
  const curation = await stageCurated({ connection, tx, contract, lakeDir, loadDate, incoming: `(${processedRows})` });
  progress(`${contract.name}: curated ${curation.merge.mode === "incremental" ? "merged" : "rebuilt"} (${curation.merge.filesWritten} files written)`);
  await connection.run(`DROP TABLE ${typedTable}; SET preserve_insertion_order = true`);
  return { files: staged.map((s) => s.load), warnings, processed, quarantined, curated: curation.merge, remove: curation.remove, numbers: numbers.record };
}

/** The processed rows of a load that has none of a dataset: what curated merges when the dataset leaves a re-run load. */
function noRowsSql(contract: Contract): string {
  const columns = contract.columns.map((c) => `CAST(NULL AS ${d.sqlType(c.type)}) AS ${d.ident(c.name)}`);
  return `(SELECT ${columns.join(", ")}, CAST(NULL AS DATE) AS _load_date, CAST(NULL AS VARCHAR) AS _source_file, CAST(NULL AS BIGINT) AS _row WHERE FALSE)`;
}

/** Kept with the load so `lake check` can reconcile the layers against what the raw files held. */
export interface LoadRecord {
  readonly dataset: string;
  readonly load_date: string;
  readonly files: readonly {
    readonly source: string;
    readonly raw_path: string;
    readonly encoding: string;
    readonly delimiter: string;
    readonly headers: readonly string[];
    readonly ignored_headers: readonly string[];
    readonly records: number;
    readonly unparsable: number;
  }[];
  /** How curated took this load (absent in records written before curated merged incrementally). */
  readonly curated?: CuratedMerge;
  /** How the load read decimal numbers (absent in records written before it was recorded: read as undecided). */
  readonly numbers?: NumberRecord;
}

/**
 * The decimal separator of a dataset's load: the contract's; else the one its values show
 * (decideNumbersFromEvidence over the first NUMBER_EVIDENCE_RECORDS records of each file).
 */
async function decideNumbers(connection: DuckDBConnection, contract: Contract, staged: readonly StagedFile[]): Promise<{ record: NumberRecord; warnings: string[] }> {
  if (contract.numbers.decimal !== undefined) return decideNumbersFromEvidence(contract, undefined);
  const files: NumberEvidence[] = [];
  for (const file of staged) {
    // The first records of each file show its convention; the rest are read by it (a value that does not fit is quarantined, with its reason).
    const evidence = decimalEvidenceSql(d, contract, `(SELECT * FROM ${batchSql(contract, [file])} LIMIT ${NUMBER_EVIDENCE_RECORDS})`);
    if (evidence === undefined) return decideNumbersFromEvidence(contract, undefined);
    files.push(...(await connection.runAndReadAll(evidence)).getRowObjectsJson().map((r) => ({ file: String(r._source_file), point: Number(r.point), comma: Number(r.comma) })));
  }
  return decideNumbersFromEvidence(contract, files);
}

/** A column is typed once per distinct value when its first records show at most one distinct text in this many. */
const LOOKUP_RATIO = 20;
/** Records of each batch whose distinct values decide which columns are typed by lookup. */
const LOOKUP_SAMPLE_RECORDS = 100_000;

/**
 * Lookup tables (see lookupTableSql) for the columns worth typing once per distinct value: those
 * whose typing is more than a trim (values maps, booleans, numbers, dates, timestamps) and whose
 * first records repeat few values. Only a cost decision: a lookup types each value exactly as
 * the typed view does.
 */
async function stageLookups(connection: DuckDBConnection, contract: Contract, batch: string, prefix: string): Promise<ColumnLookup[]> {
  const candidates = contract.columns.filter((c) => c.type.kind !== "string" || c.valueMap.size > 0);
  if (candidates.length === 0) return [];
  const distinct = candidates.map((c, i) => `approx_count_distinct(${d.ident(c.name)}) AS d${i}`).join(", ");
  const [sample] = (await connection.runAndReadAll(`SELECT count(*) AS n, ${distinct} FROM (SELECT * FROM ${batch} LIMIT ${LOOKUP_SAMPLE_RECORDS})`)).getRows();
  const sampled = Number(sample[0]);
  const lookups: ColumnLookup[] = [];
  for (const [i, c] of candidates.entries()) {
    if (sampled === 0 || Number(sample[i + 1]) * LOOKUP_RATIO > sampled) continue;
    const table = `${prefix}_${i}`;
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${lookupTableSql(d, contract, c.name, batch)}`);
    lookups.push({ column: c.name, table });
  }
  return lookups;
}

function writeLoadRecord(tx: LakeTransaction, dataset: string, loadDate: string, files: readonly FileLoad[], curated: CuratedMerge, numbers: NumberRecord): void {
  const record: LoadRecord = {
    dataset,
    load_date: loadDate,
    files: files.map((f) => ({
      source: f.file,
      raw_path: f.rawPath.split(path.sep).join("/"),
      encoding: f.encoding,
      delimiter: f.layout.delimiter,
      headers: f.layout.headers,
      ignored_headers: f.layout.ignoredHeaders,
      records: f.records,
      unparsable: f.unparsable,
    })),
    curated,
    numbers,
  };
  const file = tx.staged(layerPaths.loadRecord(dataset, loadDate));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

const LOAD_RECORD_FILE = /^load-[a-z][a-z0-9_]*\.json$/;

/** The load records of one load date, by dataset. */
export function readLoadRecords(lakeDir: string, loadDate: string): LoadRecord[] {
  const dir = path.join(lakeDir, layerPaths.qualityLoad(loadDate));
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => LOAD_RECORD_FILE.test(f))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as LoadRecord;
      } catch (err) {
        throw new LakeInputError(`${file}: is not valid JSON (${(err as Error).message}); run the load of ${loadDate} again to rewrite it`);
      }
    });
}

/** Load dates that have a load record, oldest first. */
export function loadDates(lakeDir: string): string[] {
  const dir = path.join(lakeDir, "quality");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => isIsoDate(d) && fs.readdirSync(path.join(dir, d)).some((f) => LOAD_RECORD_FILE.test(f)))
    .sort();
}

/**
 * The datasets a run loads: every one the input has, or (`--dataset`) the named ones, whose exports
 * the input must hold; the other datasets' files are named as not loaded.
 */
function onlyNamed(discovered: DiscoveredInputs, named: readonly string[] | undefined, contracts: readonly Contract[], inputDir: string, loadDate: string): { inputs: DiscoveredInputs["datasets"]; skipped: SkippedFile[] } {
  if (named === undefined) return { inputs: discovered.datasets, skipped: [...discovered.skipped] };
  const unknown = named.filter((n) => !contracts.some((c) => c.name === n));
  if (unknown.length > 0) throw new LakeInputError(`--dataset ${unknown.join(", ")}: no such dataset; the contracts describe ${contracts.map((c) => c.name).join(", ")}`);
  const absent = named.filter((n) => !discovered.datasets.some((i) => i.contract.name === n));
  if (absent.length > 0) {
    throw new LakeInputError(`--dataset ${absent.join(", ")}: ${inputDir} holds no export of ${absent.length > 1 ? "these datasets" : "it"}; it has ${discovered.datasets.map((i) => i.contract.name).join(", ")}`);
  }
  const others = discovered.datasets.filter((i) => !named.includes(i.contract.name));
  const notNamed = others.flatMap(({ contract, files }) =>
    files.map((file) => ({ file, reason: `an export of ${contract.name}, which --dataset does not name: the load of ${loadDate} keeps ${contract.name} as it is` })),
  );
  return { inputs: discovered.datasets.filter((i) => named.includes(i.contract.name)), skipped: [...discovered.skipped, ...notNamed] };
}

/**
 * Loads one batch of CSV exports into the lake: raw as received, processed typed Parquet,
 * quarantine with reasons, curated deduplicated; all written aside and swapped in at once.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { lakeDir, loadDate, contracts } = options;
  if (!isIsoDate(loadDate)) throw new LakeInputError(`--load-date "${loadDate}" is not a date; use YYYY-MM-DD, e.g. 2024-05-01`);
  const started = Date.now();
  const progress = (message: string): void => options.onProgress?.(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const discovered = discoverInputs(options.inputDir, contracts, lakeDir);
  const { inputs, skipped } = onlyNamed(discovered, options.datasets, contracts, options.inputDir, loadDate);
  // Every file is sniffed before the lake is touched: a bad header fails the load with the lake as it was.
  const layouts = new Map<string, CsvLayout[]>();
  for (const { contract, files } of inputs) {
    const read: CsvLayout[] = [];
    for (const file of files) read.push(await sniffCsv(file, contract));
    layouts.set(contract.name, read);
  }
  const lock = options.lock ?? (await LakeLock.acquire(lakeDir, `lake run --load-date ${loadDate}`));
  try {
    const tx = LakeTransaction.begin(lock, progress);
    const instance = await DuckDBInstance.create(":memory:", { temp_directory: path.join(tx.stagingDir, SCRATCH_DIR, "spill") });
    const connection = await instance.connect();
    try {
      const datasets: DatasetLoad[] = [];
      // The load's kept report describes the load it replaces: it goes with it, and the checks write the new one.
      const remove: string[] = REPORT_FILES.map((f) => path.join(layerPaths.qualityLoad(loadDate), f));
      const site = siteWithoutLoad(lakeDir, loadDate);
      if (site !== undefined) {
        const siteFile = path.join("quality", SITE_FILE);
        fs.mkdirSync(path.dirname(tx.staged(siteFile)), { recursive: true });
        fs.writeFileSync(tx.staged(siteFile), site);
      }
      // A re-run replaces the whole load of its date: what the earlier run held and this one has not leaves the date.
      const loading = new Set(inputs.map((i) => i.contract.name));
      const leaving = options.datasets !== undefined ? [] : readLoadRecords(lakeDir, loadDate).map((r) => r.dataset).filter((name) => !loading.has(name));
      const removed: RemovedDataset[] = [];
      for (const name of leaving) {
        const contract = contracts.find((c) => c.name === name);
        remove.push(layerPaths.rawLoad(name, loadDate), layerPaths.processedLoad(name, loadDate), layerPaths.quarantineLoad(name, loadDate), layerPaths.loadRecord(name, loadDate));
        const why = `the load of ${loadDate} is replaced as a whole and this run has no export of ${name}`;
        const keep = `to re-run some datasets of a date and keep the others, pass --dataset`;
        if (contract === undefined) {
          removed.push({ name, message: `${name} removed from the load of ${loadDate}: ${why}; no contract describes ${name} any more, so its curated files are left as they are; ${keep}` });
          continue;
        }
        const curation = await stageCurated({ connection, tx, contract, lakeDir, loadDate, incoming: noRowsSql(contract) });
        remove.push(...curation.remove);
        const curatedNow = curation.merge.mode === "rebuild" ? "curated rebuilt without its rows of that load" : "curated unchanged (later loads had replaced its rows of that load)";
        removed.push({ name, curated: curation.merge, message: `${name} removed from the load of ${loadDate}: ${why}; its raw, processed and quarantined files of that date are removed, ${curatedNow}; ${keep}` });
        progress(`${name}: removed from the load of ${loadDate}`);
      }
      let fileIndex = 0;
      for (const { contract, files } of inputs) {
        const datasetStarted = Date.now();
        const result = await stageDataset(connection, tx, contract, layouts.get(contract.name) ?? [], lakeDir, loadDate, fileIndex, progress);
        fileIndex += files.length;
        progress(`${contract.name}: ${result.processed} processed, ${result.quarantined} quarantined, ${result.curated.rows} curated rows`);
        const raw = result.files.reduce((sum, f) => sum + f.records, 0);
        datasets.push({
          name: contract.name,
          files: result.files,
          rows: { raw, processed: result.processed, quarantined: result.quarantined, curated: result.curated.rows },
          curated: result.curated,
          reconciled: raw === result.processed + result.quarantined,
          warnings: result.warnings,
          seconds: (Date.now() - datasetStarted) / 1000,
        });
        writeLoadRecord(tx, contract.name, loadDate, result.files, result.curated, result.numbers);
        remove.push(
          layerPaths.rawLoad(contract.name, loadDate),
          layerPaths.processedLoad(contract.name, loadDate),
          layerPaths.quarantineLoad(contract.name, loadDate),
          ...result.remove,
        );
      }
      connection.closeSync();
      instance.closeSync();
      const without = removed.length === 0 ? "" : `; without ${removed.map((r) => r.name).join(", ")}`;
      tx.commit(remove, `load ${loadDate} (${datasets.map((d) => d.name).join(", ")}${without})`);
      progress("load committed");
      return { loadDate, lakeDir, datasets, skipped, removed, seconds: (Date.now() - started) / 1000 };
    } catch (err) {
      connection.closeSync();
      instance.closeSync();
      tx.abort();
      throw environmentError(err, `lake run --lake ${lakeDir}:`) ?? err;
    }
  } finally {
    if (options.lock === undefined) lock.release();
  }
}
