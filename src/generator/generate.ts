import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { ChunkedFileWriter, FileFormat } from "./csv-output";
import { DefectCounts, DefectKind, DefectSpec, resolveDefectCounts } from "./defects";
import { DatasetName, GENERATOR_STYLES, GeneratorStyle, GroundTruth, InjectedDefect } from "./ground-truth";
import { DefectPlan, planDefects, sizesFor } from "./plan";
import { Rng } from "./random";
import { CustomerRenderer, ProviderRow, Stream, TransactionDefect, TransactionRenderer, renderProviders, shapeOf } from "./rows";

export type { DatasetName, GeneratorStyle, GroundTruth, InjectedDefect } from "./ground-truth";
export { GENERATOR_STYLES } from "./ground-truth";
export type { DefectAmount, DefectKind, DefectSpec } from "./defects";
export { DEFECT_KINDS, parseDefectSpec } from "./defects";

export interface GenerateOptions {
  /** Transaction rows; providers = max(5, rows/200), customers = max(10, rows/20). */
  rows: number;
  /** 0 to 4294967295; the same options always give byte-identical files. */
  seed: number;
  defects: DefectSpec;
  outDir: string;
  /** Default "btg". */
  style?: GeneratorStyle;
}

export const MANIFEST_FILE = "manifest.json";

const BTG_FORMATS: Readonly<Record<DatasetName, FileFormat>> = {
  providers: {
    fileName: "proveedores.csv", delimiter: ",", bom: true, newline: "\r\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["proveedor_id", "nombre_proveedor", "tipo_energia", "capacidad_mw", "pais_origen", "fecha_registro"],
  },
  customers: {
    fileName: "clientes.csv", delimiter: ";", bom: true, newline: "\r\n", decimalComma: true, dateFormat: "dd/MM/yyyy",
    headers: ["cliente_id", "tipo_identificacion", "numero_identificacion", "nombre", "ciudad", "segmento"],
  },
  transactions: {
    fileName: "transacciones.csv", delimiter: ";", bom: true, newline: "\r\n", decimalComma: true, dateFormat: "dd/MM/yyyy",
    headers: ["transaccion_id", "tipo_transaccion", "id_cliente_proveedor", "cantidad_comprada", "precio", "tipo_energia", "fecha_transaccion"],
  },
};

const CANONICAL_FORMATS: Readonly<Record<DatasetName, FileFormat>> = {
  providers: {
    fileName: "providers.csv", delimiter: ",", bom: false, newline: "\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["provider_id", "provider_name", "energy_type", "capacity_mw", "country", "registered_at"],
  },
  customers: {
    fileName: "customers.csv", delimiter: ",", bom: false, newline: "\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["customer_id", "id_type", "id_number", "customer_name", "city", "segment"],
  },
  transactions: {
    fileName: "transactions.csv", delimiter: ",", bom: false, newline: "\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["transaction_id", "transaction_type", "counterparty_id", "quantity_kwh", "price", "energy_type", "transaction_date"],
  },
};

/** The company's exports, as data/btg-export holds them: comma, UTF-8 without BOM, decimal point, only the columns their systems have. */
const COMPANY_FORMATS: Readonly<Record<DatasetName, FileFormat>> = {
  providers: {
    fileName: "proveedores.csv", delimiter: ",", bom: false, newline: "\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["proveedor_id", "nombre_proveedor", "tipo_energia"],
  },
  customers: {
    fileName: "clientes.csv", delimiter: ",", bom: false, newline: "\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["cliente_id", "tipo_identificacion", "nombre", "ciudad"],
  },
  transactions: {
    fileName: "transacciones.csv", delimiter: ",", bom: false, newline: "\n", decimalComma: false, dateFormat: "yyyy-MM-dd",
    headers: ["transaccion_id", "tipo_transaccion", "id_cliente_proveedor", "cantidad_comprada", "precio"],
  },
};

export function fileFormats(style: GeneratorStyle): Readonly<Record<DatasetName, FileFormat>> {
  return style === "btg" ? BTG_FORMATS : style === "canonical" ? CANONICAL_FORMATS : COMPANY_FORMATS;
}

/** Defect kinds a style's files have no column for. */
function missingColumnKinds(style: GeneratorStyle): readonly DefectKind[] {
  return style === "company" ? ["bad_date"] : [];
}

async function writeProviders(file: string, format: FileFormat, providers: readonly ProviderRow[], plan: DefectPlan): Promise<{ rows: number; copyLines: number[] }> {
  const writer = await ChunkedFileWriter.open(file, format);
  const copyLines: number[] = [];
  let line = 1;
  let nextCopy = 0;
  try {
    for (let index = 0; index < providers.length; index++) {
      if (writer.append(providers[index].line)) await writer.flush();
      line++;
      for (; nextCopy < plan.providerCopies.length && plan.providerCopies[nextCopy].after === index; nextCopy++) {
        if (writer.append(providers[plan.providerCopies[nextCopy].source].line)) await writer.flush();
        copyLines.push(++line);
      }
    }
  } finally {
    await writer.close();
  }
  return { rows: line - 1, copyLines };
}

async function writeCustomers(file: string, format: FileFormat, count: number, plan: DefectPlan, renderer: CustomerRenderer): Promise<void> {
  const writer = await ChunkedFileWriter.open(file, format);
  let nextNameless = 0;
  try {
    for (let index = 0; index < count; index++) {
      const nameless = nextNameless < plan.namelessCustomers.length && plan.namelessCustomers[nextNameless] === index;
      if (nameless) nextNameless++;
      if (writer.append(renderer.render(index, nameless))) await writer.flush();
    }
  } finally {
    await writer.close();
  }
}

async function writeTransactions(file: string, format: FileFormat, count: number, plan: DefectPlan, renderer: TransactionRenderer): Promise<void> {
  const writer = await ChunkedFileWriter.open(file, format);
  let nextDefect = 0;
  const clean = TransactionDefect.None;
  try {
    for (let row = 0; row < count; row++) {
      let full: boolean;
      if (nextDefect < plan.transactionRows.length && plan.transactionRows[nextDefect] === row) {
        full = renderer.write(writer, row, plan.transactionDefects[nextDefect], plan.duplicateSources[nextDefect]);
        nextDefect++;
      } else {
        full = renderer.write(writer, row, clean, -1);
      }
      if (full) await writer.flush();
    }
  } finally {
    await writer.close();
  }
}

/** The manifest entries of the transaction defects, in a fixed order, non-empty ones only. */
function transactionDefectEntries(plan: DefectPlan, style: GeneratorStyle): InjectedDefect[] {
  const entries: [TransactionDefect, InjectedDefect["kind"], string, string?][] = [
    [TransactionDefect.NullKey, "null_key", "transaction_id"],
    [TransactionDefect.DuplicateKey, "duplicate_key", "transaction_id", "exact copy of an earlier clean row"],
    [TransactionDefect.BadQuantity, "bad_number", "quantity_kwh"],
    [TransactionDefect.BadPrice, "bad_number", "price"],
    [TransactionDefect.BadDate, "bad_date", "transaction_date"],
    [TransactionDefect.UnknownEnum, "unknown_enum", shapeOf(style).allColumns ? "energy_type" : "transaction_type"],
    [TransactionDefect.NegativeQuantity, "negative_quantity", "quantity_kwh"],
    [TransactionDefect.OrphanBuy, "orphan_counterparty", "counterparty_id", "buy"],
    [TransactionDefect.OrphanSell, "orphan_counterparty", "counterparty_id", "sell"],
  ];
  const linesByDefect = new Map<TransactionDefect, number[]>(entries.map(([defect]) => [defect, []]));
  plan.transactionRows.forEach((row, i) => linesByDefect.get(plan.transactionDefects[i])?.push(row + 2));
  return entries.flatMap(([defect, kind, column, detail]) => {
    const lines = linesByDefect.get(defect) ?? [];
    if (lines.length === 0) return [];
    return [{ dataset: "transactions" as const, kind, column, count: lines.length, lines, ...(detail === undefined ? {} : { detail }) }];
  });
}

function validateOptions(options: GenerateOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(options.rows) || options.rows < 1) problems.push(`rows ${options.rows}: give a whole number of transaction rows, at least 1`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) problems.push(`seed ${options.seed}: give a whole number from 0 to 4294967295`);
  if (options.style !== undefined && !GENERATOR_STYLES.includes(options.style)) problems.push(`style "${String(options.style)}": use ${GENERATOR_STYLES.join(", ")}`);
  if (problems.length > 0) throw new LakeInputError("invalid generator options:", problems);
}

/** The manifest as JSON, with each `lines` array on one line so large manifests stay readable. */
export function manifestJson(truth: GroundTruth): string {
  return JSON.stringify(truth, null, 2).replace(/\[\s+([\d,\s]+?)\s+\]/g, (_, numbers: string) => `[${numbers.replace(/\s+/g, "")}]`) + "\n";
}

/**
 * Writes providers, customers and transactions CSVs plus manifest.json into `outDir` and returns
 * the manifest: which defects are on which lines. Streams, so millions of rows fit in bounded memory.
 */
export async function generate(options: GenerateOptions): Promise<GroundTruth> {
  validateOptions(options);
  const style = options.style ?? "btg";
  const formats = fileFormats(style);
  const sizes = sizesFor(options.rows);
  const counts: DefectCounts = resolveDefectCounts(options.defects, sizes, missingColumnKinds(style));
  const plan = planDefects(counts, sizes, new Rng(0).reseed(options.seed, Stream.Plan, 0));
  fs.mkdirSync(options.outDir, { recursive: true });
  const fileOf = (dataset: DatasetName): string => path.join(options.outDir, formats[dataset].fileName);

  const providers = renderProviders(sizes.providers, options.seed, style, formats.providers);
  const written = await writeProviders(fileOf("providers"), formats.providers, providers, plan);
  await writeCustomers(fileOf("customers"), formats.customers, sizes.customers, plan, new CustomerRenderer(options.seed, style, formats.customers));
  const renderer = new TransactionRenderer(options.seed, style, formats.transactions, sizes, providers, plan.referenceableCustomers);
  await writeTransactions(fileOf("transactions"), formats.transactions, sizes.transactions, plan, renderer);

  const defects: InjectedDefect[] = transactionDefectEntries(plan, style);
  if (plan.namelessCustomers.length > 0) {
    const lines = Array.from(plan.namelessCustomers, (index) => index + 2);
    defects.push({ dataset: "customers", kind: "customers_null_name", column: "customer_name", count: lines.length, lines });
  }
  if (written.copyLines.length > 0) {
    defects.push({
      dataset: "providers", kind: "providers_duplicate_key", column: "provider_id", count: written.copyLines.length,
      lines: written.copyLines, detail: "exact copy of an earlier provider row",
    });
  }
  const truth: GroundTruth = {
    generator: "energy-lake",
    version: 1,
    seed: options.seed,
    rows: { providers: written.rows, customers: sizes.customers, transactions: sizes.transactions },
    files: { providers: formats.providers.fileName, customers: formats.customers.fileName, transactions: formats.transactions.fileName },
    style,
    defects,
  };
  await fs.promises.writeFile(path.join(options.outDir, MANIFEST_FILE), manifestJson(truth));
  return truth;
}
