import * as fs from "fs";
import * as path from "path";
import { environmentError } from "../errors";
import { LakeLock } from "../pipeline/lock";
import { LakeTransaction } from "../pipeline/transaction";
import { isLoadDateFolder, parseKeptReport, REPORT_FILES, reportFiles } from "./kept";
import { renderSite, SiteOptions } from "./render-site";
import type { QualityReport } from "./types";

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
  return new Set(fs.readdirSync(qualityDir).filter((d) => isLoadDateFolder(d) && fs.existsSync(path.join(qualityDir, d, "profile.html"))));
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

export { REPORT_FILES } from "./kept";
export { historySummary, renderHistoryText } from "./trend";
export type { HistoryRow, Trend } from "./trend";
