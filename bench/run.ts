import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { DuckDBInstance } from "@duckdb/node-api";
import { benchChecks, CheckFigures } from "./checks";
import { benchHistory, HistoryFigures } from "./history";
import { machine } from "./measure";
import { benchPipeline, PipelineFigures } from "./pipeline";
import { BenchResults, renderChart, renderMarkdown } from "./report";
import { benchStorage, StorageFigures } from "./storage";

/**
 * `npm run bench` (full) and `npm run bench -- --quick`: figures, never assertions. Writes
 * bench/results.json, docs/benchmarks.md and docs/img/benchmarks.svg.
 */

const USAGE =
  "npm run bench [-- --quick] [--runs N] [--work DIR]\n" +
  "  trying things out (prints the page, writes nothing): [--only pipeline,checks,history,storage] [--rows N,M] [--depths 1,5]\n" +
  "  --write: write the page and bench/results.json from such a run too (the page names the plan)\n" +
  "  --render: measure nothing; write the page and chart again from bench/results.json and bench/analysis.md";

export interface BenchPlan {
  readonly mode: "quick" | "full";
  readonly runs: number;
  readonly pipelineRows: readonly number[];
  readonly checkRows: number;
  readonly historyDepths: readonly number[];
  /** Depths measured again with trade ids that have no order (hashes). */
  readonly randomKeyDepths: readonly number[];
  readonly storageRows: number;
  readonly retyped: boolean;
}

export const PLANS: Readonly<Record<"quick" | "full", Omit<BenchPlan, "runs">>> = {
  quick: { mode: "quick", pipelineRows: [1_000_000], checkRows: 1_000_000, historyDepths: [1, 30], randomKeyDepths: [], storageRows: 1_000_000, retyped: false },
  full: {
    mode: "full",
    pipelineRows: [1_000_000, 5_000_000, 20_000_000],
    checkRows: 5_000_000,
    historyDepths: [1, 10, 30, 100],
    randomKeyDepths: [1, 100],
    storageRows: 5_000_000,
    retyped: true,
  },
};

const SECTIONS = ["pipeline", "checks", "history", "storage"] as const;
type Section = (typeof SECTIONS)[number];

/** What a run measured, section by section. */
function planOf(plan: BenchPlan, sections: readonly Section[]): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const random = plan.randomKeyDepths.length > 0 ? ` and ${plan.randomKeyDepths.join(", ")} (random ids, re-sent trades)` : "";
  const parts: Record<Section, string> = {
    pipeline: `pipeline ${plan.pipelineRows.map(n).join(", ")} rows`,
    checks: `checks ${n(plan.checkRows)}`,
    history: `history at ${plan.historyDepths.join(", ")} prior loads (sequential ids)${random}`,
    storage: `storage ${n(plan.storageRows)}`,
  };
  return sections.map((s) => parts[s]).join("; ");
}

async function duckdbVersion(): Promise<string> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const version = String((await connection.runAndReadAll("SELECT version()")).getRows()[0][0]);
  connection.closeSync();
  instance.closeSync();
  return version;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string", default: "3" },
      only: { type: "string" },
      rows: { type: "string" },
      depths: { type: "string" },
      work: { type: "string" },
      write: { type: "boolean", default: false },
      render: { type: "boolean", default: false },
    },
  });
  const root = path.join(__dirname, "..");
  const resultsFile = path.join(root, "bench", "results.json");
  const analysis = fs.readFileSync(path.join(__dirname, "analysis.md"), "utf8");
  const writePage = (results: BenchResults): void => {
    fs.writeFileSync(path.join(root, "docs", "img", "benchmarks.svg"), renderChart(results));
    fs.writeFileSync(path.join(root, "docs", "benchmarks.md"), renderMarkdown(results, analysis));
  };
  if (values.render) {
    if (!fs.existsSync(resultsFile)) throw new Error(`--render: ${resultsFile} does not exist; run the bench first (npm run bench)`);
    writePage(JSON.parse(fs.readFileSync(resultsFile, "utf8")) as BenchResults);
    process.stderr.write(`wrote docs/benchmarks.md and docs/img/benchmarks.svg from ${path.relative(root, resultsFile)}\n`);
    return;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs ${values.runs}: every figure is the min/median/max of at least 3 runs; use 3 or more\n${USAGE}`);
  const sections = (values.only?.split(",") ?? [...SECTIONS]) as Section[];
  const unknown = sections.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}\n${USAGE}`);
  const base = PLANS[values.quick ? "quick" : "full"];
  const rows = values.rows?.split(",").map(Number);
  const depths = values.depths?.split(",").map(Number);
  if (rows?.some((r) => !Number.isInteger(r) || r < 1) || depths?.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`--rows and --depths take positive whole numbers\n${USAGE}`);
  const plan: BenchPlan = {
    ...base,
    runs,
    ...(rows === undefined ? {} : { pipelineRows: rows, checkRows: rows[0], storageRows: rows[0] }),
    ...(depths === undefined ? {} : { historyDepths: depths, randomKeyDepths: base.randomKeyDepths.length > 0 ? depths : [] }),
  };
  const trial = !values.write && (values.only !== undefined || rows !== undefined || depths !== undefined);
  const work = values.work ?? fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-bench-"));
  fs.mkdirSync(work, { recursive: true });
  const started = new Date();
  const log = (line: string): void => void process.stderr.write(`[${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${line}\n`);
  log(`${plan.mode} bench, ${runs} runs per figure, working in ${work}`);
  const machineBefore = machine();
  const pipeline: PipelineFigures[] = [];
  let checks: CheckFigures | undefined;
  const history: HistoryFigures[] = [];
  let storage: StorageFigures | undefined;
  try {
    if (sections.includes("pipeline")) for (const rows of plan.pipelineRows) pipeline.push(await benchPipeline(work, rows, runs, log));
    if (sections.includes("checks")) {
      log(`checks: ${plan.checkRows.toLocaleString("en-US")} transactions`);
      checks = await benchChecks(work, plan.checkRows, runs, plan.retyped);
    }
    if (sections.includes("history")) {
      history.push(...(await benchHistory(work, plan.historyDepths, runs, "sequential", log)));
      if (plan.randomKeyDepths.length > 0) history.push(...(await benchHistory(work, plan.randomKeyDepths, runs, "random", log)));
    }
    if (sections.includes("storage")) {
      log(`storage: ${plan.storageRows.toLocaleString("en-US")} transactions`);
      storage = await benchStorage(work, plan.storageRows, runs);
    }
  } finally {
    if (values.work === undefined) fs.rmSync(work, { recursive: true, force: true });
  }
  const results: BenchResults = {
    mode: plan.mode,
    plan: planOf(plan, sections),
    runs,
    sections,
    started: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine: { ...machineBefore, duckdb: await duckdbVersion(), loadAverageAfter: machine().loadAverage },
    pipeline,
    checks,
    history,
    storage,
  };
  if (trial) {
    process.stdout.write(renderMarkdown(results, analysis));
    return;
  }
  if (values.only !== undefined && fs.existsSync(resultsFile)) {
    // A run of some sections (--only ... --write) keeps the other sections' figures of the kept results.
    const kept = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as BenchResults;
    Object.assign(results, {
      sections: [...new Set([...kept.sections, ...sections])],
      // The page describes both runs: it starts with the kept one, and says when this one ran.
      started: kept.started,
      seconds: kept.seconds + results.seconds,
      plan: `${kept.plan ?? kept.mode}; then, from ${results.started.slice(11, 16)} UTC (${results.seconds} s), ${results.plan}`,
      ...(sections.includes("pipeline") ? {} : { pipeline: kept.pipeline }),
      ...(sections.includes("checks") ? {} : { checks: kept.checks }),
      ...(sections.includes("history") ? {} : { history: kept.history }),
      ...(sections.includes("storage") ? {} : { storage: kept.storage }),
    });
  }
  fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writePage(results);
  log(`wrote bench/results.json, docs/benchmarks.md and docs/img/benchmarks.svg (${results.seconds} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
