import { headerKey } from "../model/text";
import { LineDecoder } from "./decode";

/**
 * Splits a source file into records (RFC 4180 quoting; line breaks CRLF, LF or a lone CR) and
 * decides, record by record, whether it can be loaded. One linear pass with bounded work per
 * record, however hostile the file:
 *
 * - a record of more than {@link MAX_RECORD_BYTES} is refused without being split;
 * - a quote that is not closed by the end of the file (or within the record limit), or a record
 *   spanning lines that does not have the header's fields, is a bad quote on its first line: that
 *   line is refused and the lines after it are read as records of their own;
 * - a record with another number of fields than the header is ragged;
 * - the header row again (files concatenated), a byte-order mark at a record's start, a NUL byte
 *   and bytes the encoding cannot decode are structure problems;
 * - a completely empty line is not a record.
 *
 * Every refused record reaches {@link RecordHandler.reject} with its line, a reason of bounded
 * length and its text cut to {@link MAX_STORED_TEXT} characters.
 */

export const MAX_RECORD_BYTES = 1 << 20;
/** A quarantined record's raw text is kept up to this many characters. */
export const MAX_STORED_TEXT = 4096;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const NUL = 0x00;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface RecordHandler {
  /** A clean one-line record in valid UTF-8 without quotes: its bytes go on as they are. */
  verbatim(line: number, bytes: Buffer, start: number, end: number): void;
  /** A record whose fields had to be unquoted or decoded. */
  fields(line: number, values: readonly string[]): void;
  /** A record that cannot be loaded. */
  reject(line: number, reason: string, text: string): void;
}

export interface ReaderOptions {
  readonly delimiter: string;
  /** The header's fields as read from the file; its record is skipped. */
  readonly header: readonly string[];
  readonly decoder: LineDecoder;
}

/** Cuts stored text to a bounded length, saying how much there was. */
export function boundedText(text: string, limit = MAX_STORED_TEXT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [${text.length - limit} more characters]`;
}

function startsWithBom(bytes: Buffer, at: number, end: number): boolean {
  return end - at >= 3 && bytes[at] === BOM[0] && bytes[at + 1] === BOM[1] && bytes[at + 2] === BOM[2];
}

type Parsed =
  | { readonly kind: "more" }
  | { readonly kind: "record"; readonly end: number; readonly next: number; readonly lines: number; readonly fields: readonly [number, number, boolean][]; readonly error?: string }
  | { readonly kind: "unterminated" }
  | { readonly kind: "too-long" };

export class RecordReader {
  private buffer: Buffer = Buffer.alloc(0);
  private line = 1;
  private headerDone = false;
  private readonly delimiter: number;
  private readonly headerKeys: readonly string[];
  private readonly headerFirst: string;
  /** A record longer than the limit: its line, its first bytes, and that we are skipping to its end. */
  private skipping: { line: number; head: Buffer; bytes: number } | undefined;
  /** Records read (accepted and refused), not counting the header. */
  records = 0;
  rejected = 0;
  multiLineRecords = 0;
  firstMultiLine: number | undefined;

  constructor(private readonly options: ReaderOptions, private readonly handler: RecordHandler) {
    if (Buffer.byteLength(options.delimiter) !== 1) throw new Error(`delimiter ${JSON.stringify(options.delimiter)} must be one byte`);
    this.delimiter = options.delimiter.charCodeAt(0);
    this.headerKeys = options.header.map(headerKey);
    this.headerFirst = options.header[0]?.trim().toLowerCase() ?? "";
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain(false);
  }

  end(): void {
    this.drain(true);
    this.buffer = Buffer.alloc(0);
  }

  private get fieldCount(): number {
    return this.options.header.length;
  }

  private reject(line: number, reason: string, text: string): void {
    this.records++;
    this.rejected++;
    this.handler.reject(line, reason, boundedText(text));
  }

  /** Text of bytes for a refused record, decoded when it can be. */
  private textOf(bytes: Buffer, start: number, end: number, line: number): string {
    const limit = Math.min(end, start + MAX_STORED_TEXT * 4);
    const decoded = this.options.decoder.decode(bytes, start, limit, line);
    const text = decoded.text ?? this.options.decoder.lossy(bytes, start, limit);
    return limit < end ? `${text}… [${end - limit} more bytes]` : text;
  }

  private drain(final: boolean): void {
    const bytes = this.buffer;
    const length = bytes.length;
    let pos = 0;
    while (pos < length) {
      if (this.skipping !== undefined) {
        const stop = this.lineEnd(bytes, pos, length);
        if (stop < 0 && !final) {
          this.skipping.bytes += length - pos;
          pos = length;
          break;
        }
        const end = stop < 0 ? length : stop;
        const { line, head } = this.skipping;
        const total = this.skipping.bytes + (end - pos);
        this.skipping = undefined;
        this.reject(line, `record of ${total} bytes is longer than the ${MAX_RECORD_BYTES >> 20} MiB a record may have; it was not split into fields`, `${this.textOf(head, 0, head.length, line)}… [${total - head.length} more bytes]`);
        pos = this.afterBreak(bytes, end, length, final);
        if (pos < 0) {
          pos = end;
          break;
        }
        this.line++;
        continue;
      }
      const c = bytes[pos];
      if (c === LF || c === CR) {
        const next = this.afterBreak(bytes, pos, length, final);
        if (next < 0) break;
        pos = next;
        this.line++;
        continue;
      }
      if (!this.headerDone) {
        if (pos === 0 && startsWithBom(bytes, 0, length)) {
          pos = 3;
          continue;
        }
        const parsed = this.parseQuoted(bytes, pos, length, final, true);
        if (parsed.kind === "more") break;
        if (parsed.kind !== "record") {
          // The sniffer validated the header; a header that never ends leaves nothing to read.
          this.headerDone = true;
          pos = length;
          break;
        }
        this.headerDone = true;
        this.line += parsed.lines + (parsed.next > parsed.end ? 1 : 0);
        pos = parsed.next;
        continue;
      }
      const consumed = this.readRecord(bytes, pos, length, final);
      if (consumed < 0) break;
      pos = consumed;
    }
    this.buffer = pos >= length ? Buffer.alloc(0) : bytes.subarray(pos);
  }

  /** Index of the first CR or LF at or after `from`, -1 when none. */
  private lineEnd(bytes: Buffer, from: number, length: number): number {
    for (let i = from; i < length; i++) {
      const c = bytes[i];
      if (c === LF || c === CR) return i;
    }
    return -1;
  }

  /** Position after the line break at `at` (CRLF is one break); -1 when a CR ends the buffer and the next byte is not known yet. */
  private afterBreak(bytes: Buffer, at: number, length: number, final: boolean): number {
    if (at >= length) return length;
    if (bytes[at] === LF) return at + 1;
    if (at + 1 < length) return bytes[at + 1] === LF ? at + 2 : at + 1;
    return final ? at + 1 : -1;
  }

  /** Reads the record at `pos`; returns where the next one starts, or -1 when more bytes are needed. */
  private readRecord(bytes: Buffer, pos: number, length: number, final: boolean): number {
    const line = this.line;
    const delimiter = this.delimiter;
    let delimiters = 0;
    let quoted = false;
    let nul = false;
    let high = false;
    let i = pos;
    for (; i < length; i++) {
      const c = bytes[i];
      if (c === LF || c === CR) break;
      if (c === delimiter) delimiters++;
      else if (c >= 0x80) high = true;
      else if (c === QUOTE) {
        quoted = true;
        break;
      } else if (c === NUL) nul = true;
    }
    if (quoted) return this.readQuotedRecord(bytes, pos, length, final);
    if (i === length && !final) {
      if (i - pos > MAX_RECORD_BYTES) {
        this.skipping = { line, head: Buffer.from(bytes.subarray(pos, pos + MAX_STORED_TEXT)), bytes: i - pos };
        return length;
      }
      return -1;
    }
    const next = this.afterBreak(bytes, i, length, final);
    if (next < 0) return -1;
    this.line++;
    const end = i;
    if (end - pos > MAX_RECORD_BYTES) {
      this.reject(line, `record of ${end - pos} bytes is longer than the ${MAX_RECORD_BYTES >> 20} MiB a record may have; it was not split into fields`, this.textOf(bytes, pos, end, line));
      return next;
    }
    if (startsWithBom(bytes, pos, end)) {
      this.structureAtBom(bytes, pos, end, line);
      return next;
    }
    if (nul) {
      this.reject(line, "contains a NUL byte (binary data, or a UTF-16 file cut short); re-export the file as text", this.textOf(bytes, pos, end, line).replace(/\0/g, "\\0"));
      return next;
    }
    if (delimiters + 1 !== this.fieldCount) {
      this.reject(line, this.raggedReason(delimiters + 1), this.textOf(bytes, pos, end, line));
      return next;
    }
    const decoder = this.options.decoder;
    if (!high || decoder.verbatim(bytes, pos, end, line)) {
      if (this.looksLikeHeader(bytes, pos, end)) {
        const text = bytes.toString("utf8", pos, end);
        if (this.isHeader(text.split(this.options.delimiter))) {
          this.reject(line, "the header row again (files concatenated?); remove the repeated header", text);
          return next;
        }
      }
      this.records++;
      this.handler.verbatim(line, bytes, pos, end);
      return next;
    }
    const decoded = decoder.decode(bytes, pos, end, line);
    if (decoded.error !== undefined) {
      this.reject(line, decoded.error, this.textOf(bytes, pos, end, line));
      return next;
    }
    const values = decoded.text.split(this.options.delimiter);
    if (this.isHeader(values)) {
      this.reject(line, "the header row again (files concatenated?); remove the repeated header", decoded.text);
      return next;
    }
    this.records++;
    this.handler.fields(line, values);
    return next;
  }

  private raggedReason(found: number): string {
    return `ragged row: ${found} fields where the header has ${this.fieldCount}`;
  }

  /** A record starting with a byte-order mark: a second file's start pasted mid-file. */
  private structureAtBom(bytes: Buffer, pos: number, end: number, line: number): void {
    const text = this.textOf(bytes, pos + 3, end, line);
    const reason = this.isHeader(text.split(this.options.delimiter))
      ? "the header row again, with a byte-order mark (files concatenated?); remove the repeated header"
      : "a byte-order mark (U+FEFF) at the start of the record (files concatenated?); remove it";
    this.reject(line, reason, `\uFEFF${text}`);
  }

  /** Cheap test before the exact one: the first field is the header's first name, ignoring case. */
  private looksLikeHeader(bytes: Buffer, pos: number, end: number): boolean {
    const first = this.headerFirst;
    if (first === "") return false;
    const longest = Math.min(end, pos + first.length + 8);
    let stop = pos;
    while (stop < longest && bytes[stop] !== this.delimiter) stop++;
    if (stop === longest && stop < end && bytes[stop] !== this.delimiter) return false;
    if (stop - pos < first.length) return false;
    return bytes.toString("utf8", pos, stop).trim().toLowerCase() === first;
  }

  private isHeader(values: readonly string[]): boolean {
    return values.length === this.headerKeys.length && values.every((v, i) => headerKey(v) === this.headerKeys[i]);
  }

  private readQuotedRecord(bytes: Buffer, pos: number, length: number, final: boolean): number {
    const line = this.line;
    const parsed = this.parseQuoted(bytes, pos, length, final, false);
    if (parsed.kind === "more") return -1;
    const firstBreak = this.lineEnd(bytes, pos, length);
    const badQuoteOnFirstLine = (reason: string): number => {
      if (firstBreak < 0 && !final) {
        // The first line itself does not end within the limit: refuse it whole, without reading it.
        this.skipping = { line, head: Buffer.from(bytes.subarray(pos, pos + MAX_STORED_TEXT)), bytes: length - pos };
        return length;
      }
      const end = firstBreak < 0 ? length : firstBreak;
      this.reject(line, end - pos > MAX_RECORD_BYTES ? `record of ${end - pos} bytes is longer than the ${MAX_RECORD_BYTES >> 20} MiB a record may have; it was not split into fields` : reason, this.textOf(bytes, pos, end, line));
      this.line = line + 1;
      return firstBreak < 0 ? length : this.afterBreak(bytes, firstBreak, length, true);
    };
    if (parsed.kind === "unterminated" || parsed.kind === "too-long") {
      return badQuoteOnFirstLine(
        parsed.kind === "unterminated"
          ? "unterminated quote: a field opens a quote that is never closed; the lines after it are read on their own"
          : `unterminated quote: a quoted field runs past the ${MAX_RECORD_BYTES >> 20} MiB a record may have; the lines after it are read on their own`,
      );
    }
    if (parsed.lines > 0 && parsed.fields.length !== this.fieldCount) {
      return badQuoteOnFirstLine(
        `unterminated quote: a quoted field runs over ${parsed.lines + 1} lines into a record of ${parsed.fields.length} fields where the header has ${this.fieldCount}; the lines after it are read on their own`,
      );
    }
    this.line = line + parsed.lines + (parsed.next > parsed.end ? 1 : 0);
    const end = parsed.end;
    if (parsed.error !== undefined) {
      this.reject(line, parsed.error, this.textOf(bytes, pos, end, line));
      return parsed.next;
    }
    if (startsWithBom(bytes, pos, end)) {
      this.structureAtBom(bytes, pos, end, line);
      return parsed.next;
    }
    if (bytes.subarray(pos, end).includes(NUL)) {
      this.reject(line, "contains a NUL byte (binary data, or a UTF-16 file cut short); re-export the file as text", this.textOf(bytes, pos, end, line).replace(/\0/g, "\\0"));
      return parsed.next;
    }
    if (parsed.fields.length !== this.fieldCount) {
      this.reject(line, this.raggedReason(parsed.fields.length), this.textOf(bytes, pos, end, line));
      return parsed.next;
    }
    const decoder = this.options.decoder;
    const whole = decoder.decode(bytes, pos, end, line);
    if (whole.error !== undefined) {
      this.reject(line, whole.error, this.textOf(bytes, pos, end, line));
      return parsed.next;
    }
    const values = parsed.fields.map(([start, stop, isQuoted]) => {
      const text = decoder.decode(bytes, start, stop, line).text ?? "";
      return isQuoted ? text.replace(/""/g, '"') : text;
    });
    if (this.isHeader(values)) {
      this.reject(line, "the header row again (files concatenated?); remove the repeated header", whole.text);
      return parsed.next;
    }
    if (parsed.lines > 0) {
      this.multiLineRecords++;
      this.firstMultiLine ??= line;
    }
    this.records++;
    this.handler.fields(line, values);
    return parsed.next;
  }

  /**
   * RFC 4180 fields of the record at `pos`: [start, end, quoted] per field (quoted fields without
   * their quotes, "" not yet unescaped). A quote inside an unquoted field is a literal character.
   */
  private parseQuoted(bytes: Buffer, pos: number, length: number, final: boolean, header: boolean): Parsed {
    const delimiter = this.delimiter;
    const fields: [number, number, boolean][] = [];
    let lines = 0;
    let i = pos;
    let error: string | undefined;
    const limit = header ? length : Math.min(length, pos + MAX_RECORD_BYTES);
    for (;;) {
      if (!header && i - pos > MAX_RECORD_BYTES) return { kind: "too-long" };
      if (bytes[i] === QUOTE) {
        const start = i + 1;
        let j = start;
        let closed = -1;
        while (j < limit) {
          const c = bytes[j];
          if (c === QUOTE) {
            if (j + 1 < length && bytes[j + 1] === QUOTE) {
              j += 2;
              continue;
            }
            if (j + 1 >= length && !final) return { kind: "more" };
            closed = j;
            break;
          }
          if (c === CR) {
            if (j + 1 >= length && !final) return { kind: "more" };
            lines++;
            if (bytes[j + 1] === LF) j++;
          } else if (c === LF) lines++;
          j++;
        }
        if (closed < 0) {
          if (j >= length && !final) return { kind: "more" };
          return { kind: j >= limit && limit < length ? "too-long" : "unterminated" };
        }
        fields.push([start, closed, true]);
        i = closed + 1;
        if (i < length && bytes[i] !== delimiter && bytes[i] !== CR && bytes[i] !== LF) {
          error ??= `bad quoting: text after the closing quote of field ${fields.length}; quote the whole field and double any quote inside it`;
          while (i < length && bytes[i] !== delimiter && bytes[i] !== CR && bytes[i] !== LF) i++;
        }
      } else {
        const start = i;
        while (i < limit && bytes[i] !== delimiter && bytes[i] !== CR && bytes[i] !== LF) i++;
        if (i === limit && limit < length) return { kind: "too-long" };
        fields.push([start, i, false]);
      }
      if (i >= length) {
        if (!final) return { kind: "more" };
        return { kind: "record", end: i, next: i, lines, fields, error };
      }
      if (bytes[i] === delimiter) {
        i++;
        continue;
      }
      // A line break ends the record.
      const end = i;
      const next = this.afterBreak(bytes, i, length, final);
      if (next < 0) return { kind: "more" };
      return { kind: "record", end, next, lines, fields, error };
    }
  }
}
