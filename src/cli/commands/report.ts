import * as fs from "fs";
import * as path from "path";
import { readReportHistory } from "../../aws/lake-objects";
import { loadDates } from "../../pipeline/load";
import { withRecoveredLake } from "../../pipeline/transaction";
import { LakeInputError } from "../../errors";
import { loadHistory, siteOptions } from "../../report/history";
import { HISTORY_FORMATS, parseFormat, renderHistory, renderReport, REPORT_FORMATS } from "../../report/render";
import type { QualityReport } from "../../report/types";
import { parseCommandArgs } from "../args";
import { STACK_OUTPUTS_USAGE, withAwsSession } from "../aws-session";

export const REPORT_USAGE = `lake report (--lake DIR | ${STACK_OUTPUTS_USAGE}) [--history | --load-date YYYY-MM-DD] [--format text|json|md|html|junit] [--out FILE]`;

interface ReportValues {
  readonly "load-date"?: string;
  readonly format?: string;
}

/** One kept report, with the history up to it for the HTML trend. */
function renderOne(history: readonly QualityReport[], loadDate: string, values: ReportValues, missing: () => string): string {
  const report = history.find((r) => r.load_date === loadDate);
  if (!report) throw new LakeInputError(missing());
  return renderReport(report, parseFormat(values.format ?? "text", REPORT_FORMATS), history.filter((r) => r.load_date <= loadDate));
}

/** The kept reports of a deployed stack, read from quality/ in its processed bucket. */
function renderFromS3(history: readonly QualityReport[], where: string, values: ReportValues & { readonly history?: boolean }): string {
  if (history.length === 0) throw new LakeInputError(`${where}: no quality reports kept yet; they are written by each load's state machine (docs/aws.md)`);
  if (values.history === true) return renderHistory(history, parseFormat(values.format ?? "text", HISTORY_FORMATS));
  const loadDate = values["load-date"] ?? history[history.length - 1]!.load_date;
  return renderOne(history, loadDate, values, () => `${where}: no report for load ${loadDate}; reports kept: ${history.map((r) => r.load_date).join(", ")}`);
}

/** Shows a kept report (the latest by default) or, with --history, the trend over every load; of a local lake, or of a deployed stack from S3. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("report", argv, {
    lake: { type: "string" },
    "stack-outputs": { type: "string" },
    history: { type: "boolean" },
    "load-date": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
  }, REPORT_USAGE);
  if ((values.lake === undefined) === (values["stack-outputs"] === undefined)) {
    throw new LakeInputError(`lake report: give --lake DIR (a local lake) or --stack-outputs FILE (a deployed stack), one of them\nusage: ${REPORT_USAGE}`);
  }
  if (values.history === true && values["load-date"] !== undefined) {
    throw new LakeInputError(`lake report: --history shows every load; drop --load-date, or drop --history to see one load\nusage: ${REPORT_USAGE}`);
  }
  let rendered: string | number;
  const lake = values.lake;
  if (lake === undefined) {
    rendered = await withAwsSession(values["stack-outputs"]!, async ({ lake: stack, clients, signal }) =>
      renderFromS3(await readReportHistory(clients.s3, stack.processedBucket, signal), `s3://${stack.processedBucket}/quality/`, values),
    );
    if (typeof rendered === "number") return rendered;
  } else {
    rendered = await withRecoveredLake(path.resolve(lake), "lake report", async () => {
      const history = loadHistory(lake);
      if (history.length === 0) throw new LakeInputError(`${lake}: no quality reports kept in this lake yet; run \`lake run\` or \`lake check\` first`);
      if (values.history === true) {
        // Links to each load's report are relative to where the page is written (quality/ when printed).
        const site = siteOptions(lake, values.out === undefined ? path.join(lake, "quality") : path.dirname(path.resolve(values.out)));
        return renderHistory(history, parseFormat(values.format ?? "text", HISTORY_FORMATS), site);
      }
      const latestReported = history[history.length - 1]!.load_date;
      const unreported = loadDates(path.resolve(lake)).filter((d) => d > latestReported);
      if (values["load-date"] === undefined && unreported.length > 0) {
        const latest = unreported[unreported.length - 1];
        process.stderr.write(
          `warning: the latest load, ${latest}, has no report (its checks were not run, as with lake run --no-checks, or did not finish); showing the report of ${latestReported}. Run \`lake check --lake ${lake} --load-date ${latest}\` to write it.\n`,
        );
      }
      const loadDate = values["load-date"] ?? latestReported;
      return renderOne(history, loadDate, values, () => {
        const loaded = loadDates(path.resolve(lake)).includes(loadDate);
        const why = loaded
          ? `the load of ${loadDate} is in the lake but its checks were not run (lake run --no-checks) or did not finish; run \`lake check --lake ${lake} --load-date ${loadDate}\` to write it`
          : `reports kept: ${history.map((r) => r.load_date).join(", ")}`;
        return `${lake}: no report for load ${loadDate}; ${why}`;
      });
    }, (message) => process.stderr.write(`${message}\n`));
  }
  if (values.out !== undefined) fs.writeFileSync(values.out, rendered);
  else process.stdout.write(rendered);
  return 0;
}
