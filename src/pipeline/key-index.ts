import { DuckDBConnection, DuckDBUIntegerVector } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Contract } from "../model/contracts";
import { duckdbReadPath } from "../sql/duckdb-paths";
import { duckdb as d } from "../sql/dialect";

/**
 * The key index of a curated part file, kept beside it: `part-3.parquet` -> `_part-3.keys` (a
 * name Hive, Spark and Athena skip, as they skip `_SUCCESS`). It is written with its part file
 * and never changed after: a load that rewrites a part file writes its index again, a load that
 * adds part files adds their indexes, so what a load writes follows the load.
 *
 * It answers the merge's question (which curated files hold one of the load's keys?) whatever the
 * order of the keys, in two steps:
 *
 * - its header line names the smallest and largest key of the file (as text, byte order) and the
 *   file's rows: files whose key range holds none of the load's keys are ruled out from the
 *   header alone. Trade ids from a sequence make this rule out every file but the few the load's
 *   corrections are in, however many files curated has.
 * - the rest is the file's 64-bit key hashes, sorted: a file whose range does hold some of the
 *   load's keys is a candidate only if one of their hashes is in it (UUID keys, re-sent customers
 *   and re-keyed trades make every range span the load's).
 *
 * A hash that matches is a candidate only: the merge then reads the candidate files' key columns
 * and joins on the keys themselves, so a collision costs a file read, never a wrong row. An index
 * that does not describe its part file as it is (missing, another key or format, or of another
 * byte size) is rebuilt from the file.
 */

const FORMAT = "energy-lake curated key index";
const VERSION = 2;
/** How a key becomes a hash: the same expression over the load's rows and over curated files. */
const HASH = "upper 64 bits of md5 of the key columns as text, joined by U+001F";

/** What lakes written before indexes were per file kept: one index per curated partition (removed when met). */
export const LEGACY_PARTITION_INDEX = "_keys.idx";

/** Whether a file of a curated partition is a key index (of a part file, or of the partition in an older lake). */
export const isKeyIndexFile = (name: string): boolean => name === LEGACY_PARTITION_INDEX || /^_part-\d+\.keys$/.test(name);

/** The index of a part file, beside it. */
export function keyIndexPath(partFile: string): string {
  return path.join(path.dirname(partFile), `_${path.basename(partFile, ".parquet")}.keys`);
}

/** What the header line of an index says of its part file. */
export interface KeyIndexHeader {
  readonly format: string;
  readonly version: number;
  readonly hash: string;
  readonly key: readonly string[];
  /** Byte size of the part file the index describes. */
  readonly bytes: number;
  readonly rows: number;
  /**
   * Bounds of the file's key texts: every key of the file is within them (null when every key is
   * NULL). The smallest and largest key when the file is written; a file rewritten without some
   * rows keeps its bounds, which then may be wider than its keys.
   */
  readonly min: string | null;
  readonly max: string | null;
}

/** Key hashes (two 32-bit halves), sorted. */
export interface KeyHashes {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
}

export interface FileKeyIndex {
  readonly header: KeyIndexHeader;
  readonly hashes: KeyHashes;
}


/** A key as text in DuckDB SQL: the input of its hash and the order of the headers' min and max. */
export function keyTextSql(contract: Contract, alias?: string): string {
  const column = (k: string): string => `CAST(${alias === undefined ? "" : `${alias}.`}${d.ident(k)} AS VARCHAR)`;
  return contract.key.length === 1 ? column(contract.key[0]) : `concat_ws(chr(31), ${contract.key.map(column).join(", ")})`;
}

/** `_hi` and `_lo` of a key's hash in DuckDB SQL, over the key columns of the relation in scope. */
export function keyHashColumns(contract: Contract, alias?: string): string {
  const hash = `md5_number(${keyTextSql(contract, alias)})`;
  return `CAST(${hash} >> 96 AS UINTEGER) AS "_hi", CAST((${hash} >> 64) & 4294967295 AS UINTEGER) AS "_lo"`;
}

/**
 * Reads `_hi` and `_lo` of a query into sorted typed arrays (sorted within each value of the
 * column `groupedBy`, when given), chunk by chunk: millions of keys cost a few bytes each, not a
 * JavaScript object each.
 */
async function readHashes(connection: DuckDBConnection, sql: string, groupedBy?: string): Promise<KeyHashes> {
  const result = await connection.run(`SELECT "_hi", "_lo" FROM (${sql}) ORDER BY ${groupedBy === undefined ? "" : `${groupedBy}, `}"_hi", "_lo"`);
  let hi: Uint32Array = new Uint32Array(1 << 16);
  let lo: Uint32Array = new Uint32Array(1 << 16);
  let n = 0;
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const rows = chunk.rowCount;
    if (n + rows > hi.length) {
      const grow = (a: Uint32Array): Uint32Array => {
        const b = new Uint32Array(Math.max(a.length * 2, n + rows));
        b.set(a.subarray(0, n));
        return b;
      };
      [hi, lo] = [grow(hi), grow(lo)];
    }
    const [h, l] = [0, 1].map((i) => chunk.getColumnVector(i) as DuckDBUIntegerVector);
    for (let i = 0; i < rows; i++, n++) {
      hi[n] = h.getItem(i) ?? 0;
      lo[n] = l.getItem(i) ?? 0;
    }
  }
  return { hi: hi.slice(0, n), lo: lo.slice(0, n) };
}

/** The sorted key hashes of the rows of `source` (a relation with the contract's key columns). */
export async function keyHashesOf(connection: DuckDBConnection, contract: Contract, source: string): Promise<KeyHashes> {
  return readHashes(connection, `SELECT ${keyHashColumns(contract)} FROM ${source}`);
}

const headerOf = (contract: Contract, bytes: number, rows: number, min: unknown, max: unknown): KeyIndexHeader => ({
  format: FORMAT,
  version: VERSION,
  hash: HASH,
  key: contract.key,
  bytes,
  rows,
  min: min === null ? null : String(min),
  max: max === null ? null : String(max),
});

/**
 * The indexes of files to be written from the rows of `source`, one per value of the SQL
 * expression `group` (each file holding exactly the rows of its group), computed from the rows
 * in one pass instead of read back from the files; `bytes` is 0 until the file is written.
 */
export async function indexesByGroup(connection: DuckDBConnection, contract: Contract, source: string, group: string): Promise<Map<string, FileKeyIndex>> {
  const groups = (
    await connection.runAndReadAll(`SELECT CAST(${group} AS VARCHAR), count(*), min(${keyTextSql(contract)}), max(${keyTextSql(contract)}) FROM ${source} GROUP BY ${group} ORDER BY ${group}`)
  ).getRows();
  const hashes = await readHashes(connection, `SELECT ${group} AS "_group", ${keyHashColumns(contract)} FROM ${source}`, `"_group"`);
  const indexes = new Map<string, FileKeyIndex>();
  let at = 0;
  for (const [value, count, min, max] of groups) {
    const rows = Number(count);
    indexes.set(String(value), { header: headerOf(contract, 0, rows, min, max), hashes: { hi: hashes.hi.subarray(at, at + rows), lo: hashes.lo.subarray(at, at + rows) } });
    at += rows;
  }
  return indexes;
}

/** The index of a part file, read from its key columns. */
export async function indexOfFile(connection: DuckDBConnection, contract: Contract, partFile: string): Promise<FileKeyIndex> {
  const rows = `read_parquet(${duckdbReadPath(partFile)}, hive_partitioning = false)`;
  const summary = (await connection.runAndReadAll(`SELECT count(*), min(${keyTextSql(contract)}), max(${keyTextSql(contract)}) FROM ${rows}`)).getRows()[0];
  const header = headerOf(contract, fs.statSync(partFile).size, Number(summary[0]), summary[1], summary[2]);
  return { header, hashes: await readHashes(connection, `SELECT ${keyHashColumns(contract)} FROM ${rows}`) };
}

function littleEndian(): void {
  if (os.endianness() !== "LE") throw new Error("the curated key index is written little-endian; this machine is big-endian");
}

/** The header line of a file, read alone (the hashes after it are read only for candidates). */
function headerLine(file: string): { text: string; bytes: number } | undefined {
  const fd = fs.openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(4096);
    for (let at = 0; ; ) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, at);
      if (read === 0) return undefined;
      const end = buffer.subarray(0, read).indexOf(0x0a);
      chunks.push(Buffer.from(buffer.subarray(0, end < 0 ? read : end)));
      if (end >= 0) {
        const line = Buffer.concat(chunks);
        return { text: line.toString("utf8"), bytes: line.length + 1 };
      }
      at += read;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The header of a part file's index if it describes the file as it is (its key, its byte size);
 * undefined when the index is missing, unreadable, of another format or key, or stale.
 */
export function readKeyIndexHeader(partFile: string, contract: Contract): KeyIndexHeader | undefined {
  const file = keyIndexPath(partFile);
  if (!fs.existsSync(file)) return undefined;
  const line = headerLine(file);
  if (line === undefined) return undefined;
  let header: KeyIndexHeader;
  try {
    header = JSON.parse(line.text) as KeyIndexHeader;
  } catch {
    return undefined;
  }
  const described =
    header.format === FORMAT && header.version === VERSION && header.hash === HASH && JSON.stringify(header.key) === JSON.stringify(contract.key) && header.bytes === fs.statSync(partFile).size;
  return described && fs.statSync(file).size === line.bytes + header.rows * 8 ? header : undefined;
}

/** The key hashes of a part file's index whose header was read and found current. */
export function readKeyHashes(partFile: string, header: KeyIndexHeader): KeyHashes {
  littleEndian();
  const bytes = fs.readFileSync(keyIndexPath(partFile));
  const start = bytes.byteOffset + bytes.length - header.rows * 8;
  const words = start % 4 === 0 ? new Uint32Array(bytes.buffer, start, header.rows * 2) : new Uint32Array(bytes.buffer.slice(start, start + header.rows * 8));
  return { hi: words.subarray(0, header.rows), lo: words.subarray(header.rows) };
}

/** Writes a part file's index at `indexFile`: the JSON header line, then the hashes' upper halves, then their lower halves. */
export function writeKeyIndex(indexFile: string, index: FileKeyIndex): void {
  littleEndian();
  const n = index.hashes.hi.length;
  if (n !== index.header.rows) throw new Error(`key index ${indexFile}: ${n} hashes for ${index.header.rows} rows`);
  const words = new Uint32Array(n * 2);
  words.set(index.hashes.hi, 0);
  words.set(index.hashes.lo, n);
  fs.mkdirSync(path.dirname(indexFile), { recursive: true });
  // The header is padded so the hashes start 8-byte aligned: they are then read without a copy.
  let header = JSON.stringify(index.header);
  while ((Buffer.byteLength(header) + 1) % 8 !== 0) header += " ";
  fs.writeFileSync(indexFile, Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(words.buffer)]));
}

/**
 * The hashes of `index` less one occurrence of each hash of `removed` (both sorted): the index of
 * a file rewritten without some of its rows. Undefined when a removed hash is not in the index
 * (the index is then built from the rewritten file instead).
 */
export function withoutHashes(index: KeyHashes, removed: KeyHashes): KeyHashes | undefined {
  const n = index.hi.length - removed.hi.length;
  if (n < 0) return undefined;
  const out = { hi: new Uint32Array(n), lo: new Uint32Array(n) };
  let [r, o] = [0, 0];
  for (let i = 0; i < index.hi.length; i++) {
    if (r < removed.hi.length && index.hi[i] === removed.hi[r] && index.lo[i] === removed.lo[r]) {
      r++;
      continue;
    }
    if (o === n) return undefined;
    out.hi[o] = index.hi[i];
    out.lo[o++] = index.lo[i];
  }
  return r === removed.hi.length && o === n ? out : undefined;
}

const before = (aHi: number, aLo: number, bHi: number, bLo: number): boolean => aHi < bHi || (aHi === bHi && aLo < bLo);

/**
 * Whether `index` holds one of the hashes of `probes` (both sorted): a walk over both when they
 * are of like size, a binary search per probe when the probes are few.
 */
export function holdsAny(index: KeyHashes, probes: KeyHashes): boolean {
  const [n, k] = [index.hi.length, probes.hi.length];
  if (n === 0 || k === 0) return false;
  if (k * Math.log2(n) < n + k) {
    for (let p = 0; p < k; p++) {
      let [low, high] = [0, n];
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (before(index.hi[mid], index.lo[mid], probes.hi[p], probes.lo[p])) low = mid + 1;
        else high = mid;
      }
      if (low < n && index.hi[low] === probes.hi[p] && index.lo[low] === probes.lo[p]) return true;
    }
    return false;
  }
  for (let [i, p] = [0, 0]; i < n && p < k; ) {
    if (index.hi[i] === probes.hi[p] && index.lo[i] === probes.lo[p]) return true;
    if (before(index.hi[i], index.lo[i], probes.hi[p], probes.lo[p])) i++;
    else p++;
  }
  return false;
}

