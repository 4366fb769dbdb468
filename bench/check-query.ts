import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { parseArgs } from "util";
import { Contract, loadContracts } from "../src/model/contracts";
import { RuleSet, columnsRead, loadRuleSets, parseRuleSet } from "../src/model/rules";
import { compileChecks } from "../src/quality/sql";
import { processedFilesOfLoad } from "../src/pipeline/layout";
import { duckdbTarget, readParquet } from "../src/sql/batch-source";
import { duckdb } from "../src/sql/dialect";
import { buildBenchLake } from "./checks";

/**
 * The shape of the compiled check SQL, measured (not a test): the shipped transactions rules over
 * an N-row batch, the aggregate query counts only and with samples, the check of a load (the
 * aggregate query and one query per referenced dataset), and the aggregate query with one extra
 * rule failing on 10% of the rows, against two bare scans (the columns the rules read; those plus
 * `_source_file` and `_row`, which samples read). With `--against DIR`, a checkout of another
 * commit (`git archive <commit> | tar -x -C DIR`, node_modules linked), its compiler's SQL is timed
 * too, over the same batch, in the same process, interleaved: before and after a change of shape.
 * Each figure is the min / median / max of the runs, wall and CPU (DuckDB's threads run in this
 * process, so CPU time is the steadier figure on a shared machine); "/ floor" is the median of
 * each run's CPU over its floor's in the same run.
 *
 *   npx tsx bench/check-query.ts [--rows 1000000] [--runs 7] [--lake DIR] [--against DIR]
 */

const LOAD_DATE = "2024-05-01";

interface Figures { readonly wall: number[]; readonly cpu: number[] }

interface Case {
  readonly name: string;
  readonly statements: readonly string[];
  /** Index of the floor its CPU is divided by. */
  readonly floor: number;
}

const spread = (values: readonly number[], digits = 2): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[0].toFixed(digits)} / ${sorted[Math.floor(sorted.length / 2)].toFixed(digits)} / ${sorted[sorted.length - 1].toFixed(digits)}`;
};

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

type Compile = (ruleSet: RuleSet, sampleSize: number) => string[];

/** The check compiler of the tree at `root` (this one, or a checkout of another commit), over the lake. */
function compilerOf(root: string, lake: string): Compile {
  // The checkout's own modules, so its SQL is its commit's compiler's.
  const sql = require(path.join(root, "src", "quality", "sql")) as typeof import("../src/quality/sql");
  const source = require(path.join(root, "src", "sql", "batch-source")) as typeof import("../src/sql/batch-source");
  const model = require(path.join(root, "src", "model", "contracts")) as typeof import("../src/model/contracts");
  const contracts = model.loadContracts(path.join(root, "contracts"));
  return (ruleSet, sampleSize) => sql.compileChecks(ruleSet, contracts, source.duckdbTarget(lake), LOAD_DATE, { sampleSize }).queries.map((q) => q.sql);
}

export async function benchCheckQuery(rows: number, runs: number, lakeDir?: string, against?: string): Promise<string> {
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
    const read = new Set([...contract.key, ...shipped.rules.flatMap(columnsRead)]);
    const columns = contract.columns.map((c) => c.name).filter((c) => read.has(c));
    const bareScan = (scanned: readonly string[]): string => `SELECT count(*), ${scanned.map((c) => `sum(hash(${duckdb.ident(c)}))`).join(", ")} FROM ${readParquet(processedFilesOfLoad(lake, "transactions", LOAD_DATE))}`;
    const cases: Case[] = [
      { name: "bare scan of the columns the rules read (floor)", statements: [bareScan(columns)], floor: 0 },
      { name: "bare scan of those columns, _source_file and _row, which samples read (floor with samples)", statements: [bareScan([...columns, "_source_file", "_row"])], floor: 1 },
    ];
    const here: Compile = (ruleSet, sampleSize) => compileChecks(ruleSet, contracts, duckdbTarget(lake), LOAD_DATE, { sampleSize }).queries.map((q) => q.sql);
    // The rules are this tree's, parsed once: the other compiler gets the same RuleSet (same model shape).
    const trees: [string, Compile][] = against === undefined ? [["", here]] : [[`${path.basename(path.resolve(against))}: `, compilerOf(path.resolve(against), lake)], ["this tree: ", here]];
    for (const [label, compile] of trees) {
      cases.push(
        { name: `${label}aggregate query, counts only`, statements: compile(shipped, 0).slice(0, 1), floor: 0 },
        { name: `${label}aggregate query, with samples`, statements: compile(shipped, 5).slice(0, 1), floor: 1 },
        { name: `${label}the check of a load (aggregate query + one per referenced dataset)`, statements: compile(shipped, 5), floor: 1 },
        { name: `${label}aggregate query, with samples, 10% of rows failing one rule`, statements: compile(withFailures, 5).slice(0, 1), floor: 1 },
      );
    }
    const figures: Figures[] = cases.map(() => ({ wall: [], cpu: [] }));
    for (const { statements } of cases) for (const sql of statements) await connection.runAndReadAll(sql); // warm the file cache
    for (let run = 0; run < runs; run++) {
      for (const [i, { statements }] of cases.entries()) {
        const started = performance.now();
        const cpu = process.cpuUsage();
        for (const sql of statements) await connection.runAndReadAll(sql);
        const used = process.cpuUsage(cpu);
        figures[i].wall.push((performance.now() - started) / 1000);
        figures[i].cpu.push((used.user + used.system) / 1e6);
      }
    }
    const version = String((await connection.runAndReadAll("SELECT version()")).getRows()[0][0]);
    return [
      `Check query: ${rows.toLocaleString("en-US")} transactions, ${shipped.rules.length} rules, DuckDB ${version}, 2 threads, ${os.cpus().length} cores, ${runs} interleaved runs (min / median / max)`,
      "",
      "| query | statements | wall s | CPU s | CPU / floor (median) |",
      "|---|---:|---:|---:|---:|",
      ...cases.map(({ name, statements, floor }, i) => {
        const ratio = median(figures[i].cpu.map((cpu, run) => cpu / figures[floor].cpu[run]));
        return `| ${name} | ${statements.length} | ${spread(figures[i].wall)} | ${spread(figures[i].cpu, 3)} | ${ratio.toFixed(2)}x |`;
      }),
      "",
    ].join("\n");
  } finally {
    connection.closeSync();
    instance.closeSync();
    if (lakeDir === undefined) fs.rmSync(lake, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, runs: { type: "string", default: "7" }, lake: { type: "string" }, against: { type: "string" } } });
  benchCheckQuery(Number(values.rows), Number(values.runs), values.lake, values.against)
    .then((table) => process.stdout.write(table))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
