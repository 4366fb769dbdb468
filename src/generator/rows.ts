import { ChunkedFileWriter, FileFormat, csvText, dateTable } from "./csv-output";
import type { DatasetSizes } from "./defects";
import type { GeneratorStyle } from "./ground-truth";
import { Rng } from "./random";
import * as words from "./vocabulary";

/**
 * How each row is rendered. Every row is a pure function of (seed, row), so a duplicate is its
 * source row rendered again. The "btg" and "canonical" styles make the same draws and differ only
 * in spelling, so their files of one seed hold the same data. The "company" style makes the same
 * draws too but writes the company's own shape (see {@link shapeOf}).
 */

/** What a defective transaction row gets; each row gets at most one. */
export enum TransactionDefect {
  None = 0,
  NullKey,
  DuplicateKey,
  BadQuantity,
  BadPrice,
  BadDate,
  UnknownEnum,
  NegativeQuantity,
  OrphanBuy,
  OrphanSell,
}

/** Independent random streams, so adding a draw to one dataset does not shift the others. */
export enum Stream {
  Plan,
  Providers,
  Customers,
  Transactions,
}

/** Trades happen in 2025; providers registered between 2015 and 2024. */
const TRADE_WINDOW = { start: "2025-01-01", days: 365 };
const REGISTRATION_WINDOW = { start: "2015-01-01", days: 3653 };

/** What a style writes beyond spelling: which columns, how wide the ids, the price's scale. */
export interface StyleShape {
  /** Every contract column (btg, canonical), or only those the company's exports have. */
  readonly allColumns: boolean;
  /** Digits of provider, customer and transaction ids (wider when the count needs it). */
  readonly idDigits: { readonly provider: number; readonly customer: number; readonly transaction: number };
  /** Prices are drawn per kWh in hundreds (btg, canonical) or, times this, in Colombian pesos' tens of thousands. */
  readonly priceFactor: number;
}

const FULL_SHAPE: StyleShape = { allColumns: true, idDigits: { provider: 4, customer: 6, transaction: 7 }, priceFactor: 1 };
/** The company's exports: C001, P001, T0001; prices in pesos; no segment, id number, capacity, country, energy type of a trade or trade date. */
const COMPANY_SHAPE: StyleShape = { allColumns: false, idDigits: { provider: 3, customer: 3, transaction: 4 }, priceFactor: 100 };

export const shapeOf = (style: GeneratorStyle): StyleShape => (style === "company" ? COMPANY_SHAPE : FULL_SHAPE);

const providerId = (index: number, shape: StyleShape): string => `P${String(index + 1).padStart(shape.idDigits.provider, "0")}`;
const customerId = (index: number, shape: StyleShape): string => `C${String(index + 1).padStart(shape.idDigits.customer, "0")}`;

const POWERS_OF_TEN = [1, 10, 100, 1000, 10000];

/** `units` hundredths/thousandths/... as text: decimalText(12345, 2, ",") = "123,45" (at most 4 decimals). */
export function decimalText(units: number, decimals: number, separator: string): string {
  if (decimals === 0) return String(units);
  const scale = POWERS_OF_TEN[decimals];
  const whole = Math.floor(units / scale);
  return whole + separator + String(units - whole * scale).padStart(decimals, "0");
}

/** Energy types are handled by index in the row loop: words.ENERGY_TYPES[index]. */
const ENERGY_CUMULATIVE = (() => {
  let sum = 0;
  return words.ENERGY_TYPES.map((type) => (sum += words.ENERGY_WEIGHTS[type]));
})();

function pickEnergy(rng: Rng): number {
  const draw = rng.next() * ENERGY_CUMULATIVE[ENERGY_CUMULATIVE.length - 1];
  for (let i = 0; i < ENERGY_CUMULATIVE.length - 1; i++) if (draw < ENERGY_CUMULATIVE[i]) return i;
  return ENERGY_CUMULATIVE.length - 1;
}

/**
 * The spellings a style writes for one value: the btg list itself, or as many copies of the
 * canonical value, so that picking one makes the same draw in both styles.
 */
function spellings(style: GeneratorStyle, btg: readonly string[], canonical: string): readonly string[] {
  return style === "canonical" ? btg.map(() => canonical) : btg;
}

const energySpellings = (style: GeneratorStyle): readonly (readonly string[])[] =>
  words.ENERGY_TYPES.map((type) => spellings(style, words.BTG_ENERGY_SPELLINGS[type], type));

/** Installed capacity range (MW) per technology. */
const CAPACITY_MW: Readonly<Record<words.EnergyType, [number, number]>> = {
  wind: [20, 400], solar: [5, 300], hydro: [50, 2400], nuclear: [800, 1600], thermal: [100, 900],
};

export interface ProviderRow {
  readonly line: string;
  /** Index into words.ENERGY_TYPES: what this provider's buys trade. */
  readonly energy: number;
}

/** Every provider row (providers are few: rows / 200). */
export function renderProviders(count: number, seed: number, style: GeneratorStyle, format: FileFormat): ProviderRow[] {
  const rng = new Rng(seed);
  const registrationDates = dateTable(REGISTRATION_WINDOW.start, REGISTRATION_WINDOW.days, format.dateFormat);
  const separator = format.decimalComma ? "," : ".";
  const energyNames = energySpellings(style);
  const shape = shapeOf(style);
  return Array.from({ length: count }, (_, index) => {
    rng.reseed(seed, Stream.Providers, index);
    const energy = pickEnergy(rng);
    const type = words.ENERGY_TYPES[energy];
    const name = `${rng.pick(words.PROVIDER_PREFIXES[type])} ${rng.pick(words.PROVIDER_PLACES)}${rng.pick(words.PROVIDER_SUFFIXES)}`;
    const [minimum, maximum] = CAPACITY_MW[type];
    const decimals = rng.int(4);
    const capacity = decimalText(rng.between(minimum * 10 ** decimals, maximum * 10 ** decimals), decimals, separator);
    const fields = [providerId(index, shape), csvText(name), rng.pick(energyNames[energy])];
    const country = csvText(rng.pick(words.COUNTRIES));
    const registered = registrationDates[rng.int(registrationDates.length)];
    if (shape.allColumns) fields.push(capacity, country, registered);
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

/** The company's identity types by the same draw as the btg ones, so both have the same share of companies (NIT). */
function companyIdType(draw: number): words.CompanyIdType {
  return draw < 0.55 ? "cc" : draw < 0.7 ? "ti" : draw < 0.9 ? "nit" : draw < 0.94 ? "ce" : draw < 0.96 ? "rc" : draw < 0.99 ? "passport" : "dni";
}

export class CustomerRenderer {
  private readonly rng = new Rng(0);
  private readonly idTypeNames: Readonly<Record<words.IdType, readonly string[]>>;
  private readonly segmentNames: Readonly<Record<words.Segment, readonly string[]>>;
  private readonly shape: StyleShape;

  constructor(
    private readonly seed: number,
    style: GeneratorStyle,
    private readonly format: FileFormat,
  ) {
    const byType = (btg: Readonly<Record<string, readonly string[]>>) =>
      Object.fromEntries(Object.entries(btg).map(([canonical, names]) => [canonical, spellings(style, names, canonical)]));
    this.idTypeNames = byType(words.BTG_ID_TYPE_SPELLINGS) as Record<words.IdType, readonly string[]>;
    this.segmentNames = byType(words.BTG_SEGMENT_SPELLINGS) as Record<words.Segment, readonly string[]>;
    this.shape = shapeOf(style);
  }

  /** A customer's line; `nameless` leaves the name empty (the customers_null_name defect). */
  render(index: number, nameless: boolean): string {
    const rng = this.rng.reseed(this.seed, Stream.Customers, index);
    const typeDraw = rng.next();
    const idType: words.IdType = typeDraw < 0.7 ? "cc" : typeDraw < 0.9 ? "nit" : typeDraw < 0.96 ? "ce" : "passport";
    const isCompany = idType === "nit";
    const segment: words.Segment = isCompany ? (rng.chance(0.6) ? "commercial" : "industrial") : rng.chance(0.9) ? "residential" : "commercial";
    const drawn = isCompany ? companyName(rng) : personName(rng);
    const name = nameless ? "" : csvText(drawn);
    if (!this.shape.allColumns) {
      const companyType = companyIdType(typeDraw);
      return [customerId(index, this.shape), rng.pick(words.COMPANY_ID_TYPE_SPELLINGS[companyType]), name, csvText(rng.pick(words.CITIES))].join(this.format.delimiter) + this.format.newline;
    }
    const fields = [
      customerId(index, this.shape),
      rng.pick(this.idTypeNames[idType]),
      idNumber(rng, idType),
      name,
      csvText(rng.pick(words.CITIES)),
      rng.pick(this.segmentNames[segment]),
    ];
    return fields.join(this.format.delimiter) + this.format.newline;
  }
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, "utf8");
const utf8All = (texts: readonly string[]): Uint8Array[] => texts.map(utf8);
const [LETTER_T, LETTER_P, LETTER_C, MINUS] = utf8("TPC-");

/**
 * Writes transaction rows straight into the file buffer as bytes: at millions of rows, building a
 * string per row costs more in garbage collection than everything else together. One instance,
 * reseeded per row; every word is encoded once, here. (Fields, not imports, because under tsx's
 * CommonJS output every use of an imported binding is a getter call.)
 */
export class TransactionRenderer {
  private readonly rng = new Rng(0);
  private readonly tradeDates: readonly Uint8Array[];
  private readonly separator: number;
  private readonly delimiter: number;
  private readonly newline: Uint8Array;
  private readonly buyNames: readonly Uint8Array[];
  private readonly sellNames: readonly Uint8Array[];
  private readonly energyNames: readonly (readonly Uint8Array[])[];
  private readonly badNumbers = utf8All(words.BAD_NUMBERS);
  private readonly badDates = utf8All(words.BAD_DATES);
  private readonly unknownEnergies = utf8All(words.UNKNOWN_ENERGY_SPELLINGS);
  private readonly unknownTypes = utf8All(words.UNKNOWN_TRANSACTION_TYPE_SPELLINGS);
  private readonly shape: StyleShape;

  constructor(
    private readonly seed: number,
    style: GeneratorStyle,
    format: FileFormat,
    private readonly sizes: DatasetSizes,
    private readonly providers: readonly ProviderRow[],
    private readonly referenceableCustomers: Int32Array,
  ) {
    this.tradeDates = utf8All(dateTable(TRADE_WINDOW.start, TRADE_WINDOW.days, format.dateFormat));
    this.separator = utf8(format.decimalComma ? "," : ".")[0];
    this.delimiter = utf8(format.delimiter)[0];
    this.newline = utf8(format.newline);
    this.buyNames = utf8All(spellings(style, words.BTG_BUY_SPELLINGS, "buy"));
    this.sellNames = utf8All(spellings(style, words.BTG_SELL_SPELLINGS, "sell"));
    this.energyNames = energySpellings(style).map(utf8All);
    this.shape = shapeOf(style);
  }

  /** Writes the line of `row` carrying `defect`; a duplicate writes its (clean) source row instead. */
  write(out: ChunkedFileWriter, row: number, defect: TransactionDefect, duplicateSource: number): boolean {
    if (defect === TransactionDefect.DuplicateKey) return this.write(out, duplicateSource, TransactionDefect.None, -1);
    const rng = this.rng.reseed(this.seed, Stream.Transactions, row);
    const boughtByDraw = rng.chance(0.45);
    const isBuy = defect === TransactionDefect.OrphanBuy || (defect !== TransactionDefect.OrphanSell && boughtByDraw);
    const quantityDecimals = rng.int(4);
    const priceDecimals = 2 + rng.int(3);
    const quantityScale = POWERS_OF_TEN[quantityDecimals];
    const priceScale = POWERS_OF_TEN[priceDecimals];
    let counterpartyLetter: number;
    let counterparty: number;
    let energy: number;
    let quantityUnits: number;
    let priceUnits: number;
    if (isBuy) {
      counterpartyLetter = LETTER_P;
      counterparty = rng.int(this.sizes.providers);
      energy = this.providers[counterparty].energy;
      quantityUnits = rng.between(10_000 * quantityScale, 2_000_000 * quantityScale);
      priceUnits = rng.between(150 * priceScale, 450 * priceScale);
    } else {
      counterpartyLetter = LETTER_C;
      counterparty = this.referenceableCustomers[rng.int(this.referenceableCustomers.length)];
      energy = pickEnergy(rng);
      quantityUnits = rng.between(50 * quantityScale, 20_000 * quantityScale);
      priceUnits = rng.between(400 * priceScale, 950 * priceScale);
    }
    const type = rng.pick(isBuy ? this.buyNames : this.sellNames);
    const energyName = rng.pick(this.energyNames[energy]);
    const date = this.tradeDates[rng.int(this.tradeDates.length)];
    // Defect values are drawn after every clean value, so a defect never shifts the clean draws.
    if (defect === TransactionDefect.OrphanBuy) counterparty = this.sizes.providers + rng.int(900);
    if (defect === TransactionDefect.OrphanSell) counterparty = this.sizes.customers + rng.int(900);
    const d = this.delimiter;
    const shape = this.shape;
    // Without an energy type column, the unknown enum value goes to the transaction type.
    const unknownType = defect === TransactionDefect.UnknownEnum && !shape.allColumns;

    if (defect !== TransactionDefect.NullKey) {
      out.byte(LETTER_T);
      out.digits(row + 1, shape.idDigits.transaction);
    }
    out.byte(d);
    out.bytes(unknownType ? rng.pick(this.unknownTypes) : type);
    out.byte(d);
    out.byte(counterpartyLetter);
    out.digits(counterparty + 1, isBuy ? shape.idDigits.provider : shape.idDigits.customer);
    out.byte(d);
    if (defect === TransactionDefect.BadQuantity) out.bytes(rng.pick(this.badNumbers));
    else {
      if (defect === TransactionDefect.NegativeQuantity) out.byte(MINUS);
      this.decimal(out, quantityUnits, quantityDecimals);
    }
    out.byte(d);
    if (defect === TransactionDefect.BadPrice) out.bytes(rng.pick(this.badNumbers));
    else this.decimal(out, priceUnits * shape.priceFactor, priceDecimals);
    if (shape.allColumns) {
      out.byte(d);
      out.bytes(defect === TransactionDefect.UnknownEnum ? rng.pick(this.unknownEnergies) : energyName);
      out.byte(d);
      out.bytes(defect === TransactionDefect.BadDate ? rng.pick(this.badDates) : date);
    }
    out.bytes(this.newline);
    return out.endLine();
  }

  /** The byte form of {@link decimalText}. */
  private decimal(out: ChunkedFileWriter, units: number, decimals: number): void {
    const scale = POWERS_OF_TEN[decimals];
    const whole = Math.floor(units / scale);
    out.digits(whole, 1);
    if (decimals === 0) return;
    out.byte(this.separator);
    out.digits(units - whole * scale, decimals);
  }
}
