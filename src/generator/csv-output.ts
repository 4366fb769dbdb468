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

const MILLISECONDS_PER_DAY = 86_400_000;

/** The date `days` after `start` (a yyyy-MM-dd string), in `format`. */
function dateText(start: string, days: number, format: FileFormat["dateFormat"]): string {
  const iso = new Date(Date.parse(`${start}T00:00:00Z`) + days * MILLISECONDS_PER_DAY).toISOString().slice(0, 10);
  return format === "yyyy-MM-dd" ? iso : `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/** Every date of a window, precomputed once so the row loop only indexes an array. */
export function dateTable(start: string, days: number, format: FileFormat["dateFormat"]): string[] {
  return Array.from({ length: days }, (_, day) => dateText(start, day, format));
}

const BUFFER_BYTES = 1 << 20;
/** The longest line, in UTF-16 units (text lines) or bytes (byte-level lines), the writer accepts. */
const MAX_LINE = 4 << 10;
/** Flush past this point: the room left always holds one more line (3 UTF-8 bytes per char at worst). */
const FLUSH_AT = BUFFER_BYTES - 3 * MAX_LINE;
const DIGIT_0 = 48;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Writes lines to a file through one reused 1 MiB buffer, so a file of any size is written in
 * bounded memory. Lines come as text (`append`) or, in the hot loop, as bytes (`bytes`, `byte`,
 * `digits`, then `endLine`), which allocates nothing and so keeps the garbage collector idle.
 * `append` and `endLine` return true when the buffer is full; the caller then awaits `flush`.
 */
export class ChunkedFileWriter {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private constructor(private readonly handle: fs.promises.FileHandle) {}

  static async open(file: string, format: FileFormat): Promise<ChunkedFileWriter> {
    const writer = new ChunkedFileWriter(await fs.promises.open(file, "w"));
    writer.append((format.bom ? "\uFEFF" : "") + format.headers.join(format.delimiter) + format.newline);
    return writer;
  }

  append(line: string): boolean {
    if (line.length > MAX_LINE) throw new RangeError(`a ${line.length}-character line is longer than the writer allows (${MAX_LINE})`);
    this.used += this.buffer.write(line, this.used, "utf8");
    return this.used >= FLUSH_AT;
  }

  /** Copies already-encoded text (a few bytes: a loop beats a native copy call). */
  bytes(data: Uint8Array): void {
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < data.length; i++) buffer[at++] = data[i];
    this.used = at;
  }

  byte(value: number): void {
    this.buffer[this.used++] = value;
  }

  /** A non-negative integer in decimal, zero-padded to at least `minWidth` digits. */
  digits(value: number, minWidth: number): void {
    let width = 1;
    while (width < POWERS_OF_TEN.length && value >= POWERS_OF_TEN[width]) width++;
    if (width < minWidth) width = minWidth;
    let at = this.used + width;
    this.used = at;
    for (let i = 0; i < width; i++) {
      const next = Math.floor(value / 10);
      this.buffer[--at] = DIGIT_0 + (value - next * 10);
      value = next;
    }
  }

  /** Ends a byte-level line (the caller wrote the newline); true when the buffer should be flushed. */
  endLine(): boolean {
    return this.used >= FLUSH_AT;
  }

  async flush(): Promise<void> {
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
}
