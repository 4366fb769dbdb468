/**
 * Seeded hostile CSV exports (issues 7 and 9): encodings, quoting, ragged rows, header problems,
 * BOMs, line breaks, repeated headers, null markers, NULs. Each is bytes plus a file name; the
 * parity test reads every one with the local reader and with the Glue jobs' reader.
 */

export interface HostileExport {
  readonly name: string;
  readonly bytes: Buffer;
  /** What it stresses, for the failure message. */
  readonly traits: readonly string[];
  /** The data records written (blank lines are not records): the count a reader must find, from the generator, not from a reader. */
  readonly records: number;
  /** The first field of each record as written (unquoted), for checking that a loaded row came from the input. */
  readonly firstFields: readonly string[];
}

class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  next(n: number): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.next(items.length)]!;
  }

  chance(percent: number): boolean {
    return this.next(100) < percent;
  }
}

const HEADERS = [
  ["customer_id", "id_type", "id_number", "customer_name", "city", "segment"],
  ["Cliente_ID", "Tipo Identificación", "numero_documento", "NOMBRE", "Ciudad", "Segmento"],
  ["cliente_id", "tipo_documento", "identificacion", "razon_social", "municipio"],
];
const VALUES = ["José Núñez", "Peña", "“comillas”", "€ 5", "Bogotá", "hogar", "NULL", "null", "N/A", "-", "", " ", "CC", "NIT", "a,b", 'say "hi"', "línea\nnueva", "Łódź", "日本", "🙂", "\t", "O'Brien", "1.234,5", "05/01/2026"];
const DELIMITERS = [",", ";", "\t", "|"];
const BREAKS = ["\n", "\r\n", "\r"];

function field(r: Random, delimiter: string): string {
  const value = r.pick(VALUES);
  const needsQuotes = value.includes(delimiter) || value.includes('"') || value.includes("\n") || value.includes("\r");
  if (needsQuotes || r.chance(15)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** Damage one record the way real exports are damaged. */
function damage(r: Random, record: string, header: string, delimiter: string, traits: string[]): string {
  switch (r.next(9)) {
    case 0:
      traits.push("ragged");
      return r.chance(50) ? record + delimiter + "extra" : record.split(delimiter).slice(0, -1).join(delimiter);
    case 1:
      traits.push("unterminated quote");
      return record.replace(delimiter, `${delimiter}"`);
    case 2:
      traits.push("text after a closing quote");
      return `"x"y${delimiter}${record.split(delimiter).slice(1).join(delimiter)}`;
    case 3:
      traits.push("repeated header");
      return header;
    case 4:
      traits.push("BOM mid-file");
      return `\uFEFF${record}`;
    case 5:
      traits.push("NUL");
      return record.replace(/.$/, "\0");
    case 6:
      traits.push("blank line");
      return "";
    default:
      return record;
  }
}

function encode(r: Random, text: string, traits: string[]): Buffer {
  switch (r.next(8)) {
    case 0:
      traits.push("windows-1252");
      return windows1252(text);
    case 1:
      traits.push("utf-16le with BOM");
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    case 2: {
      traits.push("a bad byte");
      const bytes = Buffer.from(text, "utf8");
      const at = Math.floor(bytes.length * 0.7);
      bytes[at] = 0xff;
      return bytes;
    }
    case 3:
      traits.push("BOM");
      return Buffer.from(`\uFEFF${text}`, "utf8");
    case 4: {
      traits.push("utf-8 then windows-1252");
      const half = text.lastIndexOf("\n", Math.floor(text.length / 2)) + 1;
      return Buffer.concat([Buffer.from(text.slice(0, half), "utf8"), windows1252(text.slice(half))]);
    }
    default:
      return Buffer.from(text, "utf8");
  }
}

/** Windows-1252 bytes; characters it has no byte for become '?'. */
function windows1252(text: string): Buffer {
  const c1 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const inC1 = c1.indexOf(ch);
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) bytes.push(code);
    else if (inC1 >= 0 && ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(0x80 + inC1)) bytes.push(0x80 + inC1);
    else bytes.push(0x3f);
  }
  return Buffer.from(bytes);
}

export function hostileExports(seed: number, count: number): HostileExport[] {
  const r = new Random(seed);
  const out: HostileExport[] = [];
  for (let n = 0; n < count; n++) {
    const traits: string[] = [];
    const delimiter = r.pick(DELIMITERS);
    const lineBreak = r.pick(BREAKS);
    let headers = [...r.pick(HEADERS)];
    if (r.chance(8)) {
      traits.push("duplicate header");
      headers = [...headers, headers[0]!];
    }
    if (r.chance(5)) {
      traits.push("unknown header");
      headers = [...headers, "notas"];
    }
    const header = headers.join(delimiter);
    const records: string[] = [];
    const firstFields: string[] = [];
    for (let i = 0; i < 1 + r.next(12); i++) {
      const fields = headers.map(() => field(r, delimiter));
      const record = fields.join(delimiter);
      const written = r.chance(30) ? damage(r, record, header, delimiter, traits) : record;
      records.push(written);
      if (written !== "") firstFields.push(fields[0]!.replace(/^"(.*)"$/s, "$1").replace(/""/g, '"'));
    }
    const text = [header, ...records].join(lineBreak) + (r.chance(70) ? lineBreak : "");
    out.push({ name: `clientes_${n}.csv`, bytes: encode(r, text, traits), traits, records: records.filter((rec) => rec !== "").length, firstFields });
  }
  return out;
}
