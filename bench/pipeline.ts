import * as fs from "fs";
import * as path from "path";
import { btgExport, transactionsOnly } from "./data";
import { measure, Sample, Stat, stat } from "./measure";

/**
 * A load against DuckDB's plain COPY of the same CSV to Parquet with the same codec (ZSTD): the
 * limit of any CSV-to-Parquet path on this engine. Each run copies, then loads into an empty
 * lake, each in a fresh process; ratios are taken within the run.
 */

export interface PipelineFigures {
  readonly rows: number;
  readonly csvBytes: number;
  readonly copy: { readonly wall: Stat; readonly cpu: Stat; readonly peakMiB: Stat };
  /** From the start of the load until processed and quarantine Parquet are written. */
  readonly toProcessed: { readonly wall: Stat; readonly cpu: Stat };
  /** The whole load: raw landing, processed, quarantine, curated merge, commit. */
  readonly load: { readonly wall: Stat; readonly cpu: Stat; readonly peakMiB: Stat };
  readonly ratio: { readonly toProcessedWall: Stat; readonly toProcessedCpu: Stat; readonly loadWall: Stat; readonly loadCpu: Stat };
  /** Files the load wrote for transactions: processed parts, the quarantine file, curated files. */
  readonly filesWritten: number;
  readonly curatedPartitions: number;
}

interface LoadDetail {
  readonly marks: { readonly toProcessed: { readonly wall: number; readonly cpu: number } };
  readonly datasets: readonly { readonly name: string; readonly filesWritten: number; readonly curated: { readonly partitions: readonly string[] } }[];
}

const detailOf = (sample: Sample): LoadDetail => sample.detail as unknown as LoadDetail;

export async function benchPipeline(work: string, rows: number, runs: number, log: (line: string) => void): Promise<PipelineFigures> {
  const dir = path.join(work, `pipeline-${rows}`);
  const generated = await btgExport(rows, path.join(dir, "export"));
  const input = transactionsOnly(generated.dir, path.join(dir, "input"));
  const csv = path.join(input, "transacciones.csv");
  const copies: Sample[] = [];
  const loads: Sample[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const out = path.join(dir, "copy.parquet");
      copies.push(await measure({ kind: "copy", csv, out }));
      fs.rmSync(out, { force: true });
      const lake = path.join(dir, "lake");
      loads.push(await measure({ kind: "load", input, lake, loadDate: "2026-01-01" }));
      fs.rmSync(lake, { recursive: true, force: true });
      log(`pipeline ${rows.toLocaleString("en-US")} rows, run ${run + 1}/${runs}: COPY ${copies[run].wall.toFixed(1)} s, load ${loads[run].wall.toFixed(1)} s (${(loads[run].peakBytes / 2 ** 20).toFixed(0)} MiB peak)`);
    }
    const perRun = (f: (i: number) => number): Stat => stat(copies.map((_, i) => f(i)));
    const transactions = detailOf(loads[0]).datasets.find((d) => d.name === "transactions");
    return {
      rows,
      csvBytes: fs.statSync(csv).size,
      copy: { wall: stat(copies.map((s) => s.wall)), cpu: stat(copies.map((s) => s.cpu)), peakMiB: stat(copies.map((s) => s.peakBytes / 2 ** 20)) },
      toProcessed: { wall: stat(loads.map((s) => detailOf(s).marks.toProcessed.wall)), cpu: stat(loads.map((s) => detailOf(s).marks.toProcessed.cpu)) },
      load: { wall: stat(loads.map((s) => s.wall)), cpu: stat(loads.map((s) => s.cpu)), peakMiB: stat(loads.map((s) => s.peakBytes / 2 ** 20)) },
      ratio: {
        toProcessedWall: perRun((i) => detailOf(loads[i]).marks.toProcessed.wall / copies[i].wall),
        toProcessedCpu: perRun((i) => detailOf(loads[i]).marks.toProcessed.cpu / copies[i].cpu),
        loadWall: perRun((i) => loads[i].wall / copies[i].wall),
        loadCpu: perRun((i) => loads[i].cpu / copies[i].cpu),
      },
      filesWritten: transactions?.filesWritten ?? 0,
      curatedPartitions: transactions?.curated.partitions.length ?? 0,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
