import * as fs from "fs";

/** How one generated file is spelled on disk. */
export interface FileFormat {
  readonly fileName: string;
  readonly delimiter: "," | ";";
  readonly bom: boolean;
  readonly newline: "\r\n" | "\n";
  /** Write 1234,5 instead of 1234.5 (only in ";" files, where the comma is not the delimiter). */
  readonly decimalComma: boolean;
  readonly dateFormat: "yyyy-MM-dd" | "dd/MM/yyyy";
  readonly headers: readonly string[];
}

const NEEDS_QUOTES = /[",;\r\n]/;

/** A text field as spreadsheets export it: quoted when it holds a delimiter (either kind) or a quote. */
export function csvText(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10000];

/** `units` hundredths/thousandths/... as text: decimalText(12345, 2, ",") = "123,45". */
export function decimalText(units: number, decimals: number, separator: string): string {
  if (decimals === 0) return String(units);
  const scale = POWERS_OF_TEN[decimals];
  const whole = Math.floor(units / scale);
  return `${whole}${separator}${String(units - whole * scale).padStart(decimals, "0")}`;
}

const MILLISECONDS_PER_DAY = 86_400_000;

/** The date `days` after `start` (a yyyy-MM-dd string), in `format`. */
export function dateText(start: string, days: number, format: FileFormat["dateFormat"]): string {
  const iso = new Date(Date.parse(`${start}T00:00:00Z`) + days * MILLISECONDS_PER_DAY).toISOString().slice(0, 10);
  return format === "yyyy-MM-dd" ? iso : `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/** Every date of a window, precomputed once so the row loop only indexes an array. */
export function dateTable(start: string, days: number, format: FileFormat["dateFormat"]): string[] {
  return Array.from({ length: days }, (_, day) => dateText(start, day, format));
}

/** Lines gather in a string this long before being encoded: fewer, larger native calls. */
const PENDING_CHARS = 16 << 10;
const MAX_LINE_CHARS = 4 << 10;
const BUFFER_BYTES = 1 << 20;
/** Flush once the buffer could not take one more batch of pending text (3 UTF-8 bytes per char at worst). */
const FLUSH_AT = BUFFER_BYTES - 3 * (PENDING_CHARS + MAX_LINE_CHARS);

/**
 * Writes lines to a file through one reused 1 MiB buffer, so a file of any size is written in
 * bounded memory and each line's string dies young (cheap for the garbage collector).
 * `append` returns true when the buffer is full; the caller then awaits `flush`.
 */
export class ChunkedFileWriter {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private pending = "";
  private constructor(private readonly handle: fs.promises.FileHandle) {}

  static async open(file: string, format: FileFormat): Promise<ChunkedFileWriter> {
    const writer = new ChunkedFileWriter(await fs.promises.open(file, "w"));
    writer.append((format.bom ? "\uFEFF" : "") + format.headers.join(format.delimiter) + format.newline);
    return writer;
  }

  append(line: string): boolean {
    if (line.length > MAX_LINE_CHARS) throw new RangeError(`a ${line.length}-character line is longer than the writer allows (${MAX_LINE_CHARS})`);
    this.pending += line;
    if (this.pending.length < PENDING_CHARS) return false;
    this.encodePending();
    return this.used >= FLUSH_AT;
  }

  async flush(): Promise<void> {
    this.encodePending();
    let written = 0;
    while (written < this.used) written += (await this.handle.write(this.buffer, written, this.used - written)).bytesWritten;
    this.used = 0;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  private encodePending(): void {
    this.used += this.buffer.write(this.pending, this.used, "utf8");
    this.pending = "";
  }
}
