import { isUtf8 } from "buffer";
import * as fs from "fs";
import { StringDecoder } from "string_decoder";
import * as zlib from "zlib";

/**
 * How source bytes become text. Exports come as UTF-8, as Windows-1252 (Spanish-language Excel on
 * Windows; Latin-1 is the same for every letter) or, from "Unicode text" exports, as UTF-16.
 * Bytes the encoding cannot decode are never guessed into text: their record is quarantined with
 * its line and the reason.
 */

/** The file's byte layout: 8-bit (UTF-8 or Windows-1252, decided line by line) or UTF-16 (by its BOM, or by its zero bytes). */
export type ByteLayout = "8-bit" | "utf-16le" | "utf-16be";

/** Windows-1252 at 0x80..0x9F (Latin-1 has control codes there); undefined: the five bytes Windows-1252 leaves unassigned. */
const CP1252_C1: readonly (number | undefined)[] = [
  0x20ac, undefined, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, undefined, 0x017d, undefined,
  undefined, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, undefined, 0x017e, 0x0178,
];
const C1_CHARS = /[\u0080-\u009f]/g;
const toCp1252 = (c: string): string => String.fromCharCode(CP1252_C1[c.charCodeAt(0) - 0x80] ?? c.charCodeAt(0));

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** From the first bytes of the (decompressed) file: its BOM, or UTF-16's tell-tale zero bytes in ASCII text. */
export function byteLayoutOf(sample: Buffer): ByteLayout {
  if (sample[0] === 0xff && sample[1] === 0xfe) return "utf-16le";
  if (sample[0] === 0xfe && sample[1] === 0xff) return "utf-16be";
  const probe = Math.min(sample.length - (sample.length % 2), 4096);
  if (probe < 4) return "8-bit";
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < probe; i += 2) {
    if (sample[i] === 0) evenZeros++;
    if (sample[i + 1] === 0) oddZeros++;
  }
  const pairs = probe / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return "utf-16le";
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return "utf-16be";
  return "8-bit";
}

function swapBytes(chunk: Buffer): Buffer {
  const copy = Buffer.from(chunk);
  copy.swap16();
  return copy;
}

/**
 * The file's bytes as a stream of 8-bit text: gzip is decompressed, UTF-16 is transcoded to UTF-8
 * (a byte-order mark is dropped). `onStart` learns the byte layout before the first chunk.
 */
export async function* sourceChunks(file: string, chunkBytes = 1 << 20): AsyncGenerator<Buffer, void, undefined> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, "r");
  const headBytes = fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const raw = fs.createReadStream(file, { highWaterMark: chunkBytes });
  const stream: AsyncIterable<Buffer> = isGzip(head.subarray(0, headBytes)) ? raw.pipe(zlib.createGunzip({ chunkSize: chunkBytes })) : raw;
  let layout: ByteLayout | undefined;
  let utf16: StringDecoder | undefined;
  let carry: Buffer | undefined;
  for await (const piece of stream) {
    let chunk = carry === undefined ? piece : Buffer.concat([carry, piece]);
    carry = undefined;
    if (layout === undefined) {
      if (chunk.length < 4096 && piece.length > 0) {
        carry = chunk;
        continue;
      }
      layout = byteLayoutOf(chunk);
      if (layout !== "8-bit") {
        utf16 = new StringDecoder("utf16le");
        if (chunk[0] === 0xff || chunk[0] === 0xfe) chunk = chunk.subarray(2);
      }
    }
    if (utf16 === undefined) {
      yield chunk;
      continue;
    }
    if (layout === "utf-16be") {
      const even = chunk.length - (chunk.length % 2);
      if (even < chunk.length) carry = chunk.subarray(even);
      chunk = swapBytes(chunk.subarray(0, even));
    }
    yield Buffer.from(utf16.write(chunk), "utf8");
  }
  if (carry !== undefined && carry.length > 0) {
    if (layout === undefined) {
      layout = byteLayoutOf(carry);
      if (layout !== "8-bit") {
        utf16 = new StringDecoder("utf16le");
        if (carry[0] === 0xff || carry[0] === 0xfe) carry = carry.subarray(2);
      }
    }
    if (utf16 === undefined) yield carry;
    else yield Buffer.from(utf16.write(layout === "utf-16be" ? swapBytes(carry.subarray(0, carry.length - (carry.length % 2))) : carry), "utf8");
  }
  if (utf16 !== undefined) {
    const rest = utf16.end();
    if (rest !== "") yield Buffer.from(rest, "utf8");
  }
}

/** The layout the stream of {@link sourceChunks} came from, for the load record. */
export async function sourceByteLayout(file: string): Promise<ByteLayout> {
  const sample = await readSourceSample(file, 4096, false);
  return byteLayoutOf(sample);
}

/** The first `bytes` of a file, decompressed when gzip; transcoded to UTF-8 when UTF-16 and `as8bit`. */
export async function readSourceSample(file: string, bytes: number, as8bit = true): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let length = 0;
  if (!as8bit) {
    const head = Buffer.alloc(2);
    const fd = fs.openSync(file, "r");
    const headBytes = fs.readSync(fd, head, 0, 2, 0);
    fs.closeSync(fd);
    const raw = fs.createReadStream(file, { highWaterMark: Math.max(bytes, 1 << 16) });
    const stream: AsyncIterable<Buffer> = isGzip(head.subarray(0, headBytes)) ? raw.pipe(zlib.createGunzip()) : raw;
    for await (const piece of stream) {
      pieces.push(piece);
      length += piece.length;
      if (length >= bytes) break;
    }
    return Buffer.concat(pieces).subarray(0, bytes);
  }
  for await (const piece of sourceChunks(file, Math.max(bytes, 1 << 16))) {
    pieces.push(piece);
    length += piece.length;
    if (length >= bytes) break;
  }
  return Buffer.concat(pieces).subarray(0, bytes);
}

/** What a line's bytes turned out to be. */
export type LineText = { readonly text: string; readonly error?: undefined } | { readonly text?: undefined; readonly error: string };

function hasHighByte(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return true;
  return false;
}

function undefinedCp1252Byte(bytes: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b >= 0x80 && b <= 0x9f && CP1252_C1[b - 0x80] === undefined) return i;
  }
  return -1;
}

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;

/**
 * Decodes a file line by line. An 8-bit file is UTF-8 until a line is not valid UTF-8; from then
 * on it is Windows-1252, except for the lines that are valid multi-byte UTF-8 (an export that
 * switches encoding part-way: both halves are read right, and the switch is reported). A UTF-8
 * file's line that is not valid UTF-8 cannot be decoded.
 */
export class LineDecoder {
  private mode: "ascii" | "utf-8" | "windows-1252" = "ascii";
  private c1Seen = false;
  private utf8InSingleByte = 0;
  private firstUtf8InSingleByte: number | undefined;
  private singleByteFromLine: number | undefined;

  constructor(readonly layout: ByteLayout) {}

  /** True when the bytes can go to DuckDB as they are: ASCII, or valid UTF-8 in a UTF-8 file. */
  verbatim(bytes: Buffer, start: number, end: number, line: number): boolean {
    if (this.layout !== "8-bit") return !bytes.subarray(start, end).includes("\uFFFD");
    if (!hasHighByte(bytes, start, end)) return true;
    if (!isUtf8(bytes.subarray(start, end))) {
      if (this.mode === "ascii") {
        this.mode = "windows-1252";
        this.singleByteFromLine = line;
      }
      return false;
    }
    if (this.mode === "ascii") this.mode = "utf-8";
    if (this.mode === "utf-8") return true;
    this.utf8InSingleByte++;
    this.firstUtf8InSingleByte ??= line;
    return true;
  }

  /** The text of bytes [start, end) of a line; an error naming the byte when they cannot be decoded. */
  decode(bytes: Buffer, start: number, end: number, line: number): LineText {
    if (this.verbatim(bytes, start, end, line)) {
      if (this.layout !== "8-bit") return { text: bytes.toString("utf8", start, end) };
      return { text: bytes.toString(hasHighByte(bytes, start, end) ? "utf8" : "latin1", start, end) };
    }
    if (this.layout !== "8-bit") return { error: `invalid ${this.layout.toUpperCase()} (a broken character, shown as U+FFFD); re-export the file` };
    if (this.mode === "utf-8") {
      const at = firstInvalidUtf8(bytes, start, end);
      return { error: `invalid UTF-8 byte sequence (byte ${hex(bytes[at])} at position ${at - start + 1}) in a UTF-8 file; re-export the file as UTF-8` };
    }
    const bad = undefinedCp1252Byte(bytes, start, end);
    if (bad >= 0) return { error: `byte ${hex(bytes[bad])} at position ${bad - start + 1} is a character in neither UTF-8 nor Windows-1252; re-export the file as UTF-8` };
    const latin = bytes.toString("latin1", start, end);
    if (C1_CHARS.test(latin)) {
      this.c1Seen = true;
      C1_CHARS.lastIndex = 0;
      return { text: latin.replace(C1_CHARS, toCp1252) };
    }
    return { text: latin };
  }

  /** Text for a quarantined line: decoded as far as it can be, each byte that cannot as \\xNN. */
  lossy(bytes: Buffer, start: number, end: number): string {
    if (this.layout !== "8-bit" || this.mode !== "windows-1252" || isUtf8(bytes.subarray(start, end))) return lossyText(bytes, start, end);
    let out = "";
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      out += b >= 0x80 && b <= 0x9f && CP1252_C1[b - 0x80] === undefined ? `\\x${b.toString(16).toUpperCase()}` : b >= 0x80 && b <= 0x9f ? String.fromCharCode(CP1252_C1[b - 0x80] ?? b) : String.fromCharCode(b);
    }
    return out;
  }

  /** The encoding read, as the load record states it: utf-8, latin-1, windows-1252, utf-16le, ... */
  get encoding(): string {
    if (this.layout !== "8-bit") return this.layout;
    if (this.mode === "windows-1252") return this.c1Seen ? "windows-1252" : "latin-1";
    return "utf-8";
  }

  /** Said once per file when its encoding changes part-way. */
  get switchWarning(): string | undefined {
    if (this.utf8InSingleByte === 0) return undefined;
    return `mixes encodings: read as ${this.encoding} from line ${this.singleByteFromLine}, but ${this.utf8InSingleByte} line(s) are UTF-8 (first at line ${this.firstUtf8InSingleByte}) and were read as UTF-8; export it in one encoding`;
  }
}

/** Length of the valid UTF-8 sequence starting at bytes[i], 0 when it is not one (overlong, surrogate, cut or stray). */
function utf8SequenceLength(bytes: Buffer, i: number, end: number): number {
  const b = bytes[i];
  if (b < 0x80) return 1;
  const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (length === 0 || i + length > end) return 0;
  for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return 0;
  const second = bytes[i + 1];
  if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return 0;
  return length;
}

function firstInvalidUtf8(bytes: Buffer, start: number, end: number): number {
  for (let i = start; i < end; ) {
    const length = utf8SequenceLength(bytes, i, end);
    if (length === 0) return i;
    i += length;
  }
  return start;
}

/** Bytes as readable text for a quarantined line: what decodes as UTF-8 as itself, any other byte as \xNN. */
export function lossyText(bytes: Buffer, start: number, end: number): string {
  const slice = bytes.subarray(start, end);
  if (isUtf8(slice)) return slice.toString("utf8");
  let out = "";
  for (let i = start; i < end; ) {
    const length = utf8SequenceLength(bytes, i, end);
    if (length === 0) {
      out += `\\x${bytes[i].toString(16).toUpperCase().padStart(2, "0")}`;
      i++;
    } else {
      out += bytes.toString("utf8", i, i + length);
      i += length;
    }
  }
  return out;
}
