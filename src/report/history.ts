import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { renderHtml } from "./render-html";
import { renderMarkdown } from "./render-markdown";
import type { QualityReport } from "./types";
import { validateReport } from "./validate";

const LOAD_DATE_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** quality/<load_date>/ in the lake: where a load's report and its renderings are kept. */
export function reportFolder(lakeDir: string, loadDate: string): string {
  return path.join(lakeDir, "quality", loadDate);
}

/** Writes a file whole or not at all: readers never see half a report. */
function writeAtomically(file: string, content: string): void {
  const aside = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(aside, content);
  fs.renameSync(aside, file);
}

/**
 * Keeps a load's report in the lake as quality/<load_date>/report.json, report.md and report.html
 * (the HTML with the trend of every earlier load). Running a load again replaces its report.
 * Returns the files written. A report that breaks the schema is a bug in the engine: it is refused.
 */
export function saveReport(lakeDir: string, report: QualityReport): string[] {
  const problems = validateReport(report);
  if (problems.length > 0) throw new Error(`The quality report of load ${report.load_date} is not valid, so it was not written:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  const earlier = loadHistory(lakeDir).filter((r) => r.load_date < report.load_date);
  const folder = reportFolder(lakeDir, report.load_date);
  fs.mkdirSync(folder, { recursive: true });
  const files: [string, string][] = [
    ["report.json", JSON.stringify(report, null, 2) + "\n"],
    ["report.md", renderMarkdown(report)],
    ["report.html", renderHtml(report, [...earlier, report])],
  ];
  return files.map(([name, content]) => {
    const file = path.join(folder, name);
    writeAtomically(file, content);
    return file;
  });
}

/** Every load's report in the lake, oldest load first; a corrupt or misplaced report is named with how to fix it. */
export function loadHistory(lakeDir: string): QualityReport[] {
  const qualityDir = path.join(lakeDir, "quality");
  if (!fs.existsSync(qualityDir)) return [];
  const reports: QualityReport[] = [];
  for (const entry of fs.readdirSync(qualityDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !LOAD_DATE_FOLDER.test(entry.name)) continue;
    const file = path.join(qualityDir, entry.name, "report.json");
    if (!fs.existsSync(file)) continue;
    const fix = `delete ${file} or run the checks for load ${entry.name} again to rewrite it`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new LakeInputError(`${file}: is not valid JSON (${(err as Error).message}); ${fix}`);
    }
    const problems = validateReport(parsed, file);
    if (problems.length > 0) throw new LakeInputError(`${file}: is not a valid quality report; ${fix}`, problems);
    const report = parsed as QualityReport;
    if (report.load_date !== entry.name) {
      throw new LakeInputError(`${file}: holds the report of load ${report.load_date} in the folder of load ${entry.name}; move it to quality/${report.load_date}/ or ${fix}`);
    }
    reports.push(report);
  }
  return reports.sort((a, b) => a.load_date.localeCompare(b.load_date));
}

export { historySummary, renderHistoryText } from "./trend";
export type { HistoryRow, Trend } from "./trend";
