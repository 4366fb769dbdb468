import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import { checkLoad } from "../src/app/check-load";
import { loadContracts } from "../src/model/contracts";
import { loadRuleSets } from "../src/model/rules";
import { PARQUET_WRITE, processedFilesOfLoad } from "../src/pipeline/layout";
import { runLoad } from "../src/pipeline/load";
import { duckdbReadPath, duckdbWritePath } from "../src/sql/duckdb-paths";
import type { Sample } from "./measure";

/** One measured piece of work, run in a fresh process (see measure.ts). */
export type WorkerTask =
  /** DuckDB's own CSV to Parquet, written the way the lake writes Parquet: `COPY (SELECT * FROM read_csv(csv)) TO out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)`. */
  | { readonly kind: "copy"; readonly csv: string; readonly out: string }
  /** `lake run --no-checks` of `input` into `lake`. */
  | { readonly kind: "load"; readonly input: string; readonly lake: string; readonly loadDate: string }
  /** `lake check` of one load (every shipped rule, samples and references, layer counts). */
  | { readonly kind: "check"; readonly lake: string; readonly loadDate: string };

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;
const cpuSeconds = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

async function copy(task: Extract<WorkerTask, { kind: "copy" }>): Promise<Record<string, unknown>> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`COPY (SELECT * FROM read_csv(${duckdbReadPath(task.csv)})) TO ${duckdbWritePath(task.out)} (${PARQUET_WRITE})`);
  connection.closeSync();
  instance.closeSync();
  return { parquetBytes: fs.statSync(task.out).size };
}

async function load(task: Extract<WorkerTask, { kind: "load" }>, started: bigint, cpuStart: NodeJS.CpuUsage): Promise<Record<string, unknown>> {
  const marks: Record<string, { wall: number; cpu: number }> = {};
  const result = await runLoad({
    inputDir: task.input,
    lakeDir: task.lake,
    loadDate: task.loadDate,
    contracts: loadContracts(),
    // The last of the last dataset's processed and quarantine writes: CSV -> processed + quarantine done, curated next.
    onProgress: (message) => {
      const at = { wall: seconds(started), cpu: cpuSeconds(cpuStart) };
      if (/: (processed|quarantine) written$/.test(message)) marks.toProcessed = at;
    },
  });
  if (marks.toProcessed === undefined) throw new Error(`the load reported no "<dataset>: processed written" or "quarantine written" step; bench/worker.ts must follow the progress messages of src/pipeline/load.ts`);
  return {
    marks,
    datasets: result.datasets.map((d) => ({
      name: d.name,
      rows: d.rows,
      curated: d.curated,
      // Files this load wrote for the dataset: processed parts, one quarantine file, curated files and key indexes.
      filesWritten: processedFilesOfLoad(task.lake, d.name, task.loadDate).length + 1 + d.curated.filesWritten + d.curated.keyIndexesWritten,
    })),
  };
}

async function check(task: Extract<WorkerTask, { kind: "check" }>): Promise<Record<string, unknown>> {
  const contracts = loadContracts();
  const report = await checkLoad({ lakeDir: task.lake, loadDate: task.loadDate, contracts, ruleSets: loadRuleSets(contracts) });
  return { queries: Object.fromEntries(report.datasets.map((d) => [d.name, d.queries])), status: report.status };
}

async function run(task: WorkerTask): Promise<Sample> {
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let detail: Record<string, unknown>;
  switch (task.kind) {
    case "copy":
      detail = await copy(task);
      break;
    case "load":
      detail = await load(task, started, cpuStart);
      break;
    case "check":
      detail = await check(task);
      break;
  }
  const wall = seconds(started);
  const cpu = cpuSeconds(cpuStart);
  // maxRSS is in KiB; it is the whole process's peak, which is why every run gets its own process.
  return { wall, cpu, peakBytes: process.resourceUsage().maxRSS * 1024, detail };
}

if (require.main === module) {
  process.once("message", (task: WorkerTask) => {
    run(task)
      .then((sample) => process.send?.({ sample }, () => process.exit(0)))
      .catch((err: unknown) => process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)));
  });
}

