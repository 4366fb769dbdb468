import { LakeInputError } from "../errors";
import { renderHtml } from "./render-html";
import { renderJunit } from "./render-junit";
import { renderMarkdown } from "./render-markdown";
import type { QualityReport } from "./types";
import { upgradeReport, validateReport } from "./validate";

/**
 * A kept report as files, and read back: the same locally (history.ts, under the lake's lock) and
 * in S3 (src/aws/lake-objects.ts, from the report function too, which is why nothing here touches
 * the local lake).
 */

const LOAD_DATE_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** The files a kept report is: name, content type and content. */
export interface ReportFile {
  readonly name: "report.json" | "report.md" | "report.html" | "junit.xml";
  readonly contentType: string;
  readonly content: string;
}

/**
 * A load's report in the four kept formats (the HTML with the trend of the `earlier` loads), the
 * same locally and in S3. A report that breaks the schema is a bug in the engine: it is refused.
 */
export function reportFiles(report: QualityReport, earlier: readonly QualityReport[]): ReportFile[] {
  const problems = validateReport(report);
  if (problems.length > 0) throw new Error(`The quality report of load ${report.load_date} is not valid, so it was not written:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  const before = earlier.filter((r) => r.load_date < report.load_date);
  return [
    { name: "report.json", contentType: "application/json", content: JSON.stringify(report, null, 2) + "\n" },
    { name: "report.md", contentType: "text/markdown; charset=utf-8", content: renderMarkdown(report) },
    { name: "report.html", contentType: "text/html; charset=utf-8", content: renderHtml(report, [...before, report]) },
    { name: "junit.xml", contentType: "application/xml", content: renderJunit(report) },
  ];
}

/** The files a load's kept report is made of, in quality/<load_date>/. */
export const REPORT_FILES: readonly ReportFile["name"][] = ["report.json", "report.md", "report.html", "junit.xml"];

/**
 * A kept report.json read back: parsed, version 1 read as 2, validated, and checked to sit in its
 * load's folder. `where` names it in errors (a path or an s3:// URI), `folder` is the load date its
 * folder says, `fix` how to repair it.
 */
export function parseKeptReport(text: string, where: string, folder: string, fix: string): QualityReport {
  let parsed: unknown;
  try {
    parsed = upgradeReport(JSON.parse(text));
  } catch (err) {
    throw new LakeInputError(`${where}: is not valid JSON (${(err as Error).message}); ${fix}`);
  }
  const problems = validateReport(parsed, where);
  if (problems.length > 0) throw new LakeInputError(`${where}: is not a valid quality report; ${fix}`, problems);
  const report = parsed as QualityReport;
  if (report.load_date !== folder) {
    throw new LakeInputError(`${where}: holds the report of load ${report.load_date} in the folder of load ${folder}; move it to quality/${report.load_date}/ or ${fix}`);
  }
  return report;
}

/** Whether a folder name under quality/ is a load date. */
export const isLoadDateFolder = (name: string): boolean => LOAD_DATE_FOLDER.test(name);

