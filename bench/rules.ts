import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { Contract, loadContracts } from "../src/model/contracts";
import { RuleSet, columnsRead, loadRuleSets } from "../src/model/rules";
import { compileChecks } from "../src/quality/sql";
import { processedFilesOfLoad } from "../src/pipeline/layout";
import { duckdbTarget, retypedFromText } from "../src/sql/batch-source";
import { duckdb } from "../src/sql/dialect";

/**
 * Benchmark (not a test): the shipped transactions rules over an N-row batch, timed three ways in
 * one run: the compiled suite (one aggregate scan + one anti-join per referenced dataset), the same
 * rules one query per rule (the dbt-style baseline), and one bare aggregate scan of the same
 * columns (the floor: reading the columns at all). `npx tsx bench/rules.ts 5000000 [lakeDir]`.
 */

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

const REPEATS = 5;

/** Best of `repeats` wall-clock runs: the machine is shared, and the minimum is the least disturbed figure. */
async function timed(connection: DuckDBConnection, statements: readonly string[], repeats = REPEATS): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < repeats; run++) {
    const start = performance.now();
    for (const sql of statements) await connection.runAndReadAll(sql);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
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

/** Builds (or reuses, given `lakeDir` with a built lake) an N-row lake, times the three strategies, returns a Markdown table. */
export async function benchRules(rows: number, lakeDir?: string): Promise<string> {
  const contracts = loadContracts();
  const ruleSet = loadRuleSets(contracts).find((r) => r.dataset === "transactions") as RuleSet;
  const contract = contracts.find((c) => c.name === "transactions") as Contract;
  const lake = lakeDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "bench-rules-"));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    if (processedFilesOfLoad(lake, "transactions", LOAD_DATE).length === 0) await buildBenchLake(connection, lake, rows);
    const target = duckdbTarget(lake);
    const suite = compileChecks(ruleSet, contracts, target, LOAD_DATE).queries.map((q) => q.sql);
    const countsOnly = compileChecks(ruleSet, contracts, target, LOAD_DATE, { sampleSize: 0 }).queries[0].sql;
    const perRule = ruleSet.rules.flatMap((rule) => compileChecks({ ...ruleSet, rules: [rule] }, contracts, target, LOAD_DATE).queries.map((q) => q.sql));
    const bare = bareScanSql(lake, contract, ruleSet);

    await timed(connection, [bare]); // warm the file cache so the first timing is not penalised
    const bareSeconds = await timed(connection, [bare]);
    const aggregateSeconds = await timed(connection, suite.slice(0, 1));
    const countsOnlySeconds = await timed(connection, [countsOnly]);
    const suiteSeconds = await timed(connection, suite);
    const perRuleSeconds = await timed(connection, perRule);
    // The same two strategies over a batch typed from text on every query, as a dbt project testing a
    // staging view would: slow, so one run each.
    const textTarget = retypedFromText(target);
    const textSuite = compileChecks(ruleSet, contracts, textTarget, LOAD_DATE).queries.map((q) => q.sql);
    const textPerRule = ruleSet.rules.flatMap((rule) => compileChecks({ ...ruleSet, rules: [rule] }, contracts, textTarget, LOAD_DATE).queries.map((q) => q.sql));
    const textSuiteSeconds = await timed(connection, textSuite, 1);
    const textPerRuleSeconds = await timed(connection, textPerRule, 1);

    const sizes = await columnBytes(connection, processedFilesOfLoad(lake, "transactions", LOAD_DATE));
    const mib = async (statements: readonly string[]): Promise<string> => ((await batchBytesRead(connection, statements, sizes)) / 2 ** 20).toFixed(1);
    const bytes = { bare: await mib([bare]), countsOnly: await mib([countsOnly]), aggregate: await mib(suite.slice(0, 1)), suite: await mib(suite), perRule: await mib(perRule) };

    const row = (what: string, queries: number, read: string, seconds: number, note: string): string => `| ${what} | ${queries} | ${read} | ${seconds.toFixed(2)} | ${note} |`;
    return [
      `Rules benchmark: ${rows.toLocaleString("en-US")} transactions, ${ruleSet.rules.length} rules, DuckDB ${(await connection.runAndReadAll("SELECT version()")).getRows()[0][0]}, ${os.cpus().length} cores, best of ${REPEATS} runs`,
      "",
      "| strategy | queries | batch MiB read | seconds | ratio |",
      "|---|---:|---:|---:|---|",
      row("bare aggregate scan of the same columns (floor)", 1, bytes.bare, bareSeconds, "1.00x"),
      row("rule suite: aggregate query, counts only (sampleSize 0)", 1, bytes.countsOnly, countsOnlySeconds, `${(countsOnlySeconds / bareSeconds).toFixed(2)}x the floor`),
      row("rule suite: aggregate query with samples (one scan)", 1, bytes.aggregate, aggregateSeconds, `${(aggregateSeconds / bareSeconds).toFixed(2)}x the floor`),
      row("rule suite: aggregate + anti-joins", suite.length, bytes.suite, suiteSeconds, `${(suiteSeconds / bareSeconds).toFixed(2)}x the floor`),
      row("one query per rule (dbt-style)", perRule.length, bytes.perRule, perRuleSeconds, `${(perRuleSeconds / suiteSeconds).toFixed(1)}x the suite's time (target >= ${(ruleSet.rules.length / 2).toFixed(1)}x)`),
      row("rule suite, batch typed from text (retypedFromText, 1 run)", textSuite.length, bytes.suite, textSuiteSeconds, `${(textSuiteSeconds / bareSeconds).toFixed(2)}x the floor`),
      row("one query per rule, batch typed from text (1 run)", textPerRule.length, bytes.perRule, textPerRuleSeconds, `${(textPerRuleSeconds / textSuiteSeconds).toFixed(1)}x the suite typed from text`),
      "",
    ].join("\n");
  } finally {
    connection.closeSync();
    instance.closeSync();
    if (lakeDir === undefined) fs.rmSync(lake, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const rows = Number(process.argv[2] ?? "1000000");
  benchRules(rows, process.argv[3])
    .then((table) => process.stdout.write(table))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
