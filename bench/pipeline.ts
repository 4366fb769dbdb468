import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generate } from "../src/generator/generate";
import { loadContracts } from "../src/model/contracts";
import { runLoad } from "../src/pipeline/load";

export interface PipelineFigures {
  readonly rows: number;
  readonly csvBytes: number;
  /** DuckDB's own COPY (SELECT * FROM read_csv(...)) TO parquet of the same file: the limit here. */
  readonly plainCopySeconds: number;
  /** The same plain copy written into the lake's year/month/day partitions (no typing): the limit of the layout. */
  readonly partitionedCopySeconds: number;
  /** From the start of `lake run` until processed and quarantine Parquet are written. */
  readonly toProcessedSeconds: number;
  /** The whole load: raw landing, processed, quarantine, curated rebuild, commit. */
  readonly loadSeconds: number;
}

async function plainCopy(csv: string, out: string, partitioned: boolean): Promise<number> {
  const instance = await DuckDBInstance.create(":memory:", { partitioned_write_max_open_files: "4096" });
  const connection = await instance.connect();
  const started = process.hrtime.bigint();
  const copy = partitioned
    ? `COPY (SELECT *, strftime(d, '%Y') AS year, strftime(d, '%m') AS month, strftime(d, '%d') AS day FROM ` +
      `(SELECT *, COALESCE(CAST(try_strptime(fecha_transaccion, '%d/%m/%Y') AS DATE), DATE '2026-01-01') AS d FROM read_csv('${csv}', all_varchar = true))) ` +
      `TO '${out}' (FORMAT parquet, PARTITION_BY (year, month, day))`
    : `COPY (SELECT * FROM read_csv('${csv}')) TO '${out}' (FORMAT parquet)`;
  await connection.run(copy);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  connection.closeSync();
  instance.closeSync();
  return seconds;
}

/** CSV -> processed Parquet on a generated BTG-style transactions export of `rows` rows. */
export async function benchPipeline(rows: number): Promise<PipelineFigures> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-bench-"));
  try {
    const generated = path.join(work, "generated");
    await generate({ rows, seed: 1, defects: "default", outDir: generated, style: "btg" });
    const input = path.join(work, "input");
    fs.mkdirSync(input);
    const csv = path.join(input, "transacciones.csv");
    fs.renameSync(path.join(generated, "transacciones.csv"), csv);

    const plainCopySeconds = await plainCopy(csv, path.join(work, "plain.parquet"), false);
    const partitionedCopySeconds = await plainCopy(csv, path.join(work, "plain-partitioned"), true);
    let toProcessedSeconds = Number.NaN;
    const started = process.hrtime.bigint();
    await runLoad({
      inputDir: input,
      lakeDir: path.join(work, "lake"),
      loadDate: "2026-01-01",
      contracts: loadContracts(),
      onProgress: (message) => {
        if (/transactions: \d+ processed/.test(message)) toProcessedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      },
    });
    const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { rows, csvBytes: fs.statSync(csv).size, plainCopySeconds, partitionedCopySeconds, toProcessedSeconds, loadSeconds };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function pipelineTable(figures: readonly PipelineFigures[]): string {
  const rate = (rows: number, seconds: number): string => `${Math.round(rows / seconds).toLocaleString("en-US")} rows/s`;
  return [
    "| rows | CSV MB | plain COPY (limit) | plain COPY into day partitions | lake run to processed | ratio to plain | ratio to partitioned | whole load (incl. curated) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...figures.map(
      (f) =>
        `| ${f.rows.toLocaleString("en-US")} | ${(f.csvBytes / 1e6).toFixed(0)} | ${f.plainCopySeconds.toFixed(2)} s (${rate(f.rows, f.plainCopySeconds)}) | ` +
        `${f.partitionedCopySeconds.toFixed(2)} s | ${f.toProcessedSeconds.toFixed(2)} s (${rate(f.rows, f.toProcessedSeconds)}) | ` +
        `${(f.toProcessedSeconds / f.plainCopySeconds).toFixed(2)}x | ${(f.toProcessedSeconds / f.partitionedCopySeconds).toFixed(2)}x | ${f.loadSeconds.toFixed(2)} s |`,
    ),
  ].join("\n");
}
