import * as fs from "fs";
import * as path from "path";
import { fileFormats } from "../../src/generator/generate";
import type { DatasetName } from "../../src/generator/ground-truth";

/**
 * Export shapes that are neither the bundled samples nor a generator style: a generated "company"
 * export re-spelled field by field (ids of other widths and prefixes, other delimiters, encodings,
 * line breaks, decimal separators, identity and trade type spellings, headers). Every line keeps
 * its place and every value its meaning, so the generator's manifest (which defect is on which
 * line) stays true of the re-spelled files.
 */
export interface ExportShape {
  readonly name: string;
  readonly delimiter: "," | ";" | "|" | "\t";
  readonly encoding: "utf-8" | "utf-8-bom" | "windows-1252";
  readonly newline: "\n" | "\r\n";
  readonly decimalComma: boolean;
  /** The id of the `n`-th customer (C), provider (P) or transaction (T). */
  readonly id: (prefix: "C" | "P" | "T", n: number) => string;
  /** Identity type and trade type spellings, by the generator's spelling (other values are kept). */
  readonly spellings: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<DatasetName, readonly string[]>>;
}

/** The file names of a generated company export, one per dataset. */
const COMPANY_FILES = fileFormats("company");

/** Splits one line of a generated (comma, double-quote) CSV into its fields. */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

const ID = /^([CPT])(\d+)$/;
const NUMBER = /^-?\d+\.\d+$/;

function respellField(value: string, shape: ExportShape): string {
  const id = ID.exec(value);
  if (id !== null) return shape.id(id[1] as "C" | "P" | "T", Number(id[2]));
  if (shape.decimalComma && NUMBER.test(value)) return value.replace(".", ",");
  return shape.spellings[value] ?? value;
}

function quoted(value: string, shape: ExportShape): string {
  return value.includes(shape.delimiter) || value.includes('"') ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Windows-1252 bytes of `text`; throws on a character it cannot hold (so a shape never loses one silently). */
function windows1252(text: string): Buffer {
  const high: Record<string, number> = { "€": 0x80, "‚": 0x82, "„": 0x84, "…": 0x85, "‘": 0x91, "’": 0x92, "“": 0x93, "”": 0x94, "–": 0x96, "—": 0x97 };
  const bytes = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const byte = high[text[i]] ?? (code < 0x80 || (code >= 0xa0 && code <= 0xff) ? code : undefined);
    if (byte === undefined) throw new Error(`"${text[i]}" has no Windows-1252 byte`);
    bytes[i] = byte;
  }
  return bytes;
}

function encode(text: string, shape: ExportShape): Buffer {
  if (shape.encoding === "windows-1252") return windows1252(text);
  return Buffer.from((shape.encoding === "utf-8-bom" ? "\uFEFF" : "") + text, "utf8");
}

/** Rewrites the company-style export in `dir` into `shape`, in place (same file names, same lines). */
export function respellExport(dir: string, shape: ExportShape): void {
  for (const dataset of ["providers", "customers", "transactions"] as const) {
    const file = path.join(dir, COMPANY_FILES[dataset].fileName);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    if (lines.pop() !== "") throw new Error(`${file}: the generator ends every line with a line break`);
    const header = shape.headers[dataset];
    const body = lines.slice(1).map((line) => {
      const fields = splitCsvLine(line);
      if (fields.length !== header.length) throw new Error(`${file}: ${fields.length} fields for the ${header.length} headers of shape ${shape.name}: ${line}`);
      return fields.map((f) => quoted(respellField(f, shape), shape)).join(shape.delimiter);
    });
    fs.writeFileSync(file, encode([header.join(shape.delimiter), ...body].map((l) => l + shape.newline).join(""), shape));
  }
}

/**
 * Two shapes far from the bundled samples: wide zero-padded ids in a Windows-1252, semicolon,
 * CRLF export with decimal commas and identity types written out in words; and unpadded ids with
 * another prefix in a UTF-8 pipe export with a BOM, DIAN's numeric identity codes and one-letter
 * trade types.
 */
export const OTHER_SHAPES: readonly ExportShape[] = [
  {
    name: "semicolon, Windows-1252, CRLF, decimal comma, 6-to-8-digit ids, identity types in words",
    delimiter: ";",
    encoding: "windows-1252",
    newline: "\r\n",
    decimalComma: true,
    id: (prefix, n) => prefix + String(n).padStart(prefix === "T" ? 8 : prefix === "C" ? 6 : 5, "0"),
    spellings: {
      CC: "Cédula de Ciudadanía", "C.C.": "CÉDULA", TI: "Tarjeta de Identidad", "T.I.": "T.I.", NIT: "N.I.T.", CE: "Cédula de Extranjería",
      "C.E.": "C.E.", RC: "Registro Civil", "R.C.": "Registro Civil de Nacimiento", PA: "Pasaporte", PP: "PASAPORTE", Pasaporte: "pasaporte",
      DNI: "Documento Nacional de Identidad", Compra: "COMPRA", COMPRA: "COMPRA", compra: "COMPRA", Venta: "VENTA", VENTA: "VENTA", venta: "VENTA",
    },
    headers: {
      providers: ["Código Proveedor", "Razón Social", "Tecnología"],
      customers: ["Código Cliente", "Tipo de Documento", "Nombre o Razón Social", "Municipio"],
      transactions: ["Id Operación", "Tipo de Operación", "Código Contraparte", "Energía kWh", "Tarifa"],
    },
  },
  {
    name: "pipe, UTF-8 with BOM, unpadded ids with a 3-letter prefix, DIAN identity codes, one-letter trade types",
    delimiter: "|",
    encoding: "utf-8-bom",
    newline: "\n",
    decimalComma: false,
    id: (prefix, n) => `${prefix === "C" ? "CLI" : prefix === "P" ? "GEN" : "OPE"}-${n}`,
    spellings: {
      CC: "13", "C.C.": "13", TI: "12", "T.I.": "12", NIT: "31", CE: "22", "C.E.": "22", RC: "11", "R.C.": "11", PA: "41", PP: "41", Pasaporte: "41",
      Compra: "C", COMPRA: "C", compra: "C", Venta: "V", VENTA: "V", venta: "V",
    },
    headers: {
      providers: ["ID_GENERADOR", "NOMBRE_GENERADOR", "TIPO_GENERACION"],
      customers: ["COD_CLIENTE", "TIPO_DOC", "RAZON_SOCIAL", "CIUDAD_SUMINISTRO"],
      transactions: ["ID_OPERACION", "TIPO", "CONTRAPARTE", "KWH", "PRECIO_UNITARIO"],
    },
  },
];
