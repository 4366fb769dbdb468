import * as fs from "fs";
import * as path from "path";
import { buildReport, failedRatio, ruleStatusOf } from "../../src/report/build";
import type { QualityReport } from "../../src/report/types";

export const SAMPLE_REPORT_FILE = path.join(__dirname, "..", "fixtures", "report.sample.json");

/** A fresh copy of the hand-written fixture (tests may mutate it). */
export function sampleReport(): QualityReport {
  return JSON.parse(fs.readFileSync(SAMPLE_REPORT_FILE, "utf8")) as QualityReport;
}

/** Recursively drops readonly so tests can break a report on purpose. */
export type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

export function mutableSample(): Mutable<QualityReport> {
  return sampleReport() as Mutable<QualityReport>;
}

function reconciledRows(processed: number, quarantined: number, curated: number) {
  return { raw: processed + quarantined, processed, quarantined, curated };
}

/**
 * An earlier load derived from the fixture: every rule's failing rows scaled by `failedScale`
 * (statuses recomputed, rules that errored evaluated this time) and every dataset reconciled.
 */
export function earlierLoad(report: QualityReport, loadDate: string, failedScale: number): QualityReport {
  return buildReport({
    engine: report.engine,
    loadDate,
    lake: report.lake,
    durationSeconds: report.duration_seconds,
    generatedAt: new Date(`${loadDate}T06:00:00Z`),
    datasets: report.datasets.map((d) => ({
      name: d.name,
      files: d.files.map((f) => f.replace(report.load_date, loadDate)),
      rows: reconciledRows(d.rows.processed, Math.round(d.rows.quarantined * failedScale), d.rows.curated),
      queries: d.queries,
      rules: d.rules.map((rule) => {
        const total = rule.status === "error" ? d.rows.processed : rule.total;
        const failed = rule.observed === null ? Math.min(total, Math.round(rule.failed * failedScale)) : rule.failed;
        return { ...rule, total, failed, ratio: failedRatio(failed, total), status: ruleStatusOf(rule.severity, failed, total, rule.threshold), message: null, samples: failed === 0 ? [] : rule.samples };
      }),
    })),
  });
}

/** Three loads: two earlier ones derived from the fixture, then the fixture itself. */
export function threeLoadHistory(): QualityReport[] {
  const latest = sampleReport();
  return [earlierLoad(latest, "2026-11-18", 0.25), earlierLoad(latest, "2026-11-19", 1.5), latest];
}

export const HOSTILE = `<script>alert("x")</script> & 'quoted' | *bold* \`tick\``;

/** The sample with attacker-controlled text in a failing rule's description, id and sample, and in a file name. */
export function hostileReport(): QualityReport {
  const report = mutableSample();
  const rule = report.datasets[2].rules[1];
  rule.description = HOSTILE;
  rule.id = `key_unique"><img src=x onerror=alert(1)>`;
  rule.samples = [
    { key: `</code><script>alert(2)</script>`, value: `</td><script>alert(3)</script>`, file: `<i>x.csv`, line: 4 },
    { key: "TX-1", value: "TX-1", file: "transactions.csv", line: 9 },
  ];
  report.datasets[2].files = [`raw/transactions/load_date=2026-11-20/<b>&co.csv`];
  return report as QualityReport;
}
