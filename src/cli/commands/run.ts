import * as path from "path";
import { EXIT_OK } from "../../errors";
import { DEFAULT_CONTRACTS_DIR, loadContracts } from "../../model/contracts";
import { LoadResult, runLoad } from "../../pipeline/load";
import { todayUtc } from "../../pipeline/layout";
import { FailPoint } from "../../pipeline/transaction";
import { oneOf, parseCommandArgs, requireOption } from "../args";

export const RUN_USAGE = "lake run --input DIR --lake DIR [--load-date YYYY-MM-DD] [--format text|json|md|html|junit] [--out FILE] [--contracts DIR] [--rules DIR] [--no-checks]";

const FAIL_POINTS: readonly FailPoint[] = ["before-commit", "mid-commit"];

/** ENERGY_LAKE_FAILPOINT makes a load die at a named point, as a killed process would: for crash tests. */
function failPointFromEnv(): FailPoint | undefined {
  const value = process.env.ENERGY_LAKE_FAILPOINT;
  return value === undefined || value === "" ? undefined : oneOf("run", "ENERGY_LAKE_FAILPOINT", value, FAIL_POINTS, "before-commit");
}

export function loadSummaryText(result: LoadResult): string {
  const header = ["dataset", "files", "raw", "processed", "quarantined", "curated", "reconciled", "seconds"];
  const rows = result.datasets.map((d) => [
    d.name,
    String(d.files.length),
    String(d.rows.raw),
    String(d.rows.processed),
    String(d.rows.quarantined),
    String(d.rows.curated),
    d.reconciled ? "yes" : "NO",
    d.seconds.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const warnings = result.datasets.flatMap((d) => d.warnings.map((w) => `warning: ${w}`));
  return [
    `load ${result.loadDate} into ${result.lakeDir} (${result.seconds.toFixed(1)}s)`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    ...warnings,
  ].join("\n");
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("run", argv, {
    input: { type: "string" },
    lake: { type: "string" },
    "load-date": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    contracts: { type: "string" },
    rules: { type: "string" },
    "no-checks": { type: "boolean" },
  }, RUN_USAGE);
  const input = requireOption("run", values.input, "--input", RUN_USAGE);
  const lake = path.resolve(requireOption("run", values.lake, "--lake", RUN_USAGE));
  const contracts = loadContracts(values.contracts ?? DEFAULT_CONTRACTS_DIR);
  const result = await runLoad({
    inputDir: input,
    lakeDir: lake,
    loadDate: values["load-date"] ?? todayUtc(),
    contracts,
    onProgress: (message) => process.stderr.write(`${message}\n`),
    failPoint: failPointFromEnv(),
  });
  process.stdout.write(`${loadSummaryText(result)}\n`);
  return EXIT_OK;
}
