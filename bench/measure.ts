import { ChildProcess, fork } from "child_process";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { WorkerTask } from "./worker";

/**
 * How the benchmark measures: every timed load, copy and check runs in a fresh Node process (the
 * worker, bundled once with esbuild so it starts in a fraction of a second), which reports its
 * wall time, its CPU time (user + system, all of DuckDB's threads included) and its peak resident
 * memory. A fresh process per run gives each run its own peak memory and no warm caches from
 * another run; CPU time is what a shared machine disturbs least.
 */

export interface Sample {
  /** Seconds from the start to the end of the measured work, inside the worker. */
  readonly wall: number;
  /** CPU seconds of the worker process over the same span. */
  readonly cpu: number;
  /** Peak resident set of the worker process, bytes (Node itself included, about 60 MiB). */
  readonly peakBytes: number;
  /** Task-specific figures (marks, counts). */
  readonly detail: Record<string, unknown>;
}

export interface Stat {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly runs: number;
}

export function stat(values: readonly number[]): Stat {
  if (values.length === 0) throw new Error("no values to summarise");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], runs: values.length };
}

let bundled: string | undefined;

/**
 * The worker as one CommonJS file (DuckDB's native module stays external), two folders below the
 * project root as the sources are, so the library finds contracts/ and quality-rules/ the same way.
 */
async function workerScript(): Promise<string> {
  if (bundled !== undefined) return bundled;
  // One folder per bench process, so two benches of one checkout do not rebuild each other's worker.
  const dir = path.join(__dirname, `.worker-${process.pid}`);
  const outfile = path.join(dir, "worker.js");
  await esbuild.build({
    entryPoints: [path.join(__dirname, "worker.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    external: ["@duckdb/node-api"],
    logLevel: "error",
  });
  bundled = outfile;
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return outfile;
}

/** Runs one task in a fresh worker process and returns what it measured. */
export async function measure(task: WorkerTask): Promise<Sample> {
  const script = await workerScript();
  const child: ChildProcess = fork(script, [], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  return new Promise<Sample>((resolve, reject) => {
    let sample: Sample | undefined;
    child.on("message", (message: { sample?: Sample; error?: string }) => {
      if (message.error !== undefined) reject(new Error(`bench worker (${task.kind}): ${message.error}`));
      else sample = message.sample;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (sample !== undefined) resolve(sample);
      else reject(new Error(`bench worker (${task.kind}) exited with code ${code} and no result`));
    });
    child.send(task);
  });
}

/** The machine the figures were taken on, and how busy it was. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}
