import { DuckDBInstance } from "@duckdb/node-api";
import { expect } from "chai";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { withLakeLock } from "../../src/pipeline/lock";
import { saveReport } from "../../src/report/history";
import { QualityReport } from "../../src/report/types";

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `energy-lake-${prefix}-`));
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): string {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The lake's content as data: each Parquet file's rows (sorted) and each other file's hash, by path.
 * Two lakes with the same snapshot hold the same data, whatever the row order inside files.
 */
export async function snapshot(lakeDir: string): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const file of listFiles(lakeDir)) {
    if (file.startsWith("quality") || file.startsWith(".lake.lock")) continue;
    const full = path.join(lakeDir, file);
    if (file.endsWith(".keys")) {
      // A curated file's key index records its file's byte size, which DuckDB's parallel writer
      // does not fix: its rows, key range and hashes are the content.
      const bytes = fs.readFileSync(full);
      const end = bytes.indexOf(0x0a);
      const header = JSON.parse(bytes.subarray(0, end).toString("utf8")) as { rows: number; min: string | null; max: string | null };
      state[file] = { rows: header.rows, min: header.min, max: header.max, hashes: crypto.createHash("sha256").update(bytes.subarray(end + 1)).digest("hex") };
    } else if (file.endsWith(".parquet")) {
      const rows = await query(`SELECT * FROM read_parquet('${full}', hive_partitioning = false)`);
      state[file] = rows.map((r) => JSON.stringify(r)).sort();
    } else {
      state[file] = crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    }
  }
  return state;
}

/** Keeps a report in a lake as `lake run` does: under the lake's lock, in one commit. */
export async function keepReport(lakeDir: string, report: QualityReport): Promise<string[]> {
  return withLakeLock(lakeDir, "test: keep a report", async (lock) => saveReport(lock, report));
}

/** Runs `bin/lake ...` as a user would, without blocking this process (so fakes in it can answer). */
export function lakeAsync(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(PROJECT_ROOT, "bin", "lake"), args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * The sample load in a local lake beside the dev stack's outputs (`lake plan --outputs`): what the
 * AWS-path tests check a deployed load against. The sample has defects on purpose: `lake run` exits 1.
 */
export async function sampleLoadAndDevOutputs(dir: string, loadDate: string): Promise<{ lakeDir: string; outputsFile: string; local: QualityReport }> {
  const lakeDir = path.join(dir, "lake");
  const outputsFile = path.join(dir, "out.json");
  const [run, plan] = await Promise.all([
    lakeAsync(["run", "--input", path.join(PROJECT_ROOT, "data", "sample"), "--lake", lakeDir, "--load-date", loadDate, "--format", "json"]),
    lakeAsync(["plan", "--stack", "dev", "--outputs", outputsFile]),
  ]);
  expect(plan.status, plan.stderr).to.equal(0);
  expect(run.status, run.stderr).to.equal(1);
  const local = JSON.parse(fs.readFileSync(path.join(lakeDir, "quality", loadDate, "report.json"), "utf8")) as QualityReport;
  return { lakeDir, outputsFile, local };
}
