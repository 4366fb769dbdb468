import type { DefectKind } from "./defects";

export type DatasetName = "providers" | "customers" | "transactions";

/**
 * "btg": Spanish headers and values with every contract column, BOM, CRLF, ";" and decimal commas;
 * "canonical": the contracts' own names; "company": the shape the company's systems really export
 * (comma, UTF-8, ids like C001, P001, T0001, identity types CC, TI, NIT, CE, RC, PA/PP, DNI, prices
 * in Colombian pesos in the tens of thousands, and no segment, id number, capacity, country,
 * traded energy type or trade date columns).
 */
export type GeneratorStyle = "btg" | "canonical" | "company";
export const GENERATOR_STYLES: readonly GeneratorStyle[] = ["btg", "canonical", "company"];

/**
 * One kind of defect injected into one column of one dataset, and the exact lines that carry it.
 *
 * Every defective row carries exactly one defect and every other row is clean, so for the design's
 * check semantics (run over the batch's typed view, quarantined rows included) the expected
 * failure counts are exactly `count`:
 *
 * | kind | dataset.column | check that fails, and by how much |
 * |---|---|---|
 * | null_key | transactions.transaction_id | not_null: `count` rows (the id is empty) |
 * | duplicate_key | transactions.transaction_id | unique: `count` (each line is an exact copy of an earlier clean row; it adds to count(non-null) but not to count(distinct)) |
 * | bad_number | transactions.quantity_kwh or transactions.price (one entry per column) | type: `count` rows ("12x5", "#N/D", ...; not counted by range, which sees typed values only) |
 * | bad_date | transactions.transaction_date | type: `count` rows ("31/02/2024", "2024-13-01", "ayer", ...); not in the company style, which has no trade date |
 * | unknown_enum | transactions.energy_type (company style, which has no such column: transactions.transaction_type) | accepted_values: `count` rows ("geotérmica", "carbón", ...; "Trueque", "PERMUTA", ...: in no `values` map; an unknown transaction type matches no reference target, so it adds no orphan) |
 * | negative_quantity | transactions.quantity_kwh | range: `count` rows (quantity < 0; clean quantities and prices are always > 0) |
 * | orphan_counterparty | transactions.counterparty_id | references: `count` rows; two entries: detail "buy" (id matches no providers.provider_id nor any customer) and detail "sell" (id matches no customers.customer_id nor any provider) |
 * | customers_null_name | customers.customer_name | not_null: `count` rows (no transaction references these customers, so quarantining them creates no orphans) |
 * | providers_duplicate_key | providers.provider_id | unique: `count` (extra lines, exact copies of an earlier provider row) |
 *
 * Clean rows fail no check: keys unique and present, numbers and dates parse, enum spellings are all
 * in the contracts' `values` maps, quantity_kwh > 0, price > 0, a buy's counterparty is a provider
 * and a sell's a customer, every optional column is filled, trade dates fall in 2025.
 *
 * Rows the contracts make untypable (a required value missing or not castable) are the ones a load
 * quarantines: null_key, bad_number (both columns are required) and customers_null_name. Every
 * other defective row reaches processed, so processed = rows - those counts, per dataset.
 */
export interface InjectedDefect {
  readonly dataset: DatasetName;
  readonly kind: DefectKind;
  /** The canonical (contract) column name. */
  readonly column: string;
  readonly count: number;
  /** 1-based physical line numbers in the file (the header is line 1), ascending; `count` of them. */
  readonly lines: readonly number[];
  /** Which half of a split kind this is (orphan_counterparty: "buy" | "sell"), or what was injected. */
  readonly detail?: string;
}

/** What `generate` wrote: the manifest.json next to the files, and the truth a quality report is checked against. */
export interface GroundTruth {
  readonly generator: "energy-lake";
  readonly version: 1;
  readonly seed: number;
  /** Data rows written per file, header excluded (providers include the duplicated rows). */
  readonly rows: Readonly<Record<DatasetName, number>>;
  /** File name (inside the output folder) per dataset. */
  readonly files: Readonly<Record<DatasetName, string>>;
  readonly style: GeneratorStyle;
  /** Entries with a non-zero count only, in a fixed order. */
  readonly defects: readonly InjectedDefect[];
}
