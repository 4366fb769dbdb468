import { DuckDBConnection, DuckDBUIntegerVector } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Contract } from "../model/contracts";
import { duckdbReadPath } from "../sql/duckdb-paths";
import { duckdb as d } from "../sql/dialect";

/**
 * The key index of a curated partition, kept beside it as `_keys.idx` (a name Hive, Spark and
 * Athena skip, as they skip `_SUCCESS`): for every row of the partition, a 64-bit hash of its key
 * and the number of the part file holding it, sorted by hash.
 *
 * It answers the merge's question (which curated files hold one of the load's keys?) whatever the
 * order of the keys: each of the load's k keys is a binary search in each index, so finding them
 * costs O(k log n) comparisons and the read of 12 bytes per curated key, and no curated row is
 * read. Min/max statistics of the key column answer it only for keys that grow with time; a
 * re-sent customer, a UUID key or a re-keyed trade make every file's range span the load's.
 *
 * A hash that matches is a candidate only: the merge then reads the candidate files' key columns
 * and joins on the keys themselves, so a collision costs a file read, never a wrong row. An index
 * that does not describe its partition's files as they are (missing, another key, a part file it
 * does not list, or of another size) is rebuilt from the files.
 */

export const KEY_INDEX_FILE = "_keys.idx";

const FORMAT = "energy-lake curated key index";
const VERSION = 1;
/** How a key becomes a hash: the same expression over the load's rows and over curated files. */
const HASH = "upper 64 bits of md5 of the key columns as text, joined by U+001F";

interface Header {
  readonly format: string;
  readonly version: number;
  readonly hash: string;
  readonly key: readonly string[];
  /** The part files the index covers, by part number, with their byte sizes. */
  readonly parts: Readonly<Record<string, number>>;
  readonly entries: number;
}

/** Key hashes (two 32-bit halves) and part numbers, sorted by hash. */
export interface KeyEntries {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly part: Uint32Array;
}

export const emptyEntries = (): KeyEntries => ({ hi: new Uint32Array(0), lo: new Uint32Array(0), part: new Uint32Array(0) });

export interface PartitionIndex {
  readonly entries: KeyEntries;
  /** Byte sizes of the part files covered, by part number. */
  readonly parts: ReadonlyMap<number, number>;
}

/** `hi` and `lo` of a key's hash in DuckDB SQL, over the key columns of the relation in scope. */
export function keyHashColumns(contract: Contract, alias?: string): string {
  const column = (k: string): string => `CAST(${alias === undefined ? "" : `${alias}.`}${d.ident(k)} AS VARCHAR)`;
  const text = contract.key.length === 1 ? column(contract.key[0]) : `concat_ws(chr(31), ${contract.key.map(column).join(", ")})`;
  const hash = `md5_number(${text})`;
  return `CAST(${hash} >> 96 AS UINTEGER) AS "_hi", CAST((${hash} >> 64) & 4294967295 AS UINTEGER) AS "_lo"`;
}

/**
 * Reads `_hi`, `_lo` and (when `withPart`) `_part` of a query into sorted typed arrays, chunk by
 * chunk: millions of keys cost a few bytes each, not a JavaScript object each.
 */
async function readEntries(connection: DuckDBConnection, sql: string, withPart: boolean): Promise<KeyEntries> {
  const result = await connection.run(`SELECT "_hi", "_lo", ${withPart ? `"_part"` : "CAST(0 AS UINTEGER)"} FROM (${sql}) ORDER BY "_hi", "_lo"`);
  let hi: Uint32Array = new Uint32Array(1 << 16);
  let lo: Uint32Array = new Uint32Array(1 << 16);
  let part: Uint32Array = new Uint32Array(1 << 16);
  let n = 0;
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const rows = chunk.rowCount;
    if (n + rows > hi.length) {
      const grow = (a: Uint32Array): Uint32Array => {
        const b = new Uint32Array(Math.max(a.length * 2, n + rows));
        b.set(a.subarray(0, n));
        return b;
      };
      [hi, lo, part] = [grow(hi), grow(lo), grow(part)];
    }
    const [h, l, p] = [0, 1, 2].map((i) => chunk.getColumnVector(i) as DuckDBUIntegerVector);
    for (let i = 0; i < rows; i++, n++) {
      hi[n] = h.getItem(i) ?? 0;
      lo[n] = l.getItem(i) ?? 0;
      part[n] = withPart ? (p.getItem(i) ?? 0) : 0;
    }
  }
  return { hi: hi.slice(0, n), lo: lo.slice(0, n), part: part.slice(0, n) };
}

/** The sorted key hashes of the rows of `source` (a relation with the contract's key columns). */
export async function keyHashesOf(connection: DuckDBConnection, contract: Contract, source: string): Promise<KeyEntries> {
  return readEntries(connection, `SELECT ${keyHashColumns(contract)} FROM ${source}`, false);
}

/** Index entries of part files (number -> file), read from their key columns. */
export async function entriesOfFiles(connection: DuckDBConnection, contract: Contract, files: ReadonlyMap<number, string>): Promise<KeyEntries> {
  if (files.size === 0) return emptyEntries();
  const branches = [...files].map(([n, file]) => `SELECT ${keyHashColumns(contract)}, CAST(${n} AS UINTEGER) AS "_part" FROM read_parquet(${duckdbReadPath(file)}, hive_partitioning = false)`);
  return readEntries(connection, branches.join(" UNION ALL "), true);
}

const compare = (aHi: number, aLo: number, bHi: number, bLo: number): number => (aHi !== bHi ? aHi - bHi : aLo - bLo);

/** Part numbers of `index` that hold one of the hashes of `probes`: a binary search per probe. */
export function partsHolding(index: KeyEntries, probes: KeyEntries): Set<number> {
  const parts = new Set<number>();
  const n = index.hi.length;
  if (n === 0) return parts;
  for (let i = 0; i < probes.hi.length; i++) {
    const [h, l] = [probes.hi[i], probes.lo[i]];
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(index.hi[mid], index.lo[mid], h, l) < 0) low = mid + 1;
      else high = mid;
    }
    for (let j = low; j < n && index.hi[j] === h && index.lo[j] === l; j++) parts.add(index.part[j]);
  }
  return parts;
}

/** The entries of `a` whose part is not in `drop`, merged with `b` (both sorted): sorted. */
export function mergeEntries(a: KeyEntries, drop: ReadonlySet<number>, b: KeyEntries): KeyEntries {
  const size = a.hi.length + b.hi.length;
  const out = { hi: new Uint32Array(size), lo: new Uint32Array(size), part: new Uint32Array(size) };
  let [i, j, n] = [0, 0, 0];
  const take = (from: KeyEntries, at: number): void => {
    out.hi[n] = from.hi[at];
    out.lo[n] = from.lo[at];
    out.part[n++] = from.part[at];
  };
  while (i < a.hi.length || j < b.hi.length) {
    if (i < a.hi.length && drop.has(a.part[i])) {
      i++;
    } else if (j >= b.hi.length || (i < a.hi.length && compare(a.hi[i], a.lo[i], b.hi[j], b.lo[j]) <= 0)) {
      take(a, i++);
    } else {
      take(b, j++);
    }
  }
  return { hi: out.hi.slice(0, n), lo: out.lo.slice(0, n), part: out.part.slice(0, n) };
}

function littleEndian(): void {
  if (os.endianness() !== "LE") throw new Error("the curated key index is written little-endian; this machine is big-endian");
}

/**
 * The index of a partition if it describes `files` (part number -> byte size) exactly;
 * undefined when it is missing, unreadable, of another format or key, or stale.
 */
export function readKeyIndex(file: string, contract: Contract, files: ReadonlyMap<number, number>): PartitionIndex | undefined {
  littleEndian();
  if (!fs.existsSync(file)) return undefined;
  const bytes = fs.readFileSync(file);
  const end = bytes.indexOf(0x0a);
  if (end < 0) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(0, end).toString("utf8")) as Header;
  } catch {
    return undefined;
  }
  if (header.format !== FORMAT || header.version !== VERSION || header.hash !== HASH || JSON.stringify(header.key) !== JSON.stringify(contract.key)) return undefined;
  const parts = new Map(Object.entries(header.parts).map(([n, size]) => [Number(n), size]));
  if (parts.size !== files.size || [...files].some(([n, size]) => parts.get(n) !== size)) return undefined;
  const start = end + 1;
  const n = header.entries;
  if (start % 4 !== 0 || bytes.length !== start + n * 12) return undefined;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + start, n * 3);
  return { entries: { hi: words.slice(0, n), lo: words.slice(n, 2 * n), part: words.slice(2 * n, 3 * n) }, parts };
}

/** Writes a partition's index: a JSON header line (padded so the arrays are aligned), then the hashes' halves and the part numbers. */
export function writeKeyIndex(file: string, contract: Contract, entries: KeyEntries, parts: ReadonlyMap<number, number>): void {
  littleEndian();
  const n = entries.hi.length;
  const header: Header = { format: FORMAT, version: VERSION, hash: HASH, key: contract.key, parts: Object.fromEntries([...parts].sort((a, b) => a[0] - b[0])), entries: n };
  let text = JSON.stringify(header);
  while ((Buffer.byteLength(text) + 1) % 4 !== 0) text += " ";
  const words = new Uint32Array(n * 3);
  words.set(entries.hi, 0);
  words.set(entries.lo, n);
  words.set(entries.part, 2 * n);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`${text}\n`), Buffer.from(words.buffer)]));
}
