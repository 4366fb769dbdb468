import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { readJsonFile, schemaProblems } from "./schema-validation";
import { foldValue, headerKey } from "./text";

/** The project root: contracts/, quality-rules/ and the JSON Schemas live under it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_CONTRACTS_DIR = path.join(PROJECT_ROOT, "contracts");
export const CONTRACT_SCHEMA_FILE = path.join(DEFAULT_CONTRACTS_DIR, "contract.schema.json");

export type ColumnType =
  | { readonly kind: "string" }
  | { readonly kind: "integer" }
  | { readonly kind: "decimal"; readonly precision: number; readonly scale: number }
  | { readonly kind: "date" }
  | { readonly kind: "timestamp" }
  | { readonly kind: "boolean" };

export interface Column {
  readonly name: string;
  /** The declared type as written in the contract, e.g. `decimal(18,3)`. */
  readonly typeName: string;
  readonly type: ColumnType;
  readonly description: string;
  /** Key columns are always required. */
  readonly required: boolean;
  readonly pii: boolean;
  readonly aliases: readonly string[];
  /** Folded source spelling -> canonical value; empty when the column is not an enum. */
  readonly valueMap: ReadonlyMap<string, string>;
  /** Values that mean "no value" in this column (the column's own, else the contract's). */
  readonly nullMarkers: readonly string[];
}

/**
 * How the exports write numbers. `decimal` undefined: not declared, so each load reads it from its
 * values (see the typed view). `grouping` undefined: the other of "." and ","; "" accepts none.
 */
export interface NumberFormat {
  readonly decimal?: "." | ",";
  readonly grouping?: string;
}

export type PeriodGranularity = "year" | "month" | "day";

/** Curated partitioning by business period: `curated/<dataset>/<name>=<period of column>/`. */
export interface CuratedPartition {
  /** A date or timestamp column. */
  readonly column: string;
  readonly granularity: PeriodGranularity;
  /** The partition key in paths and catalog tables; never a column name. */
  readonly name: string;
}

export const CONTRACT_STATUSES = ["proposed", "draft", "active", "deprecated", "retired"] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export interface Contract {
  readonly name: string;
  /** Semantic version; a breaking change raises its major number (lake contract diff). */
  readonly version: string;
  /** @default "active" */
  readonly status: ContractStatus;
  readonly description: string;
  readonly file: string;
  readonly fileNames: readonly string[];
  readonly key: readonly string[];
  /** Absent: curated is one file (small datasets). */
  readonly curatedPartition?: CuratedPartition;
  readonly dateFormats: readonly string[];
  readonly timestampFormats: readonly string[];
  /** The contract's null markers (columns may declare their own). */
  readonly nullMarkers: readonly string[];
  readonly numbers: NumberFormat;
  readonly columns: readonly Column[];
}

/** What exports write for "no value" when the contract does not say. */
export const DEFAULT_NULL_MARKERS = ["NULL", "null", "N/A", "-"];

/** The decimal separator a load read numbers with, and where it came from. */
export interface NumberRecord {
  readonly decimal_separator: "." | "," | null;
  /** contract: declared; values: shown by the load's values; undecided: neither (values that read two ways were quarantined). */
  readonly from: "contract" | "values" | "undecided";
}

/** The contract as one load read it: with the decimal separator the load's values showed, when the contract names none. */
export function contractForLoad(contract: Contract, numbers: NumberRecord | undefined): Contract {
  if (contract.numbers.decimal !== undefined || numbers?.decimal_separator == null) return contract;
  return { ...contract, numbers: { ...contract.numbers, decimal: numbers.decimal_separator } };
}

/** How many records of each file the decimal separator is decided from. */
export const NUMBER_EVIDENCE_RECORDS = 100_000;

/** Of one source file's first records: how many decimal values only a decimal point reads, and only a decimal comma (decimalEvidenceSql). */
export interface NumberEvidence {
  readonly file: string;
  readonly point: number;
  readonly comma: number;
}

/**
 * The decimal separator of a dataset's load: the contract's; else the one its values show (a
 * value only a decimal comma reads, like 1234,5, and none only a point reads, in every file that
 * shows one); else undecided, and values that read two ways are quarantined. `files` undefined:
 * nothing to decide from (no decimal column). The Glue transform decides the same way
 * (glue/lake_common.py decide_numbers).
 */
export function decideNumbersFromEvidence(contract: Contract, files: readonly NumberEvidence[] | undefined): { record: NumberRecord; warnings: string[] } {
  if (contract.numbers.decimal !== undefined) return { record: { decimal_separator: contract.numbers.decimal, from: "contract" }, warnings: [] };
  if (files === undefined) return { record: { decimal_separator: null, from: "undecided" }, warnings: [] };
  const mixed = files.filter((f) => f.point > 0 && f.comma > 0);
  const shown = new Set(files.filter((f) => f.point + f.comma > 0 && !mixed.includes(f)).map((f) => (f.comma > 0 ? "," : ".")));
  const fix = `declare decimal_separator in contract ${path.basename(contract.file)}`;
  const warnings = mixed.map((f) => `${f.file}: ${f.point} value(s) read only with a decimal point and ${f.comma} only with a decimal comma; values that read both ways are quarantined as ambiguous; ${fix}`);
  if (mixed.length > 0 || shown.size !== 1) {
    if (shown.size > 1) warnings.push(`${contract.name}: the files of this load disagree on the decimal separator; values that read both ways are quarantined as ambiguous; ${fix}`);
    return { record: { decimal_separator: null, from: "undecided" }, warnings };
  }
  return { record: { decimal_separator: [...shown][0] as "." | ",", from: "values" }, warnings };
}

/** The thousands separator of numbers written with `decimal`: the declared one, else the other of "." and ",". */
export const groupingFor = (numbers: NumberFormat, decimal: "." | ","): string => numbers.grouping ?? (decimal === "." ? "," : ".");

export const DEFAULT_DATE_FORMATS = ["yyyy-MM-dd", "dd/MM/yyyy"];
export const DEFAULT_TIMESTAMP_FORMATS = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "dd/MM/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm"];

const ISO_DATE = "yyyy-MM-dd";
const ISO_TIMESTAMP = "yyyy-MM-dd HH:mm:ss";

/** ISO is always accepted: it is how typed values are written back as text (processed re-checks, Glue). */
function withIso(formats: readonly string[], iso: string): string[] {
  return formats.includes(iso) ? [...formats] : [...formats, iso];
}

interface ContractDocument {
  name: string;
  version: string;
  status?: ContractStatus;
  description: string;
  file_names: string[];
  key: string[];
  curated_partition?: { column: string; granularity: PeriodGranularity; name: string };
  date_formats?: string[];
  timestamp_formats?: string[];
  null_markers?: string[];
  decimal_separator?: "." | ",";
  grouping_separator?: string;
  columns: {
    name: string;
    type: string;
    description?: string;
    required?: boolean;
    pii?: boolean;
    aliases?: string[];
    values?: Record<string, string[]>;
    null_markers?: string[];
  }[];
}

/** Why a decimal(p,s) cannot be: every engine holds 1 to 38 digits, of which s after the point. */
export function decimalProblem(precision: number, scale: number): string | undefined {
  if (precision < 1 || precision > 38) return `decimal(${precision},${scale}) has ${precision} digits; a decimal holds 1 to 38, e.g. decimal(18,${Math.min(scale, 18)})`;
  if (scale > precision) return `decimal(${precision},${scale}) has more digits after the point (${scale}) than in all (${precision}); the scale is at most the precision, e.g. decimal(${Math.min(Math.max(scale + 12, 18), 38)},${scale})`;
  return undefined;
}

export function parseColumnType(typeName: string): ColumnType {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(typeName);
  if (decimal) {
    const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
    const problem = decimalProblem(precision, scale);
    if (problem !== undefined) throw new LakeInputError(`column type "${typeName}": ${problem}`);
    return { kind: "decimal", precision, scale };
  }
  switch (typeName) {
    case "string":
    case "integer":
    case "date":
    case "timestamp":
    case "boolean":
      return { kind: typeName };
    default:
      throw new LakeInputError(`unknown column type "${typeName}"; use string, integer, decimal(p,s), date, timestamp or boolean`);
  }
}

/** Checks what JSON Schema cannot: references between fields of one contract. */
function semanticProblems(file: string, doc: ContractDocument): string[] {
  const problems: string[] = [];
  const byName = new Map<string, number>();
  doc.columns.forEach((c, i) => {
    if (byName.has(c.name)) problems.push(`${file}: /columns/${i}/name: column "${c.name}" is declared twice; rename or remove one`);
    byName.set(c.name, i);
  });
  doc.key.forEach((k, i) => {
    if (!byName.has(k)) problems.push(`${file}: /key/${i}: key column "${k}" is not a column; declare it under columns or fix the name`);
  });
  if (doc.curated_partition !== undefined) {
    const { column: name, name: key } = doc.curated_partition;
    const i = byName.get(name);
    const column = i === undefined ? undefined : doc.columns[i];
    if (!column) {
      problems.push(`${file}: /curated_partition/column: "${name}" is not a column; name a date or timestamp column`);
    } else if (column.type !== "date" && column.type !== "timestamp") {
      problems.push(`${file}: /curated_partition/column: "${column.name}" is ${column.type}; name a date or timestamp column`);
    }
    if (byName.has(key)) {
      problems.push(`${file}: /curated_partition/name: "${key}" is already a column; the partition key lives only in the path, name it after the period (e.g. trade_month)`);
    }
  }
  if (doc.decimal_separator !== undefined && doc.grouping_separator === doc.decimal_separator) {
    problems.push(`${file}: /grouping_separator: "${doc.grouping_separator}" is also the decimal separator; a number cannot use one mark for both`);
  }
  const markerProblems = (markers: readonly string[] | undefined, where: string): void =>
    markers?.forEach((m, j) => {
      if (m.trim() !== m) problems.push(`${file}: ${where}/${j}: null marker ${JSON.stringify(m)} has surrounding whitespace, but values are trimmed before they are compared; write ${JSON.stringify(m.trim())}`);
    });
  markerProblems(doc.null_markers, "/null_markers");
  const headerOwner = new Map<string, string>();
  doc.columns.forEach((c, i) => {
    markerProblems(c.null_markers, `/columns/${i}/null_markers`);
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(c.type);
    const typeProblem = decimal === null ? undefined : decimalProblem(Number(decimal[1]), Number(decimal[2]));
    if (typeProblem !== undefined) problems.push(`${file}: /columns/${i}/type: ${typeProblem}`);
    for (const [j, header] of [c.name, ...(c.aliases ?? [])].entries()) {
      const key = headerKey(header);
      const owner = headerOwner.get(key);
      if (owner !== undefined && owner !== c.name) {
        const where = j === 0 ? `/columns/${i}/name` : `/columns/${i}/aliases/${j - 1}`;
        problems.push(`${file}: ${where}: header "${header}" already means column "${owner}"; a header may map to one column only`);
      }
      headerOwner.set(key, c.name);
    }
    if (c.values !== undefined && c.type !== "string") {
      problems.push(`${file}: /columns/${i}/values: value normalisation applies to string columns only ("${c.name}" is ${c.type}); remove it`);
    }
    const spellingOwner = new Map<string, string>();
    for (const [canonical, spellings] of Object.entries(c.values ?? {})) {
      for (const spelling of [canonical, ...spellings]) {
        const folded = foldValue(spelling);
        const owner = spellingOwner.get(folded);
        if (owner !== undefined && owner !== canonical) {
          problems.push(`${file}: /columns/${i}/values/${canonical}: "${spelling}" already normalises to "${owner}"; list it under one value only`);
        }
        spellingOwner.set(folded, canonical);
      }
    }
  });
  return problems;
}

function toContract(file: string, doc: ContractDocument): Contract {
  const keys = new Set(doc.key);
  return {
    name: doc.name,
    version: doc.version,
    status: doc.status ?? "active",
    description: doc.description,
    file,
    fileNames: doc.file_names,
    key: doc.key,
    ...(doc.curated_partition === undefined ? {} : { curatedPartition: { ...doc.curated_partition } }),
    dateFormats: withIso(doc.date_formats ?? DEFAULT_DATE_FORMATS, ISO_DATE),
    timestampFormats: withIso(doc.timestamp_formats ?? DEFAULT_TIMESTAMP_FORMATS, ISO_TIMESTAMP),
    nullMarkers: doc.null_markers ?? DEFAULT_NULL_MARKERS,
    numbers: {
      ...(doc.decimal_separator === undefined ? {} : { decimal: doc.decimal_separator }),
      ...(doc.grouping_separator === undefined ? {} : { grouping: doc.grouping_separator }),
    },
    columns: doc.columns.map((c) => {
      const valueMap = new Map<string, string>();
      for (const [canonical, spellings] of Object.entries(c.values ?? {})) {
        for (const spelling of [canonical, ...spellings]) valueMap.set(foldValue(spelling), canonical);
      }
      return {
        name: c.name,
        typeName: c.type,
        type: parseColumnType(c.type),
        description: c.description ?? "",
        required: keys.has(c.name) || (c.required ?? false),
        pii: c.pii ?? false,
        aliases: c.aliases ?? [],
        valueMap,
        nullMarkers: c.null_markers ?? doc.null_markers ?? DEFAULT_NULL_MARKERS,
      };
    }),
  };
}

/** Validates one contract document (schema, then cross-field rules); returns every problem found. */
export function contractProblems(file: string, document: unknown): string[] {
  const problems = schemaProblems(CONTRACT_SCHEMA_FILE, file, document);
  return problems.length > 0 ? problems : semanticProblems(file, document as ContractDocument);
}

export function parseContract(file: string, document: unknown): Contract {
  const problems = contractProblems(file, document);
  if (problems.length > 0) throw new LakeInputError(`invalid contract ${file}:`, problems);
  return toContract(file, document as ContractDocument);
}

/** Loads and validates every contracts/*.json (except the schema), sorted by dataset name. */
export function loadContracts(dir: string = DEFAULT_CONTRACTS_DIR): Contract[] {
  if (!fs.existsSync(dir)) throw new LakeInputError(`${dir}: contracts folder not found; pass --contracts DIR`);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .sort();
  if (files.length === 0) throw new LakeInputError(`${dir}: no contract files (*.json); add one per dataset`);
  const problems: string[] = [];
  const contracts: Contract[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    const document = readJsonFile(file);
    const found = contractProblems(path.relative(process.cwd(), file) || file, document);
    if (found.length > 0) problems.push(...found);
    else contracts.push(toContract(file, document as ContractDocument));
  }
  const seen = new Map<string, string>();
  for (const c of contracts) {
    const other = seen.get(c.name);
    if (other) problems.push(`${c.file}: /name: dataset "${c.name}" is also declared in ${other}; dataset names must be unique`);
    seen.set(c.name, c.file);
  }
  if (problems.length > 0) throw new LakeInputError(`invalid contracts in ${dir}:`, problems);
  return contracts.sort((a, b) => a.name.localeCompare(b.name));
}

export function columnOf(contract: Contract, name: string): Column {
  const column = contract.columns.find((c) => c.name === name);
  if (!column) throw new LakeInputError(`dataset "${contract.name}" has no column "${name}"; columns: ${contract.columns.map((c) => c.name).join(", ")}`);
  return column;
}

/** Maps source headers to canonical columns; returns the mapping and the headers no column claims. */
export function mapHeaders(contract: Contract, headers: readonly string[]): { mapping: (string | undefined)[]; unknown: string[]; missing: string[]; duplicated: string[] } {
  const byKey = new Map<string, string>();
  for (const c of contract.columns) for (const h of [c.name, ...c.aliases]) byKey.set(headerKey(h), c.name);
  const mapping = headers.map((h) => byKey.get(headerKey(h)));
  const unknown = headers.filter((_, i) => mapping[i] === undefined);
  const seen = new Set<string>();
  const duplicated: string[] = [];
  for (const m of mapping) {
    if (m === undefined) continue;
    if (seen.has(m)) duplicated.push(m);
    seen.add(m);
  }
  const missing = contract.columns.filter((c) => c.required && !seen.has(c.name)).map((c) => c.name);
  return { mapping, unknown, missing, duplicated };
}
