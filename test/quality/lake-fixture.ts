import { DuckDBConnection } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Contract } from "../../src/model/contracts";
import { duckdb } from "../../src/sql/dialect";

/**
 * Builds a tiny lake in the layout the pipeline writes (processed parquet under load_date=D with
 * _load_date, _source_file, _row; quarantine parquet with raw text; curated parquet of the
 * referenced datasets), so the check engine can be tested on rows whose every defect is known.
 */

export type Cell = string | number | null;

export const LOAD_DATE = "2024-05-01";

export function tempLake(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "lake-quality-"));
}

function literal(value: Cell): string {
  if (value === null) return "NULL";
  return typeof value === "number" ? String(value) : duckdb.str(value);
}

const sqlPath = (p: string): string => duckdb.str(p.split(path.sep).join("/"));

/** Writes typed rows of a layer: values in contract column order, each row then gets its _row (line) number. */
async function writeTyped(connection: DuckDBConnection, file: string, contract: Contract, rows: { line: number; values: Cell[] }[], loadDate: string): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const columns = contract.columns.map((c) => `CAST(${duckdb.ident(c.name)} AS ${duckdb.sqlType(c.type)}) AS ${duckdb.ident(c.name)}`);
  const names = contract.columns.map((c) => duckdb.ident(c.name)).join(", ");
  const values = rows.map((r) => `(${[...r.values.map(literal), String(r.line)].join(", ")})`).join(", ");
  await connection.run(
    `COPY (SELECT ${columns.join(", ")}, DATE ${duckdb.str(loadDate)} AS "_load_date", ${duckdb.str(`${contract.name}.csv`)} AS "_source_file", CAST("_row" AS BIGINT) AS "_row" ` +
      `FROM (VALUES ${values}) AS v(${names}, "_row")) TO ${sqlPath(file)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return file;
}

/** Writes a load's typed processed rows. */
export function writeProcessed(connection: DuckDBConnection, lake: string, contract: Contract, rows: { line: number; values: Cell[] }[], loadDate = LOAD_DATE): Promise<string> {
  return writeTyped(connection, path.join(lake, "processed", contract.name, `load_date=${loadDate}`, "part-0.parquet"), contract, rows, loadDate);
}

/** Writes the curated file of a dataset without curated partitioning (what references read). */
export function writeCurated(connection: DuckDBConnection, lake: string, contract: Contract, rows: { line: number; values: Cell[] }[], loadDate = LOAD_DATE): Promise<string> {
  return writeTyped(connection, path.join(lake, "curated", contract.name, "data.parquet"), contract, rows, loadDate);
}

/** Writes quarantined rows as raw text, as the pipeline does for rows with values that cannot be typed. */
export async function writeQuarantine(connection: DuckDBConnection, lake: string, contract: Contract, rows: { line: number; values: Cell[]; reason: string }[], loadDate = LOAD_DATE): Promise<string> {
  const dir = path.join(lake, "quarantine", contract.name, `load_date=${loadDate}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "part-0.parquet");
  const names = contract.columns.map((c) => duckdb.ident(c.name));
  const text = names.map((n) => `CAST(${n} AS VARCHAR) AS ${n}`);
  const values = rows.map((r) => `(${[...r.values.map((v) => (v === null ? "NULL" : duckdb.str(String(v)))), String(r.line), duckdb.str(r.reason)].join(", ")})`).join(", ");
  await connection.run(
    `COPY (SELECT ${text.join(", ")}, ${duckdb.str(`${contract.name}.csv`)} AS "_source_file", CAST("_row" AS BIGINT) AS "_row", "_reason", 'value' AS "_reason_kind", CAST(NULL AS VARCHAR) AS "_raw_line" ` +
      `FROM (VALUES ${values}) AS v(${names.join(", ")}, "_row", "_reason")) TO ${sqlPath(file)} (FORMAT parquet)`,
  );
  return file;
}

/** Providers P0001..P0003 and customers C000001..C000002, all clean: loaded with this load, so in processed and curated. */
export async function writeReferenceData(connection: DuckDBConnection, lake: string, contracts: readonly Contract[]): Promise<void> {
  const providers = contracts.find((c) => c.name === "providers") as Contract;
  const customers = contracts.find((c) => c.name === "customers") as Contract;
  const providerRows = [
    { line: 2, values: ["P0001", "Eolo Norte", "wind", 120.5, "Colombia", "2019-03-01"] },
    { line: 3, values: ["P0002", "Sol Caribe", "solar", 80, "Colombia", "2020-07-15"] },
    { line: 4, values: ["P0003", "Hidro Andes", "hydro", 900, "Peru", "2016-01-10"] },
  ];
  const customerRows = [
    { line: 2, values: ["C000001", "cc", "10203040", "Ana Gómez Ruiz", "Bogotá", "residential"] },
    { line: 3, values: ["C000002", "nit", "900123456-1", "Textiles SAS", "Medellín", "industrial"] },
  ];
  for (const write of [writeProcessed, writeCurated]) {
    await write(connection, lake, providers, providerRows);
    await write(connection, lake, customers, customerRows);
  }
}

/**
 * A transactions batch whose defects are all known (see the expected counts in engine.test.ts):
 * processed rows typed, quarantined rows as raw text.
 */
export async function writeDefectiveTransactions(connection: DuckDBConnection, lake: string, contracts: readonly Contract[]): Promise<void> {
  const transactions = contracts.find((c) => c.name === "transactions") as Contract;
  await writeProcessed(connection, lake, transactions, [
    { line: 2, values: ["T0000001", "buy", "P0001", 100, 0.25, "wind", "2024-04-30"] },
    { line: 3, values: ["T0000002", "sell", "C000001", 50, 0.3, "solar", "2024-04-30"] },
    { line: 4, values: ["T0000003", "buy", "P0009", 10, 0.2, "hydro", "2024-04-29"] },
    { line: 5, values: ["T0000004", "sell", "C000009", 10, 0.2, "nuclear", "2024-04-29"] },
    { line: 6, values: ["T0000005", "sell", "P0001", 10, 0.2, "wind", "2024-04-29"] },
    { line: 7, values: ["T0000002", "sell", "C000001", 50, 0.3, "solar", "2024-04-30"] },
    { line: 8, values: ["T0000007", "buy", "P0002", -5, 0.2, "solar", "2024-04-28"] },
    { line: 9, values: ["T0000008", "buy", "P0002", 20, -0.2, "solar", "2024-04-28"] },
    { line: 10, values: ["X12", "buy", "P0001", 20, 0.2, "wind", "2024-04-28"] },
    { line: 11, values: ["T0000010", "buy", "P0003", 20, 0.2, "hydro", null] },
  ]);
  await writeQuarantine(connection, lake, transactions, [
    { line: 12, values: ["", "compra", "P0001", "5", "0,1", "eólica", "30/04/2024"], reason: "transaction_id: required value is missing" },
    { line: 13, values: ["T0000012", "compra", "P0001", "#N/D", "0.1", "eolica", "2024-04-30"], reason: "quantity_kwh: '#N/D' is not a valid decimal(18,3)" },
    { line: 14, values: ["T0000013", "buy", "P0001", "5", "0.1", "geotérmica", "2024-04-30"], reason: "energy_type: unknown value" },
    { line: 15, values: ["T0000014", "venta", "C000002", "5", "0.1", "solar", "31/02/2024"], reason: "transaction_date: '31/02/2024' is not a valid date" },
  ]);
}

/** A clean transactions batch: every rule passes. */
export async function writeCleanTransactions(connection: DuckDBConnection, lake: string, contracts: readonly Contract[]): Promise<void> {
  const transactions = contracts.find((c) => c.name === "transactions") as Contract;
  await writeProcessed(connection, lake, transactions, [
    { line: 2, values: ["T0000001", "buy", "P0001", 100, 0.25, "wind", "2024-04-30"] },
    { line: 3, values: ["T0000002", "sell", "C000001", 50, 0.3, "solar", "2024-04-30"] },
    { line: 4, values: ["T0000003", "buy", "P0003", 10.5, 0.2, "hydro", "2024-04-29"] },
    { line: 5, values: ["T0000004", "sell", "C000002", 7, 0.21, "nuclear", "2024-04-29"] },
  ]);
}
