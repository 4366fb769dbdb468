import * as fs from "fs";
import * as path from "path";
import { environmentError, LakeInputError } from "../errors";
import { LakeLock } from "../pipeline/lock";
import { LakeTransaction } from "../pipeline/transaction";
import { renderHtml } from "./render-html";
import { renderJunit } from "./render-junit";
import { renderMarkdown } from "./render-markdown";
import { renderSite, SiteOptions } from "./render-site";
import type { QualityReport } from "./types";
import { upgradeReport, validateReport } from "./validate";

const LOAD_DATE_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** quality/<load_date>/ in the lake: where a load's report and its renderings are kept. */
export function reportFolder(lakeDir: string, loadDate: string): string {
  return path.join(lakeDir, "quality", loadDate);
}

/** Writes a file whole or not at all: readers never see half a report. */
export function writeAtomically(file: string, content: string): void {
  const aside = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(aside, content);
  fs.renameSync(aside, file);
}

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
 * Keeps a load's report in the lake as quality/<load_date>/report.json, report.md, report.html and
 * junit.xml, all four or none: they are committed as one transaction, under the lake's lock.
 * Running a load again replaces its report. Returns the files written.
 */
export function saveReport(lock: LakeLock, report: QualityReport): string[] {
  const lakeDir = lock.lakeDir;
  const files = reportFiles(report, loadHistory(lakeDir));
  const folder = path.relative(lakeDir, reportFolder(lakeDir, report.load_date));
  // The quality site lists every load: it is rewritten in the same commit, from the history with this report in it.
  const history = [...loadHistory(lakeDir).filter((r) => r.load_date !== report.load_date), report].sort((a, b) => a.load_date.localeCompare(b.load_date));
  const site = path.join("quality", SITE_FILE);
  const staged = [...files.map(({ name, content }) => [path.join(folder, name), content] as const), [site, renderSite(history, siteOptions(lakeDir))] as const];
  const tx = LakeTransaction.begin(lock);
  try {
    for (const [relative, content] of staged) {
      const file = tx.staged(relative);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    tx.commit([...REPORT_FILES.map((name) => path.join(folder, name)), site], `report of load ${report.load_date}`);
  } catch (err) {
    tx.abort();
    throw environmentError(err, `--lake ${lakeDir}:`) ?? err;
  }
  return staged.map(([relative]) => path.join(lakeDir, relative));
}

export const SITE_FILE = "index.html";

/** Loads whose folder keeps a profile page (written by `lake profile`). */
export function profiledLoads(lakeDir: string): Set<string> {
  const qualityDir = path.join(lakeDir, "quality");
  if (!fs.existsSync(qualityDir)) return new Set();
  return new Set(fs.readdirSync(qualityDir).filter((d) => LOAD_DATE_FOLDER.test(d) && fs.existsSync(path.join(qualityDir, d, "profile.html"))));
}

/** The site's links and contents for a page written in `pageDir` (quality/ for the lake's own index.html). */
export function siteOptions(lakeDir: string, pageDir: string = path.join(lakeDir, "quality")): SiteOptions {
  const relative = path.relative(path.resolve(pageDir), path.resolve(lakeDir, "quality")).split(path.sep).join("/");
  return { folderHref: (loadDate) => `${relative === "" ? "" : `${relative}/`}${loadDate}/`, profiles: profiledLoads(lakeDir), lake: path.resolve(lakeDir) };
}

/**
 * The quality site as it reads once the report of `loadDate` is gone (a re-run of that load
 * replaces it), or undefined when the lake has no site yet: a load commits it with its data.
 */
export function siteWithoutLoad(lakeDir: string, loadDate: string): string | undefined {
  if (!fs.existsSync(path.join(lakeDir, "quality", SITE_FILE))) return undefined;
  return renderSite(loadHistory(lakeDir).filter((r) => r.load_date !== loadDate), siteOptions(lakeDir));
}

/** Rewrites quality/index.html, the quality site: every load with its status, failed rules and trend, linking its report and profile. */
export function writeQualitySite(lakeDir: string): string {
  const file = path.join(lakeDir, "quality", SITE_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeAtomically(file, renderSite(loadHistory(lakeDir), siteOptions(lakeDir)));
  return file;
}

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

/** Every load's report in the lake, oldest load first; a corrupt or misplaced report is named with how to fix it. */
export function loadHistory(lakeDir: string): QualityReport[] {
  const qualityDir = path.join(lakeDir, "quality");
  if (!fs.existsSync(qualityDir)) return [];
  const reports: QualityReport[] = [];
  for (const entry of fs.readdirSync(qualityDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !isLoadDateFolder(entry.name)) continue;
    const file = path.join(qualityDir, entry.name, "report.json");
    if (!fs.existsSync(file)) continue;
    reports.push(parseKeptReport(fs.readFileSync(file, "utf8"), file, entry.name, `delete ${file} or run the checks for load ${entry.name} again to rewrite it`));
  }
  return reports.sort((a, b) => a.load_date.localeCompare(b.load_date));
}

export { historySummary, renderHistoryText } from "./trend";
export type { HistoryRow, Trend } from "./trend";
