/**
 * An independent count of an export's records, by the reading rules (docs/guarantees.md), written
 * apart from src/pipeline/records.ts so that the property test compares the load with a second
 * reading: RFC 4180 quoting; CRLF, LF or a lone CR end a line; an empty line is not a record; a
 * quote never closed, or a quoted value over several lines that does not give the header's field
 * count, makes its first line a record of its own and reading goes on at the next line.
 * `text`: the decoded export (structure characters are ASCII, so a byte-wise latin1 reading of
 * UTF-8 or Windows-1252 bytes splits the same). Returns the line each record starts on (header: 1).
 */
export function recordLines(text: string, delimiter: string): number[] {
  const isBreak = (i: number): boolean => text[i] === "\n" || text[i] === "\r";
  const breakLength = (i: number): number => (text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1);
  const record = (start: number): { fields: number; lines: number; next: number } | undefined => {
    let i = start;
    let fields = 1;
    let lines = 0;
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) return undefined;
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (isBreak(i)) {
            lines++;
            i += breakLength(i);
            continue;
          }
          i++;
        }
      }
      while (i < text.length && text[i] !== delimiter && !isBreak(i)) i++;
      if (i >= text.length) return { fields, lines, next: i };
      if (text[i] === delimiter) {
        fields++;
        i++;
        continue;
      }
      return { fields, lines: lines + 1, next: i + breakLength(i) };
    }
  };
  const header = record(0);
  if (header === undefined) return [];
  const starts: number[] = [];
  let line = 1 + header.lines;
  let pos = header.next;
  while (pos < text.length) {
    if (isBreak(pos)) {
      pos += breakLength(pos);
      line++;
      continue;
    }
    starts.push(line);
    const r = record(pos);
    if (r === undefined || (r.lines > 1 && r.fields !== header.fields)) {
      while (pos < text.length && !isBreak(pos)) pos++;
      if (pos < text.length) pos += breakLength(pos);
      line++;
      continue;
    }
    pos = r.next;
    line += r.lines;
  }
  return starts;
}

/** The text of an export as the count reads it: UTF-16 by its BOM, else byte for byte; a leading BOM dropped. */
export function exportText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString("utf16le");
  const text = bytes.toString("latin1");
  return text.startsWith("\u00ef\u00bb\u00bf") ? text.slice(3) : text;
}
