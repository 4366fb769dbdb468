import { isUtf8 } from "buffer";
import * as fs from "fs";
import { LakeInputError } from "../errors";
import { Contract, mapHeaders } from "../model/contracts";
import { ByteLayout, byteLayoutOf, readSourceSample } from "./decode";

/** How a source file is read: found by looking at its first bytes, recorded with the load. */
export interface CsvLayout {
  readonly file: string;
  /** 8-bit (UTF-8 or Windows-1252, decided line by line while reading) or UTF-16. */
  readonly byteLayout: ByteLayout;
  readonly delimiter: string;
  readonly headers: readonly string[];
  /** Canonical column per source position; undefined where the header is not in the contract. */
  readonly mapping: readonly (string | undefined)[];
  /** Headers the contract does not know: kept in raw, not loaded, reported. */
  readonly ignoredHeaders: readonly string[];
}

const SAMPLE_BYTES = 1 << 20;
const DELIMITERS = [",", ";", "\t", "|"];
const LINE_BREAK = /\r\n|\n|\r/;

/**
 * UTF-8 unless the sample has bytes above 0x7F and not one valid multi-byte UTF-8 sequence, which
 * is what a Latin-1 / Windows-1252 export looks like. The reader decides line by line; this is
 * only how the sample (header, delimiter) is read.
 */
export function detectEncoding(sample: Buffer): "utf-8" | "latin-1" {
  let high = 0;
  let validMultiByte = 0;
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i];
    if (b < 0x80) continue;
    high++;
    const length = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 0;
    if (length === 0 || i + length > sample.length) continue;
    let ok = true;
    for (let k = 1; k < length; k++) if ((sample[i + k] & 0xc0) !== 0x80) ok = false;
    if (ok) {
      validMultiByte++;
      i += length - 1;
    }
  }
  return high > 0 && validMultiByte === 0 ? "latin-1" : "utf-8";
}

/** Splits one CSV line into fields, honouring double quotes ("" is an escaped quote). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"' && current === "") {
      quoted = true;
    } else if (ch === delimiter) {
      fields.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  fields.push(current);
  return fields;
}

/** The delimiter that splits the header and the first data lines into the same, largest number of fields. */
export function detectDelimiter(lines: readonly string[]): string {
  let best = ",";
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => splitCsvLine(l, d).length);
    if (counts[0] < 2) continue;
    const consistent = counts.filter((c) => c === counts[0]).length;
    const score = consistent * 1000 + counts[0];
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** The sample as text: UTF-8 when it is UTF-8 (a character cut at its end aside), else Windows-1252 read as Latin-1. */
function sampleText(sample: Buffer): string {
  const utf8 = [0, 1, 2, 3].some((cut) => cut < sample.length && isUtf8(sample.subarray(0, sample.length - cut))) || detectEncoding(sample) === "utf-8";
  return sample.toString(utf8 ? "utf8" : "latin1").replace(/^\uFEFF/, "");
}

function readable(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new LakeInputError(`${file}: file not found; check the path`);
  }
  if (!stat.isFile()) throw new LakeInputError(`${file}: is not a regular file; pass a folder of CSV exports`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new LakeInputError(`${file}: cannot be read (permission denied); give your user read access to it`);
  }
}

/** Reads a file's first lines and decides how to load it; bad files fail here with the file named. */
export async function sniffCsv(file: string, contract: Contract): Promise<CsvLayout> {
  readable(file);
  let raw: Buffer;
  let sample: Buffer;
  try {
    raw = await readSourceSample(file, 4096, false);
    sample = await readSourceSample(file, SAMPLE_BYTES);
  } catch (err) {
    throw new LakeInputError(`${file}: cannot be read as ${file.toLowerCase().endsWith(".gz") ? "a gzip file" : "a text file"} (${(err as Error).message}); export it again`);
  }
  const byteLayout = byteLayoutOf(raw);
  const text = sampleText(sample);
  if (text.trim() === "") throw new LakeInputError(`${file}: file is empty; export it again with a header line and data rows`);
  const lines = text.split(LINE_BREAK).filter((l) => l.trim() !== "");
  const complete = sample.length < SAMPLE_BYTES ? lines : lines.slice(0, -1);
  const delimiter = detectDelimiter((complete.length > 0 ? complete : lines).slice(0, 20));
  const headers = splitCsvLine(lines[0], delimiter).map((h) => h.trim());
  const { mapping, unknown, missing, duplicated } = mapHeaders(contract, headers);
  const problems: string[] = [];
  if (headers.some((h) => h === "")) problems.push(`an empty header at position ${headers.indexOf("") + 1}; name every column`);
  if (duplicated.length > 0) problems.push(`more than one header means ${duplicated.map((d) => `"${d}"`).join(", ")}; keep one`);
  for (const m of missing) {
    const column = contract.columns.find((c) => c.name === m);
    problems.push(`required column "${m}" is missing; add a header named ${[m, ...(column?.aliases ?? [])].map((a) => `"${a}"`).join(" or ")}`);
  }
  if (mapping.every((m) => m === undefined)) {
    const found = headers.slice(0, 12).map((h) => JSON.stringify(h.length > 40 ? `${h.slice(0, 40)}…` : h)).join(", ");
    problems.push(`no header matches dataset "${contract.name}" (found ${found}${headers.length > 12 ? `, … ${headers.length} in all` : ""}); is this the right file?`);
  }
  if (problems.length > 0) throw new LakeInputError(`${file}: the header does not fit dataset "${contract.name}" (contract ${contract.file}):`, problems);
  return { file, byteLayout, delimiter, headers, mapping, ignoredHeaders: unknown };
}
