import * as fs from "fs";
import * as path from "path";
import { renderReport, ReportFormat } from "../../report/render";
import { QualityReport } from "../../report/types";

/**
 * Where a rendering goes: to --out FILE when given (stdout then gets the text summary), else to
 * stdout in the requested format.
 */
export function emitReport(report: QualityReport, format: ReportFormat, out: string | undefined, history: readonly QualityReport[], preamble = ""): void {
  const color = process.stdout.isTTY === true;
  if (out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, renderReport(report, format, history));
    process.stdout.write(`${preamble}${renderReport(report, "text", history, { color })}\nwrote ${out}\n`);
    return;
  }
  const rendered = renderReport(report, format, history, { color });
  process.stdout.write(format === "text" ? `${preamble}${rendered}` : rendered);
}
