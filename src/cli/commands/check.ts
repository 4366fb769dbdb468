import * as path from "path";
import { checkLoad } from "../../app/check-load";
import { checkAwsLoad } from "../../aws/athena-check";
import { readReportHistory } from "../../aws/lake-objects";
import { LakeInputError } from "../../errors";
import { exitCodeOf } from "../../report/build";
import { loadHistory, saveReport } from "../../report/history";
import { parseFormat, REPORT_FORMATS } from "../../report/render";
import { withRecoveredLake } from "../../pipeline/transaction";
import { oneOf, parseCommandArgs } from "../args";
import { STACK_OUTPUTS_USAGE, withAwsSession } from "../aws-session";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE } from "../model-options";
import { emitReport } from "./output";

export const CHECK_USAGE =
  `lake check (--lake DIR | --engine athena ${STACK_OUTPUTS_USAGE}) [--dataset D]... [--load-date YYYY-MM-DD] [--format text|json|md|html|junit] [--out FILE] ${MODEL_USAGE}`;

const ENGINES = ["duckdb", "athena"] as const;

/**
 * Runs the rules on a load already in the lake: a local lake on DuckDB (the report is kept in the
 * lake), or a deployed stack's lake on Athena (`--engine athena --stack-outputs FILE`: the report
 * is printed; the load's kept report is the one its state machine wrote).
 */
export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("check", argv, {
    lake: { type: "string" },
    "stack-outputs": { type: "string" },
    dataset: { type: "string", multiple: true },
    "load-date": { type: "string" },
    engine: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    ...MODEL_OPTIONS,
  }, CHECK_USAGE);
  const format = parseFormat(values.format ?? "text", REPORT_FORMATS);
  const engine = oneOf("check", "--engine", values.engine, ENGINES, values["stack-outputs"] === undefined ? "duckdb" : "athena");
  if (engine === "athena") {
    if (values["stack-outputs"] === undefined) {
      throw new LakeInputError(`lake check --engine athena: --stack-outputs FILE is required (write it with \`pulumi stack output --json --show-secrets > out.json\`, or offline \`lake plan --stack dev --outputs out.json\`)\nusage: ${CHECK_USAGE}`);
    }
    if (values.lake !== undefined) throw new LakeInputError(`lake check: --lake is a local lake, checked with --engine duckdb; a deployed lake is named by --stack-outputs\nusage: ${CHECK_USAGE}`);
    const { contracts, ruleSets } = loadModel(values);
    return withAwsSession(values["stack-outputs"], async ({ lake, clients, signal }) => {
      const report = await checkAwsLoad({ lake, clients, signal, contracts, ruleSets, loadDate: values["load-date"], datasets: values.dataset });
      const history = format === "html" ? await readReportHistory(clients.s3, lake.processedBucket, signal) : [];
      emitReport(report, format, values.out, history);
      return exitCodeOf(report);
    });
  }
  if (values["stack-outputs"] !== undefined) throw new LakeInputError(`lake check: --stack-outputs names a deployed lake, checked with --engine athena\nusage: ${CHECK_USAGE}`);
  if (values.lake === undefined) throw new LakeInputError(`lake check: --lake DIR (a local lake) or --engine athena --stack-outputs FILE (a deployed one) is required\nusage: ${CHECK_USAGE}`);
  const { contracts, ruleSets } = loadModel(values);
  const lakeDir = path.resolve(values.lake);
  return withRecoveredLake(
    lakeDir,
    "lake check",
    async (lock) => {
      const report = await checkLoad({ lakeDir, loadDate: values["load-date"], contracts, ruleSets, datasets: values.dataset });
      // A partial check (some datasets) must not overwrite the load's full report; a read-only lake keeps the one it has.
      if (values.dataset === undefined) {
        if (lock !== undefined) saveReport(lock, report);
        else process.stderr.write(`warning: ${lakeDir} is read-only: the report was not kept in it\n`);
      }
      emitReport(report, format, values.out, loadHistory(lakeDir));
      return exitCodeOf(report);
    },
    (message) => process.stderr.write(`${message}\n`),
  );
}
