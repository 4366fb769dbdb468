import { LakeInputError } from "../errors";
import { renderHtml } from "./render-html";
import { renderJunit } from "./render-junit";
import { escapeMarkdown, renderMarkdown } from "./render-markdown";
import { renderSite, SiteOptions } from "./render-site";
import { renderText, TextOptions } from "./render-text";
import { historySummary, renderHistoryText } from "./trend";
import { formatCount, statusWord } from "./format";
import type { QualityReport } from "./types";

export const REPORT_FORMATS = ["text", "json", "md", "html", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const HISTORY_FORMATS = ["text", "json", "md", "html"] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

/** Checks a --format value, naming the accepted ones. */
export function parseFormat<F extends string>(value: string, accepted: readonly F[], option = "--format"): F {
  if ((accepted as readonly string[]).includes(value)) return value as F;
  throw new LakeInputError(`${option} ${value}: unknown format; use one of ${accepted.join(", ")}`);
}

/** A report in the requested format; `history` (earlier loads' reports) feeds the HTML trend. */
export function renderReport(report: QualityReport, format: ReportFormat, history: readonly QualityReport[] = [], textOptions: TextOptions = {}): string {
  switch (format) {
    case "text":
      return renderText(report, textOptions);
    case "json":
      return JSON.stringify(report, null, 2) + "\n";
    case "md":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report, history);
    case "junit":
      return renderJunit(report);
  }
}

/**
 * The lake's history (`lake report --history`): a row per load and dataset with its trend; as HTML,
 * the quality site (every load with its status, failed rules and trend, linking its report).
 * `site` sets the links; by default they are those of quality/index.html.
 */
export function renderHistory(history: readonly QualityReport[], format: HistoryFormat, site?: SiteOptions): string {
  const rows = historySummary(history);
  switch (format) {
    case "text":
      return renderHistoryText(rows);
    case "json":
      return JSON.stringify(rows, null, 2) + "\n";
    case "md": {
      const header = "| Load date | Dataset | Status | Failed rules | Warned rules | Failed rows | Quarantined | Rows | Trend |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |";
      const body = rows.map((r) => `| ${r.load_date} | ${escapeMarkdown(r.dataset)} | **${statusWord(r.status)}** | ${formatCount(r.failed_rules)} | ${formatCount(r.warned_rules)} | ${formatCount(r.failed_rows)} | ${formatCount(r.quarantined)} | ${formatCount(r.rows)} | ${r.trend} |`);
      return `## Data quality history\n\n${rows.length === 0 ? "No quality reports in the lake yet." : [header, ...body].join("\n")}\n`;
    }
    case "html": {
      const latest = [...history].sort((a, b) => a.load_date.localeCompare(b.load_date)).at(-1);
      if (latest === undefined) throw new LakeInputError("No quality reports in the lake yet: run a load first (lake run), then ask for its history");
      return renderSite(history, site ?? { folderHref: (loadDate) => `${loadDate}/`, profiles: new Set(), lake: latest.lake });
    }
  }
}
