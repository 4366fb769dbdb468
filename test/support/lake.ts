import { DuckDBInstance } from "@duckdb/node-api";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
    if (path.basename(file) === "_keys.idx") {
      // A curated partition's key index records its part files' byte sizes, which DuckDB's
      // parallel writer does not fix: its entries, the hashes and parts, are the content.
      const bytes = fs.readFileSync(full);
      const end = bytes.indexOf(0x0a);
      const header = JSON.parse(bytes.subarray(0, end).toString("utf8")) as { parts: Record<string, number> };
      state[file] = { parts: Object.keys(header.parts), entries: crypto.createHash("sha256").update(bytes.subarray(end + 1)).digest("hex") };
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
