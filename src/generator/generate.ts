import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { ChunkedFileWriter, FileFormat, csvText, dateTable, decimalText } from "./csv-output";
import { DatasetSizes, DefectCounts, DefectSpec, resolveDefectCounts } from "./defects";
import { DatasetName, GeneratorStyle, GroundTruth, InjectedDefect } from "./ground-truth";
import { DefectPlan, TransactionDefect, planDefects, sizesFor } from "./plan";
import { Rng } from "./random";
import * as words from "./vocabulary";

export type { DatasetName, GeneratorStyle, GroundTruth, InjectedDefect } from "./ground-truth";
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

/** Trades happen in 2025; providers registered between 2015 and 2024. */
const TRADE_WINDOW = { start: "2025-01-01", days: 365 };
const REGISTRATION_WINDOW = { start: "2015-01-01", days: 3653 };

/** Independent random streams, so adding a draw to one dataset does not shift the others. */
const enum Stream {
  Plan,
  Providers,
  Customers,
  Transactions,
}

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

export function fileFormats(style: GeneratorStyle): Readonly<Record<DatasetName, FileFormat>> {
  return style === "btg" ? BTG_FORMATS : CANONICAL_FORMATS;
}

const providerId = (index: number): string => `P${String(index + 1).padStart(4, "0")}`;
const customerId = (index: number): string => `C${String(index + 1).padStart(6, "0")}`;
const transactionId = (index: number): string => `T${String(index + 1).padStart(7, "0")}`;

const ENERGY_CUMULATIVE = (() => {
  let sum = 0;
  return words.ENERGY_TYPES.map((type) => (sum += words.ENERGY_WEIGHTS[type]));
})();

function pickEnergy(rng: Rng): words.EnergyType {
  const draw = rng.next() * ENERGY_CUMULATIVE[ENERGY_CUMULATIVE.length - 1];
  const at = ENERGY_CUMULATIVE.findIndex((limit) => draw < limit);
  return words.ENERGY_TYPES[at < 0 ? words.ENERGY_TYPES.length - 1 : at];
}

/**
 * Draws a source spelling even in canonical style, so both styles hold the same data and differ
 * only in how it is spelled.
 */
function spell(rng: Rng, style: GeneratorStyle, spellings: readonly string[], canonical: string): string {
  const spelled = rng.pick(spellings);
  return style === "btg" ? spelled : canonical;
}

/** Installed capacity range (MW) per technology. */
const CAPACITY_MW: Readonly<Record<words.EnergyType, [number, number]>> = {
  wind: [20, 400], solar: [5, 300], hydro: [50, 2400], nuclear: [800, 1600], thermal: [100, 900],
};

interface ProviderRow {
  readonly line: string;
  readonly energy: words.EnergyType;
}

function renderProviders(count: number, seed: number, style: GeneratorStyle, format: FileFormat): ProviderRow[] {
  const rng = new Rng(seed);
  const registrationDates = dateTable(REGISTRATION_WINDOW.start, REGISTRATION_WINDOW.days, format.dateFormat);
  const separator = format.decimalComma ? "," : ".";
  return Array.from({ length: count }, (_, index) => {
    rng.reseed(seed, Stream.Providers, index);
    const energy = pickEnergy(rng);
    const name = `${rng.pick(words.PROVIDER_PREFIXES[energy])} ${rng.pick(words.PROVIDER_PLACES)}${rng.pick(words.PROVIDER_SUFFIXES)}`;
    const [minimum, maximum] = CAPACITY_MW[energy];
    const decimals = rng.int(4);
    const capacity = decimalText(rng.between(minimum * 10 ** decimals, maximum * 10 ** decimals), decimals, separator);
    const fields = [
      providerId(index),
      csvText(name),
      spell(rng, style, words.BTG_ENERGY_SPELLINGS[energy], energy),
      capacity,
      csvText(rng.pick(words.COUNTRIES)),
      registrationDates[rng.int(registrationDates.length)],
    ];
    return { line: fields.join(format.delimiter) + format.newline, energy };
  });
}

function personName(rng: Rng): string {
  return `${rng.pick(words.GIVEN_NAMES)} ${rng.pick(words.SURNAMES)} ${rng.pick(words.SURNAMES)}`;
}

function companyName(rng: Rng): string {
  if (rng.chance(0.05)) return rng.pick(words.QUOTED_COMPANY_NAMES);
  return `${rng.pick(words.COMPANY_STEMS)}${rng.pick(words.COMPANY_SUFFIXES)}`;
}

function idNumber(rng: Rng, idType: words.IdType): string {
  switch (idType) {
    case "cc":
      return String(rng.between(10_000_000, 1_299_999_999));
    case "nit":
      return `${rng.between(800_000_000, 999_999_999)}-${rng.int(10)}`;
    case "ce":
      return String(rng.between(100_000, 9_999_999));
    case "passport":
      return `${String.fromCharCode(65 + rng.int(26), 65 + rng.int(26))}${rng.between(1_000_000, 9_999_999)}`;
  }
}

function renderCustomer(index: number, nameless: boolean, rng: Rng, seed: number, style: GeneratorStyle, format: FileFormat): string {
  rng.reseed(seed, Stream.Customers, index);
  const typeDraw = rng.next();
  const idType: words.IdType = typeDraw < 0.7 ? "cc" : typeDraw < 0.9 ? "nit" : typeDraw < 0.96 ? "ce" : "passport";
  const isCompany = idType === "nit";
  const segment: words.Segment = isCompany ? (rng.chance(0.6) ? "commercial" : "industrial") : rng.chance(0.9) ? "residential" : "commercial";
  const name = isCompany ? companyName(rng) : personName(rng);
  const fields = [
    customerId(index),
    spell(rng, style, words.BTG_ID_TYPE_SPELLINGS[idType], idType),
    idNumber(rng, idType),
    nameless ? "" : csvText(name),
    csvText(rng.pick(words.CITIES)),
    spell(rng, style, words.BTG_SEGMENT_SPELLINGS[segment], segment),
  ];
  return fields.join(format.delimiter) + format.newline;
}

/** Renders transaction rows; one instance, reseeded per row, so the loop allocates only strings. */
class TransactionRenderer {
  private readonly rng = new Rng(0);
  private readonly tradeDates: string[];
  private readonly separator: string;

  constructor(
    private readonly seed: number,
    private readonly style: GeneratorStyle,
    private readonly format: FileFormat,
    private readonly sizes: DatasetSizes,
    private readonly providers: readonly ProviderRow[],
    private readonly referenceableCustomers: Int32Array,
  ) {
    this.tradeDates = dateTable(TRADE_WINDOW.start, TRADE_WINDOW.days, format.dateFormat);
    this.separator = format.decimalComma ? "," : ".";
  }

  /** The line of `row` carrying `defect`; a duplicate renders its (clean) source row instead. */
  render(row: number, defect: TransactionDefect, duplicateSource: number): string {
    if (defect === TransactionDefect.DuplicateKey) return this.render(duplicateSource, TransactionDefect.None, -1);
    const rng = this.rng.reseed(this.seed, Stream.Transactions, row);
    const boughtByDraw = rng.chance(0.45);
    const isBuy = defect === TransactionDefect.OrphanBuy || (defect !== TransactionDefect.OrphanSell && boughtByDraw);
    let counterparty: string;
    let energy: words.EnergyType;
    let quantityUnits: number;
    let price: number;
    const quantityDecimals = rng.int(4);
    const priceDecimals = 2 + rng.int(3);
    const quantityScale = 10 ** quantityDecimals;
    const priceScale = 10 ** priceDecimals;
    if (isBuy) {
      const provider = rng.int(this.sizes.providers);
      counterparty = providerId(provider);
      energy = this.providers[provider].energy;
      quantityUnits = rng.between(10_000 * quantityScale, 2_000_000 * quantityScale);
      price = rng.between(150 * priceScale, 450 * priceScale);
    } else {
      counterparty = customerId(this.referenceableCustomers[rng.int(this.referenceableCustomers.length)]);
      energy = pickEnergy(rng);
      quantityUnits = rng.between(50 * quantityScale, 20_000 * quantityScale);
      price = rng.between(400 * priceScale, 950 * priceScale);
    }
    let id = transactionId(row);
    const type = isBuy ? spell(rng, this.style, words.BTG_BUY_SPELLINGS, "buy") : spell(rng, this.style, words.BTG_SELL_SPELLINGS, "sell");
    let quantity = decimalText(quantityUnits, quantityDecimals, this.separator);
    let priceText = decimalText(price, priceDecimals, this.separator);
    let energyText = spell(rng, this.style, words.BTG_ENERGY_SPELLINGS[energy], energy);
    let date = this.tradeDates[rng.int(this.tradeDates.length)];
    switch (defect) {
      case TransactionDefect.NullKey:
        id = "";
        break;
      case TransactionDefect.BadQuantity:
        quantity = rng.pick(words.BAD_NUMBERS);
        break;
      case TransactionDefect.BadPrice:
        priceText = rng.pick(words.BAD_NUMBERS);
        break;
      case TransactionDefect.BadDate:
        date = rng.pick(words.BAD_DATES);
        break;
      case TransactionDefect.UnknownEnum:
        energyText = rng.pick(words.UNKNOWN_ENERGY_SPELLINGS);
        break;
      case TransactionDefect.NegativeQuantity:
        quantity = `-${quantity}`;
        break;
      case TransactionDefect.OrphanBuy:
        counterparty = providerId(this.sizes.providers + rng.int(900));
        break;
      case TransactionDefect.OrphanSell:
        counterparty = customerId(this.sizes.customers + rng.int(900));
        break;
    }
    const d = this.format.delimiter;
    return id + d + type + d + counterparty + d + quantity + d + priceText + d + energyText + d + date + this.format.newline;
  }
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

async function writeCustomers(file: string, format: FileFormat, count: number, plan: DefectPlan, seed: number, style: GeneratorStyle): Promise<void> {
  const writer = await ChunkedFileWriter.open(file, format);
  const rng = new Rng(seed);
  let nextNameless = 0;
  try {
    for (let index = 0; index < count; index++) {
      const nameless = nextNameless < plan.namelessCustomers.length && plan.namelessCustomers[nextNameless] === index;
      if (nameless) nextNameless++;
      if (writer.append(renderCustomer(index, nameless, rng, seed, style, format))) await writer.flush();
    }
  } finally {
    await writer.close();
  }
}

async function writeTransactions(file: string, format: FileFormat, count: number, plan: DefectPlan, renderer: TransactionRenderer): Promise<void> {
  const writer = await ChunkedFileWriter.open(file, format);
  let nextDefect = 0;
  try {
    for (let row = 0; row < count; row++) {
      let line: string;
      if (nextDefect < plan.transactionRows.length && plan.transactionRows[nextDefect] === row) {
        line = renderer.render(row, plan.transactionDefects[nextDefect], plan.duplicateSources[nextDefect]);
        nextDefect++;
      } else {
        line = renderer.render(row, TransactionDefect.None, -1);
      }
      if (writer.append(line)) await writer.flush();
    }
  } finally {
    await writer.close();
  }
}

/** The manifest entries of the transaction defects, in a fixed order, non-empty ones only. */
function transactionDefectEntries(plan: DefectPlan): InjectedDefect[] {
  const entries: [TransactionDefect, InjectedDefect["kind"], string, string?][] = [
    [TransactionDefect.NullKey, "null_key", "transaction_id"],
    [TransactionDefect.DuplicateKey, "duplicate_key", "transaction_id", "exact copy of an earlier clean row"],
    [TransactionDefect.BadQuantity, "bad_number", "quantity_kwh"],
    [TransactionDefect.BadPrice, "bad_number", "price"],
    [TransactionDefect.BadDate, "bad_date", "transaction_date"],
    [TransactionDefect.UnknownEnum, "unknown_enum", "energy_type"],
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
  if (options.style !== undefined && options.style !== "btg" && options.style !== "canonical") problems.push(`style "${String(options.style)}": use btg or canonical`);
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
  const counts: DefectCounts = resolveDefectCounts(options.defects, sizes);
  const plan = planDefects(counts, sizes, new Rng(0).reseed(options.seed, Stream.Plan, 0));
  fs.mkdirSync(options.outDir, { recursive: true });
  const fileOf = (dataset: DatasetName): string => path.join(options.outDir, formats[dataset].fileName);

  const providers = renderProviders(sizes.providers, options.seed, style, formats.providers);
  const written = await writeProviders(fileOf("providers"), formats.providers, providers, plan);
  await writeCustomers(fileOf("customers"), formats.customers, sizes.customers, plan, options.seed, style);
  const renderer = new TransactionRenderer(options.seed, style, formats.transactions, sizes, providers, plan.referenceableCustomers);
  await writeTransactions(fileOf("transactions"), formats.transactions, sizes.transactions, plan, renderer);

  const defects: InjectedDefect[] = transactionDefectEntries(plan);
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
