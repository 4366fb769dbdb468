import * as path from "path";
import { checkLoad } from "../../app/check-load";
import { EXIT_OK } from "../../errors";
import { loadContracts } from "../../model/contracts";
import { loadRuleSets } from "../../model/rules";
import { LoadResult, runLoad } from "../../pipeline/load";
import { todayUtc } from "../../pipeline/layout";
import { withLakeLock } from "../../pipeline/lock";
import { exitCodeOf } from "../../report/build";
import { loadHistory, saveReport } from "../../report/history";
import { parseFormat, REPORT_FORMATS } from "../../report/render";
import { textTable } from "../../report/render-text";
import { terminalSafe } from "../../model/text";
import { parseCommandArgs, requireOption } from "../args";
import { MODEL_OPTIONS, MODEL_USAGE, modelDirs } from "../model-options";
import { emitReport } from "./output";

export const RUN_USAGE = `lake run --input DIR --lake DIR [--load-date YYYY-MM-DD] [--dataset D]... [--format text|json|md|html|junit] [--out FILE] ${MODEL_USAGE} [--no-checks]`;

export function loadSummaryText(result: LoadResult): string {
  const header = ["dataset", "files", "raw", "processed", "quarantined", "curated", "curated by", "reconciled", "seconds"];
  const rows = result.datasets.map((d) => [
    d.name,
    String(d.files.length),
    String(d.rows.raw),
    String(d.rows.processed),
    String(d.rows.quarantined),
    String(d.rows.curated),
    d.curated.mode === "incremental" ? "merge" : "REBUILD",
    d.reconciled ? "yes" : "NO",
    d.seconds.toFixed(2),
  ]);
  const table = textTable(header, rows, header.map((_, i) => i > 0 && i !== 6));
  const rebuilt = result.datasets.flatMap((d) => (d.curated.reason === undefined ? [] : [`curated ${d.name} rebuilt: ${d.curated.reason}`]));
  return terminalSafe([`load ${result.loadDate} into ${result.lakeDir} (${result.seconds.toFixed(1)}s)`, ...table, ...rebuilt].join("\n"));
}

/** The load summary as JSON when checks are skipped: the same `datasets[].name/rows` the quality report carries. */
function loadSummaryJson(result: LoadResult): string {
  return `${JSON.stringify(
    {
      load_date: result.loadDate,
      lake: result.lakeDir,
      duration_seconds: result.seconds,
      datasets: result.datasets.map((d) => ({ name: d.name, files: d.files.map((f) => f.rawPath), rows: { ...d.rows, reconciled: d.reconciled }, curated: d.curated, warnings: d.warnings, seconds: d.seconds })),
      skipped: result.skipped,
      removed: result.removed.map((r) => ({ name: r.name, curated: r.curated, message: r.message })),
    },
    null,
    2,
  )}\n`;
}

export interface RunArgs {
  readonly input: string;
  readonly lake: string;
  readonly loadDate: string;
  readonly format: string;
  readonly out?: string;
  readonly contractsDir: string;
  readonly rulesDir: string;
  readonly checks: boolean;
  /** `--dataset`: load only these, keeping the date's other datasets; default: the run replaces the whole load of the date. */
  readonly datasets?: readonly string[];
}

/**
 * Loads, checks the load, keeps its report in the lake, prints it; returns the exit code. The
 * lake's lock is held from the load's start until its report is written, so no other command
 * sees (or replaces) a load whose report is not written yet.
 */
export async function runAndCheck(args: RunArgs): Promise<number> {
  const format = parseFormat(args.format, REPORT_FORMATS);
  const contracts = loadContracts(args.contractsDir);
  // Rules are validated before anything is written: a bad rule file must not leave a half-checked load.
  const ruleSets = args.checks ? loadRuleSets(contracts, args.rulesDir) : [];
  const lake = path.resolve(args.lake);
  // Progress and warnings name files and quote headers of the exports: shown terminal-safe.
  const say = (message: string): void => {
    process.stderr.write(`${terminalSafe(message)}\n`);
  };
  return withLakeLock(lake, `lake run --input ${args.input} --load-date ${args.loadDate}`, async (lock) => {
    const result = await runLoad({ inputDir: args.input, lakeDir: lake, loadDate: args.loadDate, contracts, onProgress: say, lock, datasets: args.datasets });
    for (const { file, reason } of result.skipped) say(`warning: not loaded: ${file}: ${reason}`);
    for (const { message } of result.removed) say(`warning: ${message}`);
    for (const warning of result.datasets.flatMap((d) => d.warnings)) say(`warning: ${warning}`);
    if (!args.checks) {
      process.stdout.write(format === "json" ? loadSummaryJson(result) : `${loadSummaryText(result)}\n`);
      return EXIT_OK;
    }
    say("checking the load...");
    // Every dataset the load date holds, so the run's report and `lake check` describe the same load.
    const report = await checkLoad({ lakeDir: lake, loadDate: result.loadDate, contracts, ruleSets });
    const saved = saveReport(lock, report);
    say(`report kept in ${path.dirname(saved[0])}`);
    emitReport(report, format, args.out, loadHistory(lake), `${loadSummaryText(result)}\n\n`);
    return exitCodeOf(report);
  });
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("run", argv, {
    input: { type: "string" },
    lake: { type: "string" },
    "load-date": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    ...MODEL_OPTIONS,
    "no-checks": { type: "boolean" },
    dataset: { type: "string", multiple: true },
  }, RUN_USAGE);
  return runAndCheck({
    input: requireOption("run", values.input, "--input", RUN_USAGE),
    lake: requireOption("run", values.lake, "--lake", RUN_USAGE),
    loadDate: values["load-date"] ?? todayUtc(),
    format: values.format ?? "text",
    out: values.out,
    ...modelDirs(values),
    checks: values["no-checks"] !== true,
    datasets: values.dataset,
  });
}
