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

/** The floor: one aggregate pass that reads every value of the columns the rules read (hashing defeats metadata-only answers), with no check logic. */
function bareScanSql(lake: string, contract: Contract, ruleSet: RuleSet): string {
  const columns = [...new Set([...contract.key, ...ruleSet.rules.flatMap(columnsRead)])];
  const files = processedFilesOfLoad(lake, contract.name, LOAD_DATE).map(sqlPath).join(", ");
  return `SELECT count(*), ${columns.map((c) => `sum(hash(${duckdb.ident(c)}))`).join(", ")} FROM read_parquet([${files}])`;
}

/** Compressed bytes of each column of the batch's parquet files: what a scan of that column reads. */
async function columnBytes(connection: DuckDBConnection, files: readonly string[]): Promise<Map<string, number>> {
  const reader = await connection.runAndReadAll(
    `SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata([${files.map(sqlPath).join(", ")}]) GROUP BY path_in_schema`,
  );
  return new Map(reader.getRowsJson().map(([column, bytes]) => [String(column), Number(bytes)]));
}

/** Batch bytes the statements read, from the columns each parquet scan projects (Athena bills the same way). */
async function batchBytesRead(connection: DuckDBConnection, statements: readonly string[], sizes: ReadonlyMap<string, number>): Promise<number> {
  let total = 0;
  for (const sql of statements) {
    const plan = JSON.parse(String((await connection.runAndReadAll(`EXPLAIN (FORMAT json) ${sql}`)).getRows()[0][1])) as unknown[];
    const visit = (node: { name?: string; children?: unknown[]; extra_info?: Record<string, unknown> }): void => {
      const projections = node.extra_info?.Projections;
      if (node.name === "READ_PARQUET" && projections !== undefined) {
        const columns = Array.isArray(projections) ? projections.map(String) : String(projections).split("\n");
        // Scans of the small referenced datasets project their own columns, which the batch has not.
        if (columns.every((c) => sizes.has(c))) for (const c of columns) total += sizes.get(c) ?? 0;
      }
      for (const child of node.children ?? []) visit(child as typeof node);
    };
    for (const root of plan) visit(root as never);
  }
  return total;
}

export interface Strategy {
  readonly name: string;
  readonly queries: number;
  /** Batch MiB the statements read (the column chunks each Parquet scan projects: what Athena bills). */
  readonly mibRead: number;
  readonly wall: Stat;
  readonly cpu: Stat;
  /** CPU time over the floor's, per run. */
  readonly ratioToFloor: Stat;
}

export interface CheckFigures {
  readonly rows: number;
  readonly rules: number;
  readonly strategies: readonly Strategy[];
}

/**
 * The shipped transactions rules over an N-row batch (plus the providers and customers it
 * references), timed several ways in each run: the floor (a bare aggregate scan of the columns
 * the rules read), the compiled suite counts only, with samples, with its anti-joins, and one
 * query per rule (the dbt-style baseline). With `retyped`, also the suite and per-rule over a
 * batch typed from text on every query, as a dbt staging view would.
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
    const candidates: { name: string; statements: string[] }[] = [
      { name: "bare aggregate scan of the same columns (floor)", statements: [bareScanSql(lake, contract, ruleSet)] },
      { name: "rule suite: aggregate query, counts only", statements: compiled(target, { sampleSize: 0 }).slice(0, 1) },
      { name: "rule suite: aggregate query with samples", statements: compiled().slice(0, 1) },
      { name: "rule suite: aggregate + anti-joins (the check of a load)", statements: compiled() },
      { name: "one query per rule (dbt-style)", statements: perRule() },
    ];
    if (retyped) {
      const textTarget = retypedFromText(target);
      candidates.push({ name: "rule suite, batch typed from text on every query", statements: compiled(textTarget) });
      candidates.push({ name: "one query per rule, batch typed from text", statements: perRule(textTarget) });
    }
    // Warm the file cache, so the first strategy timed is not the one that pays for it.
    await timed(connection, candidates[0].statements);
    const timings = candidates.map(() => [] as Timing[]);
    for (let run = 0; run < runs; run++) {
      for (const [i, candidate] of candidates.entries()) timings[i].push(await timed(connection, candidate.statements));
    }
    const sizes = await columnBytes(connection, processedFilesOfLoad(lake, "transactions", LOAD_DATE));
    const strategies: Strategy[] = [];
    for (const [i, candidate] of candidates.entries()) {
      strategies.push({
        name: candidate.name,
        queries: candidate.statements.length,
        mibRead: (await batchBytesRead(connection, candidate.statements, sizes)) / 2 ** 20,
        wall: stat(timings[i].map((t) => t.wall)),
        cpu: stat(timings[i].map((t) => t.cpu)),
        ratioToFloor: stat(timings[i].map((t, run) => t.cpu / timings[0][run].cpu)),
      });
    }
    return { rows, rules: ruleSet.rules.length, strategies };
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(lake, { recursive: true, force: true });
  }
}
