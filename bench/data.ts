import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as path from "path";
import { generate } from "../src/generator/generate";
import { duckdbWritePath } from "../src/sql/duckdb-paths";

/** A BTG-style export of `rows` transactions (with the generator's default defects), in `dir`. */
export async function btgExport(rows: number, dir: string): Promise<{ dir: string; transactions: string }> {
  await generate({ rows, seed: 1, defects: "default", outDir: dir, style: "btg" });
  fs.rmSync(path.join(dir, "manifest.json"));
  return { dir, transactions: path.join(dir, "transacciones.csv") };
}

/** Only the transactions file of an export, in a folder of its own (what the load-vs-COPY table loads). */
export function transactionsOnly(exportDir: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(exportDir, "transacciones.csv"), path.join(dir, "transacciones.csv"));
  return dir;
}

export type KeyOrder = "sequential" | "random";

export const DAILY_TRADES = 50_000;
const PROVIDERS = 500;
const CUSTOMERS = 20_000;
/** Trades of the previous day sent again, corrected, in every daily export. */
export const DAILY_CORRECTIONS = 500;
const FIRST_DAY = "2026-01-01";

export function dayDate(day: number): string {
  const date = new Date(`${FIRST_DAY}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + day);
  return date.toISOString().slice(0, 10);
}

/**
 * Day `day`'s export, BTG style (semicolons, decimal commas, dd/MM/yyyy, Spanish headers and
 * spellings): 50,000 new trades, mostly of that day and some of the three days before, plus 500
 * trades sent again with a corrected quantity; the providers and customers snapshot. Trade ids
 * follow a sequence (as trading systems issue them) and the corrections are of the previous day;
 * or, with "random", ids are hashes with no order at all and the corrections re-send trades of
 * five earlier days drawn from the whole history, most into another trade month than curated
 * holds them in.
 */
export async function dailyExport(day: number, dir: string, keys: KeyOrder): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  const id = (n: string): string => (keys === "sequential" ? `'T' || lpad(CAST(${n} AS VARCHAR), 10, '0')` : `'T' || md5(CAST(${n} AS VARCHAR))`);
  const csv = (name: string): string => `${duckdbWritePath(path.join(dir, name))} (HEADER, DELIMITER ';')`;
  const comma = (expr: string): string => `replace(CAST(${expr} AS VARCHAR), '.', ',')`;
  try {
    const trade = (n: string, daysBack: string, quantity: string): string =>
      `SELECT ${id(n)} AS transaccion_id, CASE WHEN ${n} % 2 = 0 THEN 'Compra' ELSE 'VENTA' END AS tipo_transaccion, ` +
      `CASE WHEN ${n} % 2 = 0 THEN 'P' || lpad(CAST(${n} % ${PROVIDERS} + 1 AS VARCHAR), 4, '0') ELSE 'C' || lpad(CAST(${n} % ${CUSTOMERS} + 1 AS VARCHAR), 6, '0') END AS id_cliente_proveedor, ` +
      `${comma(quantity)} AS cantidad_comprada, ${comma(`CAST(150 + (${n} * 7) % 80000 / 100.0 AS DECIMAL(18,2))`)} AS precio, ` +
      `['Eólica','Solar','Hidroeléctrica','Nuclear','Térmica'][${n} % 5 + 1] AS tipo_energia, ` +
      `strftime(DATE '${dayDate(day)}' - CAST(${daysBack} AS INTEGER), '%d/%m/%Y') AS fecha_transaccion`;
    const first = day * DAILY_TRADES;
    const fresh = trade("n", "CASE WHEN n % 10 = 0 THEN 1 + n % 3 ELSE 0 END", "CAST((n * 13) % 200000 / 10.0 AS DECIMAL(18,1))");
    const corrected = trade("n", "CASE WHEN n % 10 = 0 THEN 2 + n % 3 ELSE 1 END", "CAST((n * 17) % 200000 / 10.0 AS DECIMAL(18,1))");
    // Sequential ids: the previous day's first trades. Random ids: 100 trades of each of five
    // earlier days drawn from the whole history (other days and other trades at each load), sent
    // again with this week's trade date (most move to another trade month).
    const resent =
      keys === "sequential"
        ? `range(${first - DAILY_TRADES}, ${first - DAILY_TRADES + DAILY_CORRECTIONS}) t(n)`
        : `(SELECT ((${day} * 2654435761 + (j % 5) * 40503) % 4294967296 % ${day}) * ${DAILY_TRADES} + (j * 7919 + ${day} * 104729) % ${DAILY_TRADES} AS n FROM range(${DAILY_CORRECTIONS}) r(j)) t`;
    const corrections = day === 0 ? "" : ` UNION ALL SELECT * FROM (${corrected} FROM ${resent})`;
    await connection.run(`COPY (SELECT * FROM (${fresh} FROM range(${first}, ${first + DAILY_TRADES}) t(n))${corrections}) TO ${csv("transacciones.csv")}`);
    await connection.run(
      `COPY (SELECT 'P' || lpad(CAST(i + 1 AS VARCHAR), 4, '0') AS proveedor_id, 'Generadora ' || i AS nombre_proveedor, ['Eólica','Solar','Hidroeléctrica','Nuclear','Térmica'][i % 5 + 1] AS tipo_energia, ` +
        `${comma("CAST(100 + i AS DECIMAL(12,1))")} AS capacidad_mw, 'Colombia' AS pais_origen, strftime(DATE '2015-01-01' + CAST(i AS INTEGER), '%d/%m/%Y') AS fecha_registro FROM range(${PROVIDERS}) t(i)) TO ${csv("proveedores.csv")}`,
    );
    await connection.run(
      `COPY (SELECT 'C' || lpad(CAST(i + 1 AS VARCHAR), 6, '0') AS cliente_id, 'CC' AS tipo_identificacion, CAST(10000000 + i AS VARCHAR) AS numero_identificacion, ` +
        `'Cliente ' || i AS nombre, 'Bogotá' AS ciudad, ['Residencial','Comercial','Industrial'][i % 3 + 1] AS segmento FROM range(${CUSTOMERS}) t(i)) TO ${csv("clientes.csv")}`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return dir;
}
