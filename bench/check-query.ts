import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { Contract, loadContracts } from "../src/model/contracts";
import { RuleSet, columnsRead, loadRuleSets, parseRuleSet } from "../src/model/rules";
import { compileChecks } from "../src/quality/sql";
import { processedFilesOfLoad } from "../src/pipeline/layout";
import { duckdbTarget, readParquet } from "../src/sql/batch-source";
import { duckdb } from "../src/sql/dialect";
import { buildBenchLake } from "./checks";

/**
 * The shape of the compiled check query, measured (not a test): the aggregate query of the
 * shipped transactions rules over an N-row batch, counts only and with samples, on clean rows
 * and with one extra rule failing on 10% of them, against a bare scan of the same columns. Runs
 * are interleaved and each figure is the min / median / max of the runs, wall and CPU (DuckDB's
 * threads run in this process, so CPU time is the steadier figure on a shared machine).
 * `npx tsx bench/check-query.ts [rows] [runs] [lakeDir]`; run the same file on an older commit
 * to compare shapes (issue 8: bit masks before, named booleans now).
 */

const LOAD_DATE = "2024-05-01";

interface Figures { readonly wall: number[]; readonly cpu: number[] }

const spread = (values: readonly number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[0].toFixed(2)} / ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} / ${sorted[sorted.length - 1].toFixed(2)}`;
};

export async function benchCheckQuery(rows: number, runs: number, lakeDir?: string): Promise<string> {
  const contracts = loadContracts();
  const contract = contracts.find((c) => c.name === "transactions") as Contract;
  const shipped = loadRuleSets(contracts).find((r) => r.dataset === "transactions") as RuleSet;
  // quantity_kwh runs 0..19,999.9 in the bench batch: 10% of the rows are above 18,000.
  const failing = parseRuleSet(shipped.file, {
    dataset: "transactions",
    rules: [{ id: "transactions.quantity_kwh.bench_limit", kind: "range", column: "quantity_kwh", max: 18000, severity: "warn", description: "fails on 10% of the bench rows" }],
  }, contracts);
  const withFailures: RuleSet = { ...shipped, rules: [...shipped.rules, ...failing.rules] };
  const lake = lakeDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "bench-check-query-"));
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  const connection = await instance.connect();
  try {
    if (processedFilesOfLoad(lake, "transactions", LOAD_DATE).length === 0) await buildBenchLake(connection, lake, rows);
    const target = duckdbTarget(lake);
    const aggregate = (ruleSet: RuleSet, sampleSize: number): string => compileChecks(ruleSet, contracts, target, LOAD_DATE, { sampleSize }).queries[0].sql;
    const read = new Set([...contract.key, ...shipped.rules.flatMap(columnsRead)]);
    const columns = contract.columns.map((c) => c.name).filter((c) => read.has(c));
    const bareScan = (scanned: readonly string[]): string => `SELECT count(*), ${scanned.map((c) => `sum(hash(${duckdb.ident(c)}))`).join(", ")} FROM ${readParquet(processedFilesOfLoad(lake, "transactions", LOAD_DATE))}`;
    const cases: [string, string][] = [
      ["bare scan of the columns the rules read (floor)", bareScan(columns)],
      ["bare scan of those columns, _source_file and _row, which samples read (floor with samples)", bareScan([...columns, "_source_file", "_row"])],
      ["aggregate query, counts only", aggregate(shipped, 0)],
      ["aggregate query, with samples", aggregate(shipped, 5)],
      ["aggregate query, with samples, 10% of rows failing one rule", aggregate(withFailures, 5)],
    ];
    const figures: Figures[] = cases.map(() => ({ wall: [], cpu: [] }));
    for (const [, sql] of cases) await connection.runAndReadAll(sql); // warm the file cache
    for (let run = 0; run < runs; run++) {
      for (const [i, [, sql]] of cases.entries()) {
        const started = performance.now();
        const cpu = process.cpuUsage();
        await connection.runAndReadAll(sql);
        const used = process.cpuUsage(cpu);
        figures[i].wall.push((performance.now() - started) / 1000);
        figures[i].cpu.push((used.user + used.system) / 1e6);
      }
    }
    const version = String((await connection.runAndReadAll("SELECT version()")).getRows()[0][0]);
    return [
      `Check query: ${rows.toLocaleString("en-US")} transactions, ${shipped.rules.length} rules, DuckDB ${version}, 2 threads, ${os.cpus().length} cores, ${runs} interleaved runs (min / median / max)`,
      "",
      "| query | wall s | CPU s |",
      "|---|---:|---:|",
      ...cases.map(([name], i) => `| ${name} | ${spread(figures[i].wall)} | ${spread(figures[i].cpu)} |`),
      "",
    ].join("\n");
  } finally {
    connection.closeSync();
    instance.closeSync();
    if (lakeDir === undefined) fs.rmSync(lake, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchCheckQuery(Number(process.argv[2] ?? "3000000"), Number(process.argv[3] ?? "5"), process.argv[4])
    .then((table) => process.stdout.write(table))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
