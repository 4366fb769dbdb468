import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { loadContracts } from "../src/model/contracts";
import { processedFilesOfLoad } from "../src/pipeline/layout";
import { runLoad } from "../src/pipeline/load";
import { readParquet,  } from "../src/sql/batch-source";
import { duckdbReadPath, duckdbWritePath } from "../src/sql/duckdb-paths";
import { btgExport } from "./data";
import { Stat, stat } from "./measure";

/**
 * Storage: each dataset's raw CSV (as received) against its processed rows as CSV and as Parquet
 * with each codec, and the bytes a typical insight query reads from each. A CSV scan reads the
 * whole file; a Parquet scan reads the column chunks of the columns it needs (what Athena bills).
 */

export const CODECS = ["uncompressed", "snappy", "gzip", "zstd", "brotli"] as const;

/** Energy sold per trade month and energy type: the question the company asks most. */
export const INSIGHT_COLUMNS = ["transaction_type", "transaction_date", "energy_type", "quantity_kwh"];
const insightSql = (source: string): string =>
  `SELECT strftime(transaction_date, '%Y-%m') AS trade_month, energy_type, sum(quantity_kwh) AS kwh_sold FROM ${source} WHERE transaction_type = 'sell' GROUP BY ALL`;

export interface DatasetStorage {
  readonly dataset: string;
  readonly rows: number;
  readonly rawCsvBytes: number;
  /** The processed rows written back as a plain CSV (typed values, canonical columns). */
  readonly processedCsvBytes: number;
  readonly parquetBytes: Readonly<Record<(typeof CODECS)[number], number>>;
}

export interface StorageFigures {
  readonly transactions: number;
  readonly datasets: readonly DatasetStorage[];
  /** Bytes the insight query reads from transactions stored each way. */
  readonly insightBytes: Readonly<Record<string, number>>;
  /** DuckDB running the insight query over the processed CSV and over the ZSTD Parquet, seconds. */
  readonly insightSeconds: { readonly csv: Stat; readonly parquet: Stat };
}

async function columnBytes(connection: DuckDBConnection, file: string, columns: readonly string[]): Promise<number> {
  const reader = await connection.runAndReadAll(
    `SELECT sum(total_compressed_size) FROM parquet_metadata(${duckdbReadPath(file)}) WHERE path_in_schema IN (${columns.map((c) => `'${c}'`).join(", ")})`,
  );
  return Number(reader.getRows()[0][0]);
}

export async function benchStorage(work: string, rows: number, runs: number): Promise<StorageFigures> {
  const dir = path.join(work, `storage-${rows}`);
  const contracts = loadContracts();
  const generated = await btgExport(rows, path.join(dir, "export"));
  const lake = path.join(dir, "lake");
  const loadDate = "2026-01-01";
  await runLoad({ inputDir: generated.dir, lakeDir: lake, loadDate, contracts });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const datasets: DatasetStorage[] = [];
    const insightBytes: Record<string, number> = {};
    let processedCsv = "";
    let zstd = "";
    for (const contract of contracts) {
      const source = `(SELECT ${contract.columns.map((c) => `"${c.name}"`).join(", ")} FROM ${readParquet(processedFilesOfLoad(lake, contract.name, loadDate))})`;
      const rawDir = path.join(lake, "raw", contract.name, `load_date=${loadDate}`);
      const rawCsvBytes = fs.readdirSync(rawDir).reduce((sum, f) => sum + fs.statSync(path.join(rawDir, f)).size, 0);
      const csv = path.join(dir, `${contract.name}.csv`);
      await connection.run(`COPY ${source} TO ${duckdbWritePath(csv)} (HEADER)`);
      const parquetBytes = {} as Record<(typeof CODECS)[number], number>;
      for (const codec of CODECS) {
        const file = path.join(dir, `${contract.name}.${codec}.parquet`);
        await connection.run(`COPY ${source} TO ${duckdbWritePath(file)} (FORMAT parquet, COMPRESSION ${codec})`);
        parquetBytes[codec] = fs.statSync(file).size;
        if (contract.name === "transactions") {
          insightBytes[`Parquet ${codec}`] = await columnBytes(connection, file, INSIGHT_COLUMNS);
          if (codec === "zstd") zstd = file;
        }
      }
      const count = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0][0]);
      datasets.push({ dataset: contract.name, rows: count, rawCsvBytes, processedCsvBytes: fs.statSync(csv).size, parquetBytes });
      if (contract.name === "transactions") {
        insightBytes["raw CSV (as received)"] = rawCsvBytes;
        insightBytes["processed rows as CSV"] = fs.statSync(csv).size;
        processedCsv = csv;
      }
    }
    const time = async (sql: string): Promise<number> => {
      const start = performance.now();
      await connection.runAndReadAll(sql);
      return (performance.now() - start) / 1000;
    };
    const csvQuery = insightSql(`read_csv(${duckdbReadPath(processedCsv)}, header = true)`);
    const parquetQuery = insightSql(`read_parquet(${duckdbReadPath(zstd)})`);
    await time(csvQuery);
    await time(parquetQuery);
    const csvSeconds: number[] = [];
    const parquetSeconds: number[] = [];
    for (let run = 0; run < runs; run++) {
      csvSeconds.push(await time(csvQuery));
      parquetSeconds.push(await time(parquetQuery));
    }
    return { transactions: rows, datasets, insightBytes, insightSeconds: { csv: stat(csvSeconds), parquet: stat(parquetSeconds) } };
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const INSIGHT_QUERY = insightSql("transactions");
