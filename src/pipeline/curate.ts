import { DuckDBConnection } from "@duckdb/node-api";
import * as fs from "fs";
import * as path from "path";
import { Contract } from "../model/contracts";
import { listParquet, readParquet } from "../sql/batch-source";
import { duckdbReadPath, duckdbWritePath } from "../sql/duckdb-paths";
import { duckdb as d } from "../sql/dialect";
import { emptyEntries, entriesOfFiles, KEY_INDEX_FILE, KeyEntries, keyHashesOf, mergeEntries, partsHolding, readKeyIndex, writeKeyIndex } from "./key-index";
import { CURATED_PRECEDENCE, curatedFiles, curatedPartitionValues, layerPaths, NULL_PARTITION, PARQUET_WRITE, partFiles, PERIOD_FORMATS, processedFilesOfLoad, processedLoadDates, TARGET_FILE_BYTES } from "./layout";
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
  /** Key indexes written, one per partition the load changed (`_keys.idx`, see key-index.ts). */
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

/** The SQL fragments of one dataset's merge. */
class Curation {
  readonly keys: string;
  readonly columns: string;
  readonly period: string;
  readonly table: (role: string) => string;

  constructor(readonly contract: Contract) {
    this.keys = contract.key.map((k) => d.ident(k)).join(", ");
    const typed = contract.columns.map((c) => `CAST(${d.ident(c.name)} AS ${d.sqlType(c.type)}) AS ${d.ident(c.name)}`);
    this.columns = [...typed, `CAST("_load_date" AS DATE) AS "_load_date"`, `CAST("_source_file" AS VARCHAR) AS "_source_file"`, `CAST("_row" AS BIGINT) AS "_row"`].join(", ");
    const partition = contract.curatedPartition;
    this.period =
      partition === undefined
        ? "CAST(NULL AS VARCHAR)"
        : `COALESCE(strftime(CAST(${d.ident(partition.column)} AS DATE), ${d.str(PERIOD_FORMATS[partition.granularity])}), ${d.str(NULL_PARTITION)})`;
    this.table = (role) => `curate_${role}_${contract.name}`;
  }

  /** The partition values the rows of `source` fall in, formatted once per distinct date. */
  periodsOf(source: string): string {
    const partition = this.contract.curatedPartition;
    if (partition === undefined) return `SELECT CAST(NULL AS VARCHAR) AS "_period" WHERE FALSE`;
    const day = `CAST(${d.ident(partition.column)} AS DATE)`;
    return `SELECT DISTINCT COALESCE(strftime("_day", ${d.str(PERIOD_FORMATS[partition.granularity])}), ${d.str(NULL_PARTITION)}) AS "_period" FROM (SELECT DISTINCT ${day} AS "_day" FROM ${source}) ORDER BY 1`;
  }

  /** One row per key of `source`, the latest load, then the last source row, winning. */
  latestPerKey(source: string): string {
    return (
      `SELECT ${this.columns}, ${this.period} AS "_period" FROM (SELECT *, row_number() OVER (PARTITION BY ${this.keys} ` +
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
async function writePeriods(connection: DuckDBConnection, tx: LakeTransaction, c: Curation, source: string, periods: readonly string[], taken: (dir: string) => ReadonlySet<number>): Promise<string[]> {
  const partition = c.contract.curatedPartition;
  if (partition === undefined || periods.length === 0) return [];
  const scratch = tx.staged(path.join(SCRATCH_DIR, "curate", c.contract.name));
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(scratch), { recursive: true });
  await connection.run(
    `COPY (SELECT ${c.columns}, ${c.period} AS "_period" FROM ${source}) TO ${duckdbWritePath(scratch)} ` +
      `(${PARQUET_WRITE}, PARTITION_BY ("_period"), FILENAME_PATTERN 'part-{i}')`,
  );
  const written: string[] = [];
  for (const period of periods) {
    const dir = layerPaths.curatedPartition(c.contract.name, partition, period);
    let files = partFiles(path.join(scratch, `_period=${period}`));
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
    written.push(...placeParts(tx, files, dir, taken(dir)));
  }
  fs.rmSync(tx.staged(path.join(SCRATCH_DIR, "curate")), { recursive: true, force: true });
  return written;
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

/** A curated period partition: its part files (by number) and its key index. */
interface Partition {
  /** Lake path of the partition folder. */
  readonly dir: string;
  readonly value: string;
  readonly files: ReadonlyMap<number, string>;
  readonly index: KeyEntries;
  /** The index did not describe the files (missing or stale) and was rebuilt from them: it is written with the load. */
  readonly indexRebuilt: boolean;
}

/** The curated files of a dataset, and which of them may hold given keys. */
interface CuratedFiles {
  readonly all: readonly string[];
  readonly partitions: readonly Partition[];
  /** Curated files that may hold a key of the relation `keys` (its key columns): the key index's answer, or the one file. */
  holding(keys: string): Promise<string[]>;
}

async function readCurated(connection: DuckDBConnection, c: Curation, lakeDir: string): Promise<CuratedFiles> {
  const all = curatedFiles(lakeDir, c.contract);
  const partition = c.contract.curatedPartition;
  if (partition === undefined) return { all, partitions: [], holding: async () => [...all] };
  const partitions: Partition[] = [];
  for (const value of curatedPartitionValues(lakeDir, c.contract)) {
    const dir = layerPaths.curatedPartition(c.contract.name, partition, value);
    const files = new Map(partFiles(path.join(lakeDir, dir)).map((f) => [partNumber(f), f]));
    if (files.size === 0) continue;
    const sizes = new Map([...files].map(([n, f]) => [n, fs.statSync(f).size]));
    const kept = readKeyIndex(path.join(lakeDir, dir, KEY_INDEX_FILE), c.contract, sizes);
    partitions.push({ dir, value, files, index: kept?.entries ?? (await entriesOfFiles(connection, c.contract, files)), indexRebuilt: kept === undefined });
  }
  return {
    all,
    partitions,
    holding: async (keys) => {
      // No curated partition yet (a first load): nothing to look up, and the load's keys are not hashed.
      if (partitions.length === 0) return [];
      const probes = await keyHashesOf(connection, c.contract, keys);
      return partitions.flatMap((p) => [...partsHolding(p.index, probes)].sort((a, b) => a - b).flatMap((n) => p.files.get(n) ?? []));
    },
  };
}

/**
 * Stages the key index of every partition the merge changed (or whose index was stale), from the
 * index it had and the key columns of the files written; a partition left without files loses
 * its index. Returns the lake paths of the indexes written and of those to remove.
 */
async function stageKeyIndexes(connection: DuckDBConnection, tx: LakeTransaction, c: Curation, lakeDir: string, curated: CuratedFiles, written: readonly string[], removed: readonly string[]): Promise<{ written: string[]; remove: string[] }> {
  const byDir = new Map(curated.partitions.map((p) => [p.dir, p]));
  const changed = new Set([...written, ...removed].map((f) => path.dirname(f)));
  for (const p of curated.partitions) if (p.indexRebuilt) changed.add(p.dir);
  const result = { written: [] as string[], remove: [] as string[] };
  for (const dir of [...changed].sort()) {
    const before = byDir.get(dir);
    const writtenHere = new Map(written.filter((f) => path.dirname(f) === dir).map((f) => [partNumber(f), tx.staged(f)]));
    const dropped = new Set([...writtenHere.keys(), ...removed.filter((f) => path.dirname(f) === dir).map(partNumber)]);
    const sizes = new Map<number, number>();
    for (const [n, f] of before?.files ?? []) if (!dropped.has(n)) sizes.set(n, fs.statSync(f).size);
    for (const [n, f] of writtenHere) sizes.set(n, fs.statSync(f).size);
    const indexPath = path.join(dir, KEY_INDEX_FILE);
    if (sizes.size === 0) {
      if (fs.existsSync(path.join(lakeDir, indexPath))) result.remove.push(indexPath);
      continue;
    }
    const entries = mergeEntries(before?.index ?? emptyEntries(), dropped, await entriesOfFiles(connection, c.contract, writtenHere));
    writeKeyIndex(tx.staged(indexPath), c.contract, entries, sizes);
    result.written.push(indexPath);
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
  const before = await rowCount(connection, existing);
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
  // are then joined with the load's keys themselves.
  const loadKeys = c.table("keys");
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${loadKeys} AS SELECT ${c.keys} FROM ${incoming}`);
  const candidates = await curated.holding(loadKeys);
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
  const touchedFiles = (await connection.runAndReadAll(`SELECT DISTINCT "_file" FROM ${hits} ORDER BY 1`)).getRows().map((r) => String(r[0]));
  const byPath = new Map(existing.map((f) => [f.split(path.sep).join("/"), f]));
  const rewrite = touchedFiles.map((f) => byPath.get(f) ?? f);

  const written: string[] = [];
  const remove: string[] = [];
  const partitions = new Set<string>();
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
    for (const file of rewrite) {
      const relative = path.relative(lakeDir, file);
      partitions.add(path.basename(path.dirname(relative)).split("=").slice(1).join("="));
      const keep = `SELECT cur.* FROM ${c.fileRows(file)} AS cur ${c.keyJoin("ANTI", "cur", hits)}`;
      if ((await scalar(connection, `SELECT count(*) FROM (${keep})`)) === 0) {
        remove.push(relative);
        removed.add(file);
        continue;
      }
      fs.mkdirSync(path.dirname(tx.staged(relative)), { recursive: true });
      await connection.run(`COPY (${keep}) TO ${duckdbWritePath(tx.staged(relative))} (${PARQUET_WRITE})`);
      written.push(relative);
    }
    const periods = (await connection.runAndReadAll(c.periodsOf(incoming))).getRows().map((r) => String(r[0]));
    for (const period of periods) partitions.add(period);
    const taken = (dir: string): Set<number> => new Set(partFiles(path.join(lakeDir, dir)).filter((f) => !removed.has(f)).map(partNumber));
    written.push(...(await writePeriods(connection, tx, c, incoming, periods, taken)));
  }
  // A file written again (data.parquet, always) is counted from its new version only.
  const rewritten = new Set(written.map((f) => path.join(lakeDir, f)));
  const unchanged = existing.filter((f) => !rewrite.includes(f) && !rewritten.has(f));
  const rows = await rowCount(connection, [...unchanged, ...written.map((f) => tx.staged(f))]);
  await connection.run(`DROP TABLE ${losers}; DROP TABLE ${hits}; DROP TABLE ${newer}; DROP TABLE ${loadKeys}`);
  const indexes = contract.curatedPartition === undefined ? { written: [] as string[], remove: [] as string[] } : await stageKeyIndexes(connection, tx, c, lakeDir, curated, written, remove);
  return {
    merge: {
      mode: "incremental",
      rows,
      replaced: before + loadRows - rows,
      partitions: [...partitions].sort(),
      filesRead: candidates.length,
      filesWritten: written.length,
      filesRemoved: remove.length,
      keyIndexesWritten: indexes.written.length,
    },
    remove: [...remove, ...indexes.remove],
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
  if (contract.curatedPartition === undefined) {
    const file = layerPaths.curatedFile(contract.name);
    fs.mkdirSync(path.dirname(tx.staged(file)), { recursive: true });
    await connection.run(`COPY (SELECT ${c.columns} FROM ${all} ORDER BY ${c.keys}) TO ${duckdbWritePath(tx.staged(file))} (${PARQUET_WRITE})`);
    written.push(file);
  } else {
    const periods = (await connection.runAndReadAll(`SELECT DISTINCT "_period" FROM ${all} ORDER BY 1`)).getRows().map((r) => String(r[0]));
    partitions.push(...periods);
    written.push(...(await writePeriods(connection, tx, c, all, periods, () => new Set())));
  }
  const rows = await rowCount(connection, written.map((f) => tx.staged(f)));
  await connection.run(`DROP TABLE ${all}`);
  const indexes = contract.curatedPartition === undefined ? { written: [] as string[] } : await stageKeyIndexes(connection, tx, c, lakeDir, { all: [], partitions: [], holding: async () => [] }, written, []);
  const datasetDir = layerPaths.curatedDataset(contract.name);
  const staleIndexes = (fs.existsSync(path.join(lakeDir, datasetDir)) ? fs.readdirSync(path.join(lakeDir, datasetDir)) : [])
    .map((folder) => path.join(datasetDir, folder, KEY_INDEX_FILE))
    .filter((f) => fs.existsSync(path.join(lakeDir, f)) && !indexes.written.includes(f));
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
      keyIndexesWritten: indexes.written.length,
    },
    remove,
  };
}
