import * as path from "path";
import { checkLoad } from "../../app/check-load";
import { LakeInputError } from "../../errors";
import { exitCodeOf } from "../../report/build";
import { loadHistory, saveReport } from "../../report/history";
import { parseFormat, REPORT_FORMATS } from "../../report/render";
import { withRecoveredLake } from "../../pipeline/transaction";
import { parseCommandArgs, requireOption } from "../args";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE } from "../model-options";
import { emitReport } from "./output";

export const CHECK_USAGE = `lake check --lake DIR [--dataset D]... [--load-date YYYY-MM-DD] [--engine duckdb] [--format text|json|md|html|junit] [--out FILE] ${MODEL_USAGE}`;

export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("check", argv, {
    lake: { type: "string" },
    dataset: { type: "string", multiple: true },
    "load-date": { type: "string" },
    engine: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    ...MODEL_OPTIONS,
  }, CHECK_USAGE);
  const lake = requireOption("check", values.lake, "--lake", CHECK_USAGE);
  const format = parseFormat(values.format ?? "text", REPORT_FORMATS);
  if ((values.engine ?? "duckdb") !== "duckdb") {
    throw new LakeInputError(
      `lake check: --engine ${values.engine}: a local lake is checked with duckdb; on AWS the same checks run as Glue Data Quality and Athena verification in each load's state machine (see docs/aws.md)`,
    );
  }
  const { contracts, ruleSets } = loadModel(values);
  const lakeDir = path.resolve(lake);
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
