import { DuckDBConnection } from "@duckdb/node-api";
import * as fs from "fs";
import * as path from "path";
import { Contract } from "../model/contracts";
import { listParquet, readParquet } from "../sql/batch-source";
import { duckdbReadPath, duckdbWritePath } from "../sql/duckdb-paths";
import { duckdb as d } from "../sql/dialect";
import { FileKeyIndex, holdsAny, indexesByGroup, indexOfFile, isKeyIndexFile, KeyHashes, KeyIndexHeader, LEGACY_PARTITION_INDEX, keyHashesOf, keyIndexPath, keyTextSql, readKeyHashes, readKeyIndexHeader, withoutHashes, writeKeyIndex } from "./key-index";
import { CURATED_PRECEDENCE, curatedFiles, layerPaths, NULL_PARTITION, PARQUET_WRITE, partFiles, PERIOD_FORMATS, processedFilesOfLoad, processedLoadDates, TARGET_FILE_BYTES } from "./layout";
import { LakeTransaction, SCRATCH_DIR } from "./transaction";

/**
 * The curated merge: curated holds one row per key, the latest load winning (then the last
 * source row read). A load merges into it incrementally, at a cost that follows the load, not
 * the lake:
 *
 * - A curated file holds the rows of one load for one period (or what is left of them), so the
 *   Parquet min/max statistics of its key column are as narrow as the load's ids: trade ids come
 *   from a sequence, and each day's ids follow the last. Finding where the load's keys already
 *   live is one semi-join of the load's keys with the curated key columns; DuckDB pushes the
 *   load's key range into that scan and skips every row group outside it, so a load of new keys
 *   reads little more than the files' footers. (Sorting each file by key would narrow the row
 *   groups of a bulk load too, at the cost of sorting the load in memory: not done.)
 * - Only files that hold a superseded row are rewritten (without it); the load's rows go to new
 *   files in the partitions they belong to. A key whose period changed leaves its old partition.
 * - Re-running a load date replaces that load's rows. When the new run drops a key whose curated
 *   row came from the old run, the row it had superseded must come back from older processed
 *   partitions: curated is then rebuilt from every processed partition, and the result says so.
 */

export interface CuratedMerge {
  readonly mode: "incremental" | "rebuild";
  /** Why curated was rebuilt from every processed partition; absent for an incremental merge. */
  readonly reason?: string;
  /** Curated rows after the load, counted from the files. */
  readonly rows: number;
  /** Rows that lost to a later row of the same key: curated rows before + the load's rows - curated rows after. */
  readonly replaced: number;
  /** Partition values written (`data.parquet` datasets: none). */
  readonly partitions: readonly string[];
  /** Curated files whose rows the merge read: those the key indexes name as holding one of the load's keys (a rebuild: every file). */
  readonly filesRead: number;
  /** Curated data files written (rewritten or new). */
  readonly filesWritten: number;
  readonly filesRemoved: number;
  /** Key indexes whose hashes the merge read: those of the files whose key range (in the index's header) holds one of the load's keys. */
  readonly keyIndexesRead: number;
  /** Key indexes written, one per curated file written (`_part-<n>.keys`, see key-index.ts). */
  readonly keyIndexesWritten: number;
}

export interface CurateArgs {
  readonly connection: DuckDBConnection;
  readonly tx: LakeTransaction;
  readonly contract: Contract;
  readonly lakeDir: string;
  readonly loadDate: string;
  /** The load's processed rows: typed contract columns, `_load_date`, `_source_file`, `_row`. */
  readonly incoming: string;
}

export interface StagedCuration {
  readonly merge: CuratedMerge;
  /** Lake paths the commit removes (files emptied by the merge, or all of curated on a rebuild). */
  readonly remove: readonly string[];
}

/** The period number of rows without a date (they go to NULL_PARTITION): below any date's number (DuckDB's years stop at -290308). */
const NO_PERIOD = "CAST(-9000000000000000000 AS BIGINT)";

/** The SQL fragments of one dataset's merge. */
class Curation {
  readonly keys: string;
  readonly columns: string;
  readonly table: (role: string) => string;

  constructor(readonly contract: Contract) {
    this.keys = contract.key.map((k) => d.ident(k)).join(", ");
    const typed = contract.columns.map((c) => `CAST(${d.ident(c.name)} AS ${d.sqlType(c.type)}) AS ${d.ident(c.name)}`);
    this.columns = [...typed, `CAST("_load_date" AS DATE) AS "_load_date"`, `CAST("_source_file" AS VARCHAR) AS "_source_file"`, `CAST("_row" AS BIGINT) AS "_row"`].join(", ");
    this.table = (role) => `curate_${role}_${contract.name}`;
  }

  /**
   * The period of a row as a number (2024-03 -> 202403; no date -> NO_PERIOD): what the curated
   * write partitions by, since a number per row costs much less than formatting a date per row.
   */
  periodNumber(day: string): string {
    const partition = this.contract.curatedPartition;
    if (partition === undefined) return "CAST(NULL AS BIGINT)";
    const number = { year: `year(${day})`, month: `year(${day}) * 100 + month(${day})`, day: `(year(${day}) * 100 + month(${day})) * 100 + day(${day})` }[partition.granularity];
    return `COALESCE(CAST(${number} AS BIGINT), ${NO_PERIOD})`;
  }

  /** The row's day, from the partition column. */
  get day(): string {
    const partition = this.contract.curatedPartition;
    return partition === undefined ? "CAST(NULL AS DATE)" : `CAST(${d.ident(partition.column)} AS DATE)`;
  }

  /** The partitions the rows of `source` fall in (value and number), formatted once per distinct date. */
  periodsOf(source: string): string {
    const partition = this.contract.curatedPartition;
    if (partition === undefined) return `SELECT CAST(NULL AS VARCHAR) AS "_period", CAST(NULL AS BIGINT) AS "_number" WHERE FALSE`;
    return (
      `SELECT DISTINCT COALESCE(strftime("_day", ${d.str(PERIOD_FORMATS[partition.granularity])}), ${d.str(NULL_PARTITION)}) AS "_period", ${this.periodNumber('"_day"')} AS "_number" ` +
      `FROM (SELECT DISTINCT ${this.day} AS "_day" FROM ${source}) ORDER BY 1`
    );
  }

  /** One row per key of `source`, the latest load, then the last source row, winning. */
  latestPerKey(source: string): string {
    return (
      `SELECT ${this.columns} FROM (SELECT *, row_number() OVER (PARTITION BY ${this.keys} ` +
      `ORDER BY ${CURATED_PRECEDENCE}) AS "_rank" FROM ${source}) WHERE "_rank" = 1`
    );
  }

  /**
   * The rows of `alias` whose key is (SEMI) or is not (ANTI) in the table `keys`. A join, not
   * EXISTS: DuckDB pushes a join's key range into the Parquet scan (row-group pruning), and does
   * not for a correlated EXISTS.
   */
  keyJoin(kind: "SEMI" | "ANTI", alias: string, keys: string): string {
    const on = this.contract.key.map((k) => `${alias}.${d.ident(k)} = m.${d.ident(k)}`).join(" AND ");
    return `${kind} JOIN ${keys} AS m ON ${on}`;
  }

  /**
   * A file's rows in the contract's current columns: columns the file lacks read as NULL, columns
   * the contract dropped are left out (the empty typed relation fixes the shape).
   */
  fileRows(file: string): string {
    const empty = this.contract.columns.map((c) => `CAST(NULL AS ${d.sqlType(c.type)}) AS ${d.ident(c.name)}`).join(", ");
    return `(SELECT ${this.columns} FROM (SELECT * FROM read_parquet(${duckdbReadPath(file)}, hive_partitioning = false) UNION ALL BY NAME SELECT ${empty}, CAST(NULL AS DATE) AS "_load_date", CAST(NULL AS VARCHAR) AS "_source_file", CAST(NULL AS BIGINT) AS "_row" WHERE FALSE))`;
  }
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  return Number((await connection.runAndReadAll(sql)).getRows()[0][0]);
}

async function rowCount(connection: DuckDBConnection, files: readonly string[]): Promise<number> {
  return files.length === 0 ? 0 : scalar(connection, `SELECT count(*) FROM ${readParquet(files)}`);
}

/** Moves freshly written part files into `partitionDir` of the staging tree, numbered from the first n not `taken`. */
function placeParts(tx: LakeTransaction, files: readonly string[], partitionDir: string, taken: ReadonlySet<number>): string[] {
  const placed: string[] = [];
  let n = 0;
  for (const file of files) {
    while (taken.has(n)) n++;
    const relative = path.join(partitionDir, `part-${n++}.parquet`);
    fs.mkdirSync(path.dirname(tx.staged(relative)), { recursive: true });
    fs.renameSync(file, tx.staged(relative));
    placed.push(relative);
  }
  return placed;
}

/**
 * Writes the rows of `source` into their period partitions: one partitioned COPY for all periods
 * (one streaming pass over the load, however many periods it spans), then any file above the
 * size bound split again. `taken` gives the part numbers a partition keeps.
 * Returns the lake paths written.
 */
async function writePeriods(
  connection: DuckDBConnection,
  tx: LakeTransaction,
  c: Curation,
  source: string,
  periods: readonly Period[],
  taken: (dir: string) => ReadonlySet<number>,
): Promise<{ written: string[]; indexes: Map<string, FileKeyIndex> }> {
  const partition = c.contract.curatedPartition;
  const indexes = new Map<string, FileKeyIndex>();
  if (partition === undefined || periods.length === 0) return { written: [], indexes };
  const scratch = tx.staged(path.join(SCRATCH_DIR, "curate", c.contract.name));
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(scratch), { recursive: true });
  await connection.run(
    `COPY (SELECT ${c.columns}, ${c.periodNumber(c.day)} AS "_period" FROM ${source}) TO ${duckdbWritePath(scratch)} ` +
      `(${PARQUET_WRITE}, PARTITION_BY ("_period"), FILENAME_PATTERN 'part-{i}')`,
  );
  const written: string[] = [];
  const whole = new Map<string, Period>();
  for (const period of periods) {
    const dir = layerPaths.curatedPartition(c.contract.name, partition, period.value);
    let files = partFiles(path.join(scratch, `_period=${period.number}`));
    if (files.some((f) => fs.statSync(f).size > TARGET_FILE_BYTES)) {
      // A bulk load put more than a file's worth in this period: split it by size.
      const split = path.join(scratch, "_split");
      await connection.run(
        `COPY (SELECT * FROM ${readParquet(files)}) TO ${duckdbWritePath(split)} (${PARQUET_WRITE}, FILE_SIZE_BYTES ${TARGET_FILE_BYTES}, FILENAME_PATTERN 'part-{i}')`,
      );
      for (const f of files) fs.rmSync(f);
      files = partFiles(split);
      written.push(...placeParts(tx, files, dir, taken(dir)));
      fs.rmSync(split, { recursive: true, force: true });
      continue;
    }
    const placed = placeParts(tx, files, dir, taken(dir));
    written.push(...placed);
    if (placed.length === 1) whole.set(placed[0], period);
  }
  fs.rmSync(tx.staged(path.join(SCRATCH_DIR, "curate")), { recursive: true, force: true });
  // A period written as one file: its index comes from the rows, in one pass for every such period.
  if (whole.size > 0) {
    const byPeriod = await indexesByGroup(connection, c.contract, source, c.periodNumber(c.day));
    for (const [file, period] of whole) {
      const index = byPeriod.get(period.number);
      if (index !== undefined) indexes.set(file, { header: { ...index.header, bytes: fs.statSync(tx.staged(file)).size }, hashes: index.hashes });
    }
  }
  return { written, indexes };
}

/** A curated partition: its value (the folder's) and the number the write partitions by. */
interface Period {
  readonly value: string;
  readonly number: string;
}

async function periodsOf(connection: DuckDBConnection, c: Curation, source: string): Promise<Period[]> {
  return (await connection.runAndReadAll(c.periodsOf(source))).getRows().map((r) => ({ value: String(r[0]), number: String(r[1]) }));
}

const partNumber = (file: string): number => Number(/part-(\d+)\.parquet$/.exec(file)?.[1]);

/**
 * Whether re-running `loadDate` can merge incrementally: every key the earlier run of that date
 * wrote to curated must be in the new run (else the row it superseded has to come back).
 */
async function rerunNeedsRebuild(connection: DuckDBConnection, c: Curation, lakeDir: string, loadDate: string, curated: CuratedFiles, incoming: string): Promise<string | undefined> {
  const previous = processedFilesOfLoad(lakeDir, c.contract.name, loadDate);
  if (previous.length === 0 || curated.all.length === 0) return undefined;
  const dropped = c.table("dropped");
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${dropped} AS SELECT DISTINCT ${c.keys} FROM ${readParquet(previous)} AS p ${c.keyJoin("ANTI", "p", `(SELECT ${c.keys} FROM ${incoming})`)}`,
  );
  const holding = await curated.holding(dropped);
  const stillCurated =
    holding.length === 0 ? 0 : await scalar(connection, `SELECT count(*) FROM ${readParquet(holding)} AS cur ${c.keyJoin("SEMI", "cur", dropped)} WHERE cur."_load_date" = ${d.dateLiteral(loadDate)}`);
  await connection.run(`DROP TABLE ${dropped}`);
  if (stillCurated === 0) return undefined;
  return `the re-run of ${loadDate} no longer has ${stillCurated} key(s) whose curated row came from its earlier run; curated rebuilt from every processed partition so the rows they had replaced come back`;
}

/** A curated part file and what its key index says of it. */
interface CuratedPart {
  readonly file: string;
  readonly header: KeyIndexHeader;
  /** The index did not describe the file (missing or stale) and was rebuilt from it: it is written with the load. */
  readonly rebuilt?: FileKeyIndex;
  /** Its key hashes, kept once read when the file may hold one of the load's keys (its index after a rewrite is derived from them). */
  hashes?: KeyHashes;
  /** Its index's hashes were read by this load. */
  hashesRead?: boolean;
}

/** The curated files of a dataset, and which of them may hold given keys. */
interface CuratedFiles {
  readonly all: readonly string[];
  /** The part files of a partitioned dataset, with their indexes (none for a `data.parquet` dataset). */
  readonly parts: readonly CuratedPart[];
  /** Curated rows: from the indexes' headers, or the one file's footer. */
  readonly rows: number;
  /** Curated files that may hold a key of the relation `keys` (its key columns): the key indexes' answer, or the one file. */
  holding(keys: string): Promise<string[]>;
}

async function readCurated(connection: DuckDBConnection, c: Curation, lakeDir: string): Promise<CuratedFiles> {
  const all = curatedFiles(lakeDir, c.contract);
  if (c.contract.curatedPartition === undefined) return { all, parts: [], rows: await rowCount(connection, all), holding: async () => [...all] };
  const parts: CuratedPart[] = [];
  for (const file of all) {
    const header = readKeyIndexHeader(file, c.contract);
    if (header !== undefined) {
      parts.push({ file, header });
      continue;
    }
    const rebuilt = await indexOfFile(connection, c.contract, file);
    parts.push({ file, header: rebuilt.header, rebuilt });
  }
  return {
    all,
    parts,
    rows: parts.reduce((sum, p) => sum + p.header.rows, 0),
    holding: async (keys) => {
      const { inRange, probes } = await partsInKeyRange(connection, c, parts, keys);
      const holding: string[] = [];
      for (const part of inRange) {
        if (holdsAny(hashesOf(part), probes)) holding.push(part.file);
        // Dropped once they rule their file out: with keys of no order every index is read, one at a time.
        else part.hashes = undefined;
      }
      return holding;
    },
  };
}

/** A part's key hashes, read from its index once per load (a rewritten file's index is derived from them). */
function hashesOf(part: CuratedPart): KeyHashes {
  if (part.hashes === undefined) {
    part.hashes = part.rebuilt?.hashes ?? readKeyHashes(part.file, part.header);
    part.hashesRead = part.rebuilt === undefined;
  }
  return part.hashes;
}

/**
 * The parts whose key range (from their index headers) holds one of the keys of the relation
 * `keys`, and the sorted hashes of those of the keys that fall in some part's range: two ordered
 * (ASOF) joins of the load's keys with the ranges, whose output is at most the ranges or the keys,
 * no curated file read, and keys beyond every range (new trade ids) are not even hashed.
 */
async function partsInKeyRange(connection: DuckDBConnection, c: Curation, parts: readonly CuratedPart[], keys: string): Promise<{ inRange: CuratedPart[]; probes: KeyHashes }> {
  const ranged = parts.filter((p) => p.header.min !== null && p.header.max !== null);
  const none: KeyHashes = { hi: new Uint32Array(0), lo: new Uint32Array(0) };
  if (ranged.length === 0) return { inRange: [], probes: none };
  const ranges = c.table("ranges");
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${ranges} ("part" INTEGER, "min" VARCHAR, "max" VARCHAR)`);
  const appender = await connection.createAppender(ranges);
  for (const [i, p] of ranged.entries()) {
    appender.appendInteger(i);
    appender.appendVarchar(p.header.min ?? "");
    appender.appendVarchar(p.header.max ?? "");
    appender.endRow();
  }
  appender.closeSync();
  // The keys inside some range: the ranges merged into disjoint spans, each key matched with the
  // last span starting at or below it (an ordered join: its output is at most the keys).
  const spans =
    `SELECT min("min") AS "low", max("max") AS "high" FROM (SELECT *, count(*) FILTER (WHERE "reach" IS NULL OR "min" > "reach") OVER (ORDER BY "min", "max") AS "span" ` +
    `FROM (SELECT "min", "max", max("max") OVER (ORDER BY "min", "max" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS "reach" FROM ${ranges})) GROUP BY "span"`;
  const inSpans = c.table("in_spans");
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${inSpans} AS SELECT k.* FROM (SELECT ${c.keys}, ${keyTextSql(c.contract)} AS "_key" FROM ${keys}) AS k ASOF JOIN (${spans}) AS s ON k."_key" >= s."low" WHERE k."_key" <= s."high"`,
  );
  // For each range, the smallest of those keys at or above its lower bound: the range holds a key when that one is within its upper bound.
  const hit = (await connection.runAndReadAll(`SELECT r."part" FROM ${ranges} AS r ASOF JOIN ${inSpans} AS k ON k."_key" >= r."min" WHERE k."_key" <= r."max" ORDER BY 1`))
    .getRows()
    .map((r) => ranged[Number(r[0])]);
  const probes = hit.length === 0 ? none : await keyHashesOf(connection, c.contract, inSpans);
  await connection.run(`DROP TABLE ${inSpans}`);
  await connection.run(`DROP TABLE ${ranges}`);
  return { inRange: hit, probes };
}

/**
 * Stages the key index of every part file written (`known` gives those already known: a rewritten
 * file's, derived from its old index, and those computed from the rows written; the others are
 * read from the files) and of every part whose index was stale, and
 * lists the indexes to remove: those of removed files, and partition-wide indexes of an earlier
 * version of the lake. Returns lake paths, and the rows of the files written (from their indexes).
 */
async function stageKeyIndexes(
  connection: DuckDBConnection,
  tx: LakeTransaction,
  c: Curation,
  lakeDir: string,
  curated: CuratedFiles,
  written: readonly string[],
  removed: readonly string[],
  known: ReadonlyMap<string, FileKeyIndex> = new Map(),
): Promise<{ written: string[]; remove: string[]; rowsWritten: number }> {
  const result = { written: [] as string[], remove: [] as string[], rowsWritten: 0 };
  for (const file of written) {
    const indexPath = keyIndexPath(file);
    const index = known.get(file) ?? (await indexOfFile(connection, c.contract, tx.staged(file)));
    writeKeyIndex(tx.staged(indexPath), index);
    result.written.push(indexPath);
    result.rowsWritten += index.header.rows;
  }
  const rewritten = new Set(written.map((f) => path.join(lakeDir, f)));
  for (const part of curated.parts) {
    if (part.rebuilt === undefined || rewritten.has(part.file) || removed.includes(path.relative(lakeDir, part.file))) continue;
    const indexPath = keyIndexPath(path.relative(lakeDir, part.file));
    writeKeyIndex(tx.staged(indexPath), part.rebuilt);
    result.written.push(indexPath);
  }
  for (const file of removed) if (fs.existsSync(path.join(lakeDir, keyIndexPath(file)))) result.remove.push(keyIndexPath(file));
  // Lakes written before indexes were per file kept one per partition: gone once every part has its own.
  for (const dir of new Set([...curated.parts.map((p) => path.relative(lakeDir, path.dirname(p.file))), ...written.map((f) => path.dirname(f))])) {
    const legacy = path.join(dir, LEGACY_PARTITION_INDEX);
    if (fs.existsSync(path.join(lakeDir, legacy))) result.remove.push(legacy);
  }
  return result;
}

/**
 * Stages the curated files of one dataset for this load (see the module comment). Rewritten
 * files keep their path (the commit moves them over the old ones); emptied files are removed.
 */
export async function stageCurated(args: CurateArgs): Promise<StagedCuration> {
  const { connection, tx, contract, lakeDir, loadDate } = args;
  const c = new Curation(contract);
  const curated = await readCurated(connection, c, lakeDir);
  const existing = curated.all;
  const before = curated.rows;
  const loadRows = await scalar(connection, `SELECT count(*) FROM ${args.incoming}`);

  const stray = listParquet(path.join(lakeDir, layerPaths.curatedDataset(contract.name))).filter((f) => !existing.includes(f));
  const reason =
    stray.length > 0
      ? `curated/${contract.name} holds files of another partitioning (${path.relative(lakeDir, stray[0])}); curated_partition changed, so curated is rebuilt from every processed partition`
      : await rerunNeedsRebuild(connection, c, lakeDir, loadDate, curated, args.incoming);
  if (reason !== undefined) return rebuild(args, c, [...existing, ...stray], reason, before + loadRows);

  // The load's rows are not copied: only the few rows that lose are listed, by source line, and
  // left out of every read of the load. First the rows a later row of the same key replaces
  // within the load.
  const losers = c.table("losers");
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${losers} AS SELECT "_source_file", "_row" FROM (SELECT "_source_file", "_row", row_number() OVER (PARTITION BY ${c.keys} ` +
      `ORDER BY "_source_file" DESC, "_row" DESC) AS "_rank" FROM ${args.incoming} AS i ${c.keyJoin("SEMI", "i", `(SELECT ${c.keys} FROM ${args.incoming} GROUP BY ALL HAVING count(*) > 1)`)}) WHERE "_rank" > 1`,
  );
  const withoutLosers = async (source: string, table: string, on: string): Promise<string> =>
    (await scalar(connection, `SELECT count(*) FROM ${table}`)) === 0 ? source : `(SELECT i.* FROM ${source} AS i ANTI JOIN ${table} AS m ON ${on})`;
  let incoming = await withoutLosers(args.incoming, losers, `i."_source_file" = m."_source_file" AND i."_row" = m."_row"`);

  // Where the load's keys live now: the key indexes name the candidate files, whose key columns
  // are then joined with the load's keys themselves. An empty curated (a first load) holds none
  // of them: the load's keys are not even listed.
  const loadKeys = c.table("keys");
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${loadKeys} AS SELECT ${c.keys} FROM ${existing.length === 0 ? `${incoming} WHERE FALSE` : incoming}`);
  const candidates = existing.length === 0 ? [] : await curated.holding(loadKeys);
  const hits = c.table("hits");
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${hits} AS SELECT filename AS "_file", ${c.keys}, "_load_date" FROM ` +
      (candidates.length === 0
        ? `(SELECT CAST(NULL AS VARCHAR) AS filename, * FROM ${args.incoming} WHERE FALSE)`
        : `(SELECT * FROM read_parquet([${candidates.map(duckdbReadPath).join(", ")}], filename = true, union_by_name = true, hive_partitioning = false)) AS cur ${c.keyJoin("SEMI", "cur", loadKeys)}`),
  );
  // A backfilled older load loses to the newer rows curated already holds.
  const newer = c.table("newer");
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${newer} AS SELECT ${c.keys} FROM ${hits} WHERE "_load_date" > ${d.dateLiteral(loadDate)}`);
  incoming = await withoutLosers(incoming, newer, contract.key.map((k) => `i.${d.ident(k)} = m.${d.ident(k)}`).join(" AND "));
  await connection.run(`DELETE FROM ${hits} WHERE "_load_date" > ${d.dateLiteral(loadDate)}`);
  const touched = (await connection.runAndReadAll(`SELECT "_file", count(*) FROM ${hits} GROUP BY 1 ORDER BY 1`)).getRows();
  const touchedFiles = touched.map((r) => String(r[0]));
  const byPath = new Map(existing.map((f) => [f.split(path.sep).join("/"), f]));
  const rewrite = touchedFiles.map((f) => byPath.get(f) ?? f);

  const written: string[] = [];
  const remove: string[] = [];
  const partitions = new Set<string>();
  // Indexes known without reading the files written: a rewritten file's is its old index less the
  // keys the load took out of it; a new file's, when it is its period's only one, from its rows.
  const known = new Map<string, FileKeyIndex>();
  if (contract.curatedPartition === undefined) {
    // One file: the rows the load does not replace, plus the load's rows.
    const file = layerPaths.curatedFile(contract.name);
    const kept = existing.length === 0 ? [] : [`SELECT cur.* FROM ${c.fileRows(existing[0])} AS cur ${c.keyJoin("ANTI", "cur", hits)}`];
    const rows = `SELECT * FROM (${[...kept, `SELECT ${c.columns} FROM ${incoming}`].join(" UNION ALL ")})`;
    fs.mkdirSync(path.dirname(tx.staged(file)), { recursive: true });
    await connection.run(`COPY (${rows} ORDER BY ${c.keys}) TO ${duckdbWritePath(tx.staged(file))} (${PARQUET_WRITE})`);
    written.push(file);
  } else {
    const removed = new Set<string>();
    for (const [i, file] of rewrite.entries()) {
      const relative = path.relative(lakeDir, file);
      partitions.add(path.basename(path.dirname(relative)).split("=").slice(1).join("="));
      const keep = `SELECT cur.* FROM ${c.fileRows(file)} AS cur ${c.keyJoin("ANTI", "cur", hits)}`;
      // Its index says how many rows it holds: the file is read only when some are left.
      const part = curated.parts.find((p) => p.file === file);
      const left = part === undefined ? await scalar(connection, `SELECT count(*) FROM (${keep})`) : part.header.rows - Number(touched[i][1]);
      if (left === 0) {
        remove.push(relative);
        removed.add(file);
        continue;
      }
      fs.mkdirSync(path.dirname(tx.staged(relative)), { recursive: true });
      await connection.run(`COPY (${keep}) TO ${duckdbWritePath(tx.staged(relative))} (${PARQUET_WRITE})`);
      written.push(relative);
      const hashesLeft = part === undefined ? undefined : withoutHashes(hashesOf(part), await keyHashesOf(connection, contract, `(SELECT ${c.keys} FROM ${hits} WHERE "_file" = ${d.str(touchedFiles[i])})`));
      if (part !== undefined && hashesLeft !== undefined) {
        known.set(relative, { header: { ...part.header, bytes: fs.statSync(tx.staged(relative)).size, rows: hashesLeft.hi.length }, hashes: hashesLeft });
      }
    }
    const periods = await periodsOf(connection, c, incoming);
    for (const period of periods) partitions.add(period.value);
    const taken = (dir: string): Set<number> => new Set(partFiles(path.join(lakeDir, dir)).filter((f) => !removed.has(f)).map(partNumber));
    const fresh = await writePeriods(connection, tx, c, incoming, periods, taken);
    written.push(...fresh.written);
    for (const [file, index] of fresh.indexes) known.set(file, index);
  }
  await connection.run(`DROP TABLE ${losers}; DROP TABLE ${hits}; DROP TABLE ${newer}; DROP TABLE ${loadKeys}`);
  const indexes = contract.curatedPartition === undefined ? undefined : await stageKeyIndexes(connection, tx, c, lakeDir, curated, written, remove, known);
  // Counted from the files: those the load left alone by their index headers, those it wrote by theirs (data.parquet, always written again, by its footer).
  const rewritten = new Set(written.map((f) => path.join(lakeDir, f)));
  const rows =
    indexes === undefined
      ? await rowCount(connection, written.map((f) => tx.staged(f)))
      : curated.parts.filter((p) => !rewrite.includes(p.file) && !rewritten.has(p.file)).reduce((sum, p) => sum + p.header.rows, 0) + indexes.rowsWritten;
  return {
    merge: {
      mode: "incremental",
      rows,
      replaced: before + loadRows - rows,
      partitions: [...partitions].sort(),
      filesRead: candidates.length,
      filesWritten: written.length,
      filesRemoved: remove.length,
      keyIndexesRead: curated.parts.filter((p) => p.hashesRead === true).length,
      keyIndexesWritten: indexes?.written.length ?? 0,
    },
    remove: [...remove, ...(indexes?.remove ?? [])],
  };
}

/** Curated rebuilt from every processed partition of the dataset, the staged run of `loadDate` in place of the old one. */
async function rebuild(args: CurateArgs, c: Curation, existing: readonly string[], reason: string, rowsIn: number): Promise<StagedCuration> {
  const { connection, tx, contract, lakeDir, loadDate } = args;
  const older = processedLoadDates(lakeDir, contract.name)
    .filter((date) => date !== loadDate)
    .flatMap((date) => processedFilesOfLoad(lakeDir, contract.name, date));
  const history = older.length === 0 ? [] : [`SELECT ${c.columns} FROM ${readParquet(older)}`];
  const all = c.table("all");
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${all} AS ${c.latestPerKey(`(${[...history, `SELECT ${c.columns} FROM ${args.incoming}`].join(" UNION ALL ")})`)}`);
  const written: string[] = [];
  const partitions: string[] = [];
  // Indexes of the files written as one per period, from their rows (see writePeriods).
  const fromRows = new Map<string, FileKeyIndex>();
  if (contract.curatedPartition === undefined) {
    const file = layerPaths.curatedFile(contract.name);
    fs.mkdirSync(path.dirname(tx.staged(file)), { recursive: true });
    await connection.run(`COPY (SELECT ${c.columns} FROM ${all} ORDER BY ${c.keys}) TO ${duckdbWritePath(tx.staged(file))} (${PARQUET_WRITE})`);
    written.push(file);
  } else {
    const periods = await periodsOf(connection, c, all);
    partitions.push(...periods.map((p) => p.value));
    const fresh = await writePeriods(connection, tx, c, all, periods, () => new Set());
    written.push(...fresh.written);
    for (const [file, index] of fresh.indexes) fromRows.set(file, index);
  }
  const rows = await rowCount(connection, written.map((f) => tx.staged(f)));
  await connection.run(`DROP TABLE ${all}`);
  const indexes =
    contract.curatedPartition === undefined ? { written: [] as string[] } : await stageKeyIndexes(connection, tx, c, lakeDir, { all: [], parts: [], rows: 0, holding: async () => [] }, written, [], fromRows);
  // Every index the rebuild did not write goes with the files it described.
  const datasetDir = layerPaths.curatedDataset(contract.name);
  const folders = fs.existsSync(path.join(lakeDir, datasetDir)) ? fs.readdirSync(path.join(lakeDir, datasetDir), { withFileTypes: true }).filter((e) => e.isDirectory()) : [];
  const staleIndexes = folders
    .flatMap((folder) => fs.readdirSync(path.join(lakeDir, datasetDir, folder.name)).filter(isKeyIndexFile).map((f) => path.join(datasetDir, folder.name, f)))
    .filter((f) => !indexes.written.includes(f));
  const remove = [...existing.map((f) => path.relative(lakeDir, f)), ...staleIndexes];
  return {
    merge: {
      mode: "rebuild",
      reason,
      rows,
      replaced: rowsIn - rows,
      partitions,
      filesRead: existing.length,
      filesWritten: written.length,
      filesRemoved: remove.filter((f) => !written.includes(f) && !indexes.written.includes(f)).length,
      keyIndexesRead: 0,
      keyIndexesWritten: indexes.written.length,
    },
    remove,
  };
}
