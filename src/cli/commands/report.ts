import * as fs from "fs";
import * as path from "path";
import { loadDates } from "../../pipeline/load";
import { withRecoveredLake } from "../../pipeline/transaction";
import { LakeInputError } from "../../errors";
import { loadHistory, siteOptions } from "../../report/history";
import { HISTORY_FORMATS, parseFormat, renderHistory, renderReport, REPORT_FORMATS } from "../../report/render";
import { parseCommandArgs, requireOption } from "../args";

export const REPORT_USAGE = "lake report --lake DIR [--history] [--load-date YYYY-MM-DD] [--format text|json|md|html|junit] [--out FILE]";

/** Shows a kept report (the latest by default) or, with --history, the trend over every load. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("report", argv, {
    lake: { type: "string" },
    history: { type: "boolean" },
    "load-date": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
  }, REPORT_USAGE);
  const lake = requireOption("report", values.lake, "--lake", REPORT_USAGE);
  const rendered = await withRecoveredLake(path.resolve(lake), "lake report", async () => {
    const history = loadHistory(lake);
    if (history.length === 0) throw new LakeInputError(`${lake}: no quality reports kept in this lake yet; run \`lake run\` or \`lake check\` first`);
    if (values.history === true) {
      // Links to each load's report are relative to where the page is written (quality/ when printed).
      const site = siteOptions(lake, values.out === undefined ? path.join(lake, "quality") : path.dirname(path.resolve(values.out)));
      return renderHistory(history, parseFormat(values.format ?? "text", HISTORY_FORMATS), site);
    }
    const latestReported = history[history.length - 1].load_date;
    const unreported = loadDates(path.resolve(lake)).filter((d) => d > latestReported);
    if (values["load-date"] === undefined && unreported.length > 0) {
      const latest = unreported[unreported.length - 1];
      process.stderr.write(`warning: the latest load, ${latest}, has no report (its checks did not finish); showing the report of ${latestReported}. Run \`lake check --lake ${lake} --load-date ${latest}\` to write it.\n`);
    }
    const loadDate = values["load-date"] ?? latestReported;
    const report = history.find((r) => r.load_date === loadDate);
    if (!report) {
      const loaded = loadDates(path.resolve(lake)).includes(loadDate);
      const why = loaded ? `the load of ${loadDate} is in the lake but its checks did not finish; run \`lake check --lake ${lake} --load-date ${loadDate}\` to write it` : `reports kept: ${history.map((r) => r.load_date).join(", ")}`;
      throw new LakeInputError(`${lake}: no report for load ${loadDate}; ${why}`);
    }
    return renderReport(report, parseFormat(values.format ?? "text", REPORT_FORMATS), history.filter((r) => r.load_date <= loadDate));
  }, (message) => process.stderr.write(`${message}\n`));
  if (values.out !== undefined) fs.writeFileSync(values.out, rendered);
  else process.stdout.write(rendered);
  return 0;
}
