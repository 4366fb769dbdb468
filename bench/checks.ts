import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { Stat, stat } from "./measure";
import { Contract, loadContracts } from "../src/model/contracts";
import { RuleSet, columnsRead, loadRuleSets } from "../src/model/rules";
import { compileChecks } from "../src/quality/sql";
import { processedFilesOfLoad } from "../src/pipeline/layout";
import { duckdbTarget, retypedFromText } from "../src/sql/batch-source";
import { duckdb } from "../src/sql/dialect";

const LOAD_DATE = "2024-05-01";
const PROVIDERS = 500;
const CUSTOMERS = 20_000;

const sqlPath = (p: string): string => duckdb.str(p.split(path.sep).join("/"));

function processedFile(lake: string, dataset: string): string {
  const dir = path.join(lake, "processed", dataset, `load_date=${LOAD_DATE}`);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, "part-0.parquet");
}

/** Providers and customers loaded earlier: what references read. */
function curatedFile(lake: string, dataset: string): string {
  const dir = path.join(lake, "curated", dataset);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, "data.parquet");
}

const meta = `DATE '${LOAD_DATE}' AS "_load_date", 'bench.csv' AS "_source_file", i + 2 AS "_row"`;

/** Writes a clean processed batch of `rows` trades (plus the providers and customers they reference) with DuckDB alone. */
export async function buildBenchLake(connection: DuckDBConnection, lake: string, rows: number): Promise<void> {
  await connection.run(
    `COPY (SELECT 'P' || lpad(CAST(i + 1 AS VARCHAR), 4, '0') AS provider_id, 'Provider ' || i AS provider_name, ['wind','solar','hydro','nuclear','thermal'][i % 5 + 1] AS energy_type, ` +
      `CAST(100 + i AS DECIMAL(12,3)) AS capacity_mw, 'Colombia' AS country, DATE '2015-01-01' + CAST(i AS INTEGER) AS registered_at, ${meta} ` +
      `FROM range(${PROVIDERS}) t(i)) TO ${sqlPath(curatedFile(lake, "providers"))} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await connection.run(
    `COPY (SELECT 'C' || lpad(CAST(i + 1 AS VARCHAR), 6, '0') AS customer_id, 'cc' AS id_type, CAST(10000000 + i AS VARCHAR) AS id_number, 'Customer ' || i AS customer_name, ` +
      `'Bogotá' AS city, 'residential' AS segment, ${meta} FROM range(${CUSTOMERS}) t(i)) TO ${sqlPath(curatedFile(lake, "customers"))} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await connection.run(
    `COPY (SELECT 'T' || lpad(CAST(i + 1 AS VARCHAR), 9, '0') AS transaction_id, CASE WHEN i % 2 = 0 THEN 'buy' ELSE 'sell' END AS transaction_type, ` +
      `CASE WHEN i % 2 = 0 THEN 'P' || lpad(CAST(i % ${PROVIDERS} + 1 AS VARCHAR), 4, '0') ELSE 'C' || lpad(CAST(i % ${CUSTOMERS} + 1 AS VARCHAR), 6, '0') END AS counterparty_id, ` +
      `CAST((i % 200000) / 10.0 AS DECIMAL(18,3)) AS quantity_kwh, CAST(150 + (i % 80000) / 100.0 AS DECIMAL(18,4)) AS price, ` +
      `['wind','solar','hydro','nuclear','thermal'][i % 5 + 1] AS energy_type, DATE '2024-04-01' + CAST(i % 30 AS INTEGER) AS transaction_date, ${meta} ` +
      `FROM range(${rows}) t(i)) TO ${sqlPath(processedFile(lake, "transactions"))} (FORMAT parquet, COMPRESSION zstd)`,
  );
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** One run of the statements, in this process (nothing else runs in it meanwhile): wall and CPU seconds. */
async function timed(connection: DuckDBConnection, statements: readonly string[]): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const sql of statements) await connection.runAndReadAll(sql);
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/**
 * A floor: one aggregate pass over the load's batch that reads every value of `columns` (hashing
 * defeats answers from Parquet metadata, which `count(column)` gets) and does nothing else.
 */
function bareScanSql(lake: string, columns: readonly string[]): string {
  const files = processedFilesOfLoad(lake, "transactions", LOAD_DATE).map(sqlPath).join(", ");
  return `SELECT count(*), ${columns.map((c) => `sum(hash(${duckdb.ident(c)}))`).join(", ")} FROM read_parquet([${files}])`;
}

/** Compressed bytes of each column of the batch's parquet files: what a scan of that column reads. */
async function columnBytes(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, number>> {
  const reader = await connection.runAndReadAll(
    `SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata([${files.map(sqlPath).join(", ")}]) GROUP BY path_in_schema`,
  );
  return new Map(reader.getRowsJson().map(([column, bytes]) => [String(column), Number(bytes)]));
}

/** Athena bills each query's bytes scanned rounded up to the megabyte, at least 10 MB. */
const ATHENA_MINIMUM_MIB = 10;

interface BytesRead {
  /** Bytes of the batch's column chunks the statements' Parquet scans project. */
  readonly batch: number;
  /** Bytes of the referenced datasets' curated files they read (their key columns). */
  readonly referenced: number;
  /** MiB Athena would bill for the statements: each one's bytes, rounded up, at least the minimum. */
  readonly billedMiB: number;
}

/**
 * Bytes the statements read, from the columns each Parquet scan of their plans projects, as Athena
 * bills them (Parquet column chunks; DuckDB's scans project the same columns Trino's do). A scan
 * belongs to the batch when the batch has every column it projects, else to the referenced
 * dataset that has them (their key columns are not the batch's).
 */
async function bytesRead(connection: DuckDBConnection, statements: readonly string[], batch: ReadonlyMap<string, number>, referenced: readonly ReadonlyMap<string, number>[]): Promise<BytesRead> {
  let batchBytes = 0;
  let referencedBytes = 0;
  let billedMiB = 0;
  for (const sql of statements) {
    let statementBytes = 0;
    const plan = JSON.parse(String((await connection.runAndReadAll(`EXPLAIN (FORMAT json) ${sql}`)).getRows()[0][1])) as unknown[];
    const visit = (node: { name?: string; children?: unknown[]; extra_info?: Record<string, unknown> }): void => {
      const projections = node.extra_info?.Projections;
      if (node.name === "READ_PARQUET" && projections !== undefined) {
        const columns = Array.isArray(projections) ? projections.map(String) : String(projections).split("\n");
        const sum = (sizes: ReadonlyMap<string, number>): number => columns.reduce((total, c) => total + (sizes.get(c) ?? 0), 0);
        if (columns.every((c) => batch.has(c))) {
          batchBytes += sum(batch);
          statementBytes += sum(batch);
        } else {
          const sizes = referenced.find((r) => columns.every((c) => r.has(c)));
          if (sizes === undefined) throw new Error(`a scan of ${columns.join(", ")} reads neither the batch nor a referenced dataset`);
          referencedBytes += sum(sizes);
          statementBytes += sum(sizes);
        }
      }
      for (const child of node.children ?? []) visit(child as typeof node);
    };
    for (const root of plan) visit(root as never);
    billedMiB += Math.max(ATHENA_MINIMUM_MIB, Math.ceil(statementBytes / 2 ** 20));
  }
  return { batch: batchBytes, referenced: referencedBytes, billedMiB };
}

export interface Strategy {
  readonly name: string;
  readonly queries: number;
  /** Batch MiB the statements read (the column chunks each Parquet scan projects: what Athena bills). */
  readonly mibRead: number;
  /** MiB of the referenced datasets' curated files read (their keys), on top of the batch's. */
  readonly referencedMibRead: number;
  /** What Athena would bill for the statements: each query's MiB rounded up, at least 10 MB. */
  readonly athenaBilledMib: number;
  readonly wall: Stat;
  readonly cpu: Stat;
  /** The floor (a strategy above it) whose CPU time this one's is divided by: the bare scan of the columns it reads. */
  readonly floor: string;
  /** CPU time over its floor's, per run. */
  readonly ratioToFloor: Stat;
}

export interface CheckFigures {
  readonly rows: number;
  readonly rules: number;
  readonly strategies: readonly Strategy[];
}

/**
 * The shipped transactions rules over an N-row batch (plus the providers and customers it
 * references), timed several ways in each run: two floors (bare aggregate scans: of the columns
 * the rules read, and of those plus `_source_file` and `_row`, which samples read), the compiled
 * suite counts only, with samples, with its anti-joins (the check of a load: one aggregate query
 * plus one per referenced dataset), and one query per rule (the dbt-style baseline). Each
 * strategy's CPU time is divided by the floor that reads the same batch columns, in the same run.
 * With `retyped`, also the suite and per-rule over a batch typed from text on every query, as a
 * dbt staging view would.
 */
export async function benchChecks(work: string, rows: number, runs: number, retyped: boolean): Promise<CheckFigures> {
  const contracts = loadContracts();
  const ruleSet = loadRuleSets(contracts).find((r) => r.dataset === "transactions") as RuleSet;
  const contract = contracts.find((c) => c.name === "transactions") as Contract;
  const lake = path.join(work, `checks-${rows}`);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await buildBenchLake(connection, lake, rows);
    const target = duckdbTarget(lake);
    // Typed numbers written back as text have a decimal point: the text baseline reads them so (undeclared, 100.000 reads two ways).
    const writtenBack = contracts.map((c) => ({ ...c, numbers: { ...c.numbers, decimal: "." as const } }));
    const compiled = (t = target, options = {}): string[] => compileChecks(ruleSet, t === target ? contracts : writtenBack, t, LOAD_DATE, options).queries.map((q) => q.sql);
    const perRule = (t = target): string[] => ruleSet.rules.flatMap((rule) => compileChecks({ ...ruleSet, rules: [rule] }, t === target ? contracts : writtenBack, t, LOAD_DATE).queries.map((q) => q.sql));
    const ruleColumns = new Set([...contract.key, ...ruleSet.rules.flatMap(columnsRead)]);
    const counted = contract.columns.map((c) => c.name).filter((c) => ruleColumns.has(c));
    const sampled = [...counted, "_source_file", "_row"];
    const floor = `bare scan of the ${counted.length} columns the rules read (floor)`;
    const floorWithSamples = `bare scan of those ${counted.length} columns, _source_file and _row, which samples read (floor with samples)`;
    const candidates: { name: string; statements: string[]; floor: string }[] = [
      { name: floor, statements: [bareScanSql(lake, counted)], floor },
      { name: floorWithSamples, statements: [bareScanSql(lake, sampled)], floor: floorWithSamples },
      { name: "rule suite: aggregate query, counts only", statements: compiled(target, { sampleSize: 0 }).slice(0, 1), floor },
      { name: "rule suite: aggregate query with samples", statements: compiled().slice(0, 1), floor: floorWithSamples },
      { name: "rule suite: aggregate + anti-joins (the check of a load)", statements: compiled(), floor: floorWithSamples },
      { name: "one query per rule (dbt-style)", statements: perRule(), floor: floorWithSamples },
    ];
    if (retyped) {
      const textTarget = retypedFromText(target);
      candidates.push({ name: "rule suite, batch typed from text on every query", statements: compiled(textTarget), floor: floorWithSamples });
      candidates.push({ name: "one query per rule, batch typed from text", statements: perRule(textTarget), floor: floorWithSamples });
    }
    // One untimed run of each warms the file cache and DuckDB's, so no strategy pays for the others.
    for (const candidate of candidates) await timed(connection, candidate.statements);
    const timings = candidates.map(() => [] as Timing[]);
    for (let run = 0; run < runs; run++) {
      for (const [i, candidate] of candidates.entries()) timings[i].push(await timed(connection, candidate.statements));
    }
    const batchSizes = await columnBytes(connection, processedFilesOfLoad(lake, "transactions", LOAD_DATE));
    const referencedSizes = await Promise.all(["providers", "customers"].map((dataset) => columnBytes(connection, [path.join(lake, "curated", dataset, "data.parquet")])));
    const strategies: Strategy[] = [];
    for (const [i, candidate] of candidates.entries()) {
      const read = await bytesRead(connection, candidate.statements, batchSizes, referencedSizes);
      const floorIndex = candidates.findIndex((c) => c.name === candidate.floor);
      strategies.push({
        name: candidate.name,
        queries: candidate.statements.length,
        mibRead: read.batch / 2 ** 20,
        referencedMibRead: read.referenced / 2 ** 20,
        athenaBilledMib: read.billedMiB,
        wall: stat(timings[i].map((t) => t.wall)),
        cpu: stat(timings[i].map((t) => t.cpu)),
        floor: candidate.floor,
        ratioToFloor: stat(timings[i].map((t, run) => t.cpu / timings[floorIndex][run].cpu)),
      });
    }
    return { rows, rules: ruleSet.rules.length, strategies };
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(lake, { recursive: true, force: true });
  }
}
