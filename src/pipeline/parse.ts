import * as fs from "fs";
import * as path from "path";
import { LineDecoder, sourceChunks } from "./decode";
import { RecordHandler, RecordReader } from "./records";
import { ByteLayout } from "./decode";

/**
 * One source file read into two files DuckDB can read without guessing: the accepted records as
 * UTF-8 CSV with their source line first (`line<delimiter>fields...`), and the refused records
 * (`line,reason,text`). DuckDB never sees the source itself: its encoding, quoting, line breaks
 * and hostile records are dealt with here, once, with bounded work per record.
 */
export interface ParsedSource {
  /** Accepted records: the source line, then the header's fields, all text. */
  readonly acceptedFile: string;
  /** Refused records: line, reason, text (bounded). */
  readonly refusedFile: string;
  /** Data records read (accepted and refused); the header is not one. */
  readonly records: number;
  /** Of them, refused. */
  readonly rejected: number;
  /** How the bytes were decoded: utf-8, latin-1, windows-1252, utf-16le, utf-16be. */
  readonly encoding: string;
  readonly warnings: readonly string[];
}

const FLUSH_BYTES = 1 << 20;

/** Appends to a file through a buffer of {@link FLUSH_BYTES}. */
class BufferedFile {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  private used = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, "w");
  }

  write(bytes: Buffer, start = 0, end = bytes.length): void {
    const length = end - start;
    if (this.used + length > FLUSH_BYTES) this.flush();
    if (length > FLUSH_BYTES) {
      fs.writeSync(this.fd, bytes, start, length);
      return;
    }
    bytes.copy(this.buffer, this.used, start, end);
    this.used += length;
  }

  text(value: string): void {
    if (this.used + value.length * 3 > FLUSH_BYTES) this.flush();
    if (value.length * 3 > FLUSH_BYTES) {
      fs.writeSync(this.fd, value);
      return;
    }
    this.used += this.buffer.write(value, this.used, "utf8");
  }

  /** `number`, one byte, `bytes[start, end)` and a line feed: an accepted record as it goes on, with no string made. */
  numbered(number: number, separator: number, bytes: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.used + length + 22 > FLUSH_BYTES) this.flush();
    if (length + 22 > FLUSH_BYTES) {
      this.text(`${number}${String.fromCharCode(separator)}`);
      this.write(bytes, start, end);
      this.text("\n");
      return;
    }
    const buffer = this.buffer;
    let digits = 1;
    for (let n = number; n >= 10; n = Math.floor(n / 10)) digits++;
    let at = this.used + digits;
    for (let n = number; at > this.used; n = Math.floor(n / 10)) buffer[--at] = 0x30 + (n % 10);
    at = this.used + digits;
    buffer[at++] = separator;
    bytes.copy(buffer, at, start, end);
    at += length;
    buffer[at++] = 0x0a;
    this.used = at;
  }

  flush(): void {
    if (this.used > 0) fs.writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** A field as CSV: quoted only when it holds the delimiter, a quote or a line break. */
function csvField(value: string, delimiter: string): string {
  if (!value.includes(delimiter) && !value.includes('"') && !value.includes("\n") && !value.includes("\r")) return value;
  return `"${value.replace(/"/g, '""')}"`;
}

class ParsedWriter implements RecordHandler {
  private readonly accepted: BufferedFile;
  private readonly refused: BufferedFile;
  private readonly delimiterCode: number;

  constructor(acceptedFile: string, refusedFile: string, private readonly delimiter: string) {
    this.accepted = new BufferedFile(acceptedFile);
    this.refused = new BufferedFile(refusedFile);
    this.delimiterCode = Buffer.from(delimiter)[0];
  }

  verbatim(line: number, bytes: Buffer, start: number, end: number): void {
    this.accepted.numbered(line, this.delimiterCode, bytes, start, end);
  }

  fields(line: number, values: readonly string[]): void {
    this.accepted.text(`${line}${this.delimiter}${values.map((v) => csvField(v, this.delimiter)).join(this.delimiter)}\n`);
  }

  reject(line: number, reason: string, text: string): void {
    this.refused.text(`${line},${csvField(reason, ",")},${csvField(text, ",")}\n`);
  }

  close(): void {
    this.accepted.close();
    this.refused.close();
  }
}

/** Reads `layout.file` (its bytes as received, gzip or not) into `acceptedFile` and `refusedFile`. */
export async function parseSource(
  layout: { readonly file: string; readonly delimiter: string; readonly headers: readonly string[]; readonly byteLayout: ByteLayout },
  acceptedFile: string,
  refusedFile: string,
): Promise<ParsedSource> {
  fs.mkdirSync(path.dirname(acceptedFile), { recursive: true });
  const writer = new ParsedWriter(acceptedFile, refusedFile, layout.delimiter);
  const decoder = new LineDecoder(layout.byteLayout);
  const reader = new RecordReader({ delimiter: layout.delimiter, header: layout.headers, decoder }, writer);
  try {
    for await (const chunk of sourceChunks(layout.file)) reader.push(chunk);
    reader.end();
  } finally {
    writer.close();
  }
  const warnings: string[] = [];
  if (decoder.switchWarning !== undefined) warnings.push(`${layout.file}: ${decoder.switchWarning}`);
  if (reader.multiLineRecords > 0) {
    warnings.push(`${layout.file}: ${reader.multiLineRecords} record(s) have a quoted value running over several lines (first at line ${reader.firstMultiLine}); each was read as one record`);
  }
  return { acceptedFile, refusedFile, records: reader.records, rejected: reader.rejected, encoding: decoder.encoding, warnings };
}
