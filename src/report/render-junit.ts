import { failedOfTotal, formatPercent, formatThreshold, glueText, reconciliationText, ruleDetail } from "./format";
import type { DatasetReport, QualityReport, RuleResult } from "./types";

/** Characters XML 1.0 forbids even escaped (control characters, lone surrogates); dropped so the document always parses. */
const XML_FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML content and attribute values alike. */
export function escapeXml(text: string): string {
  return text
    .replace(XML_FORBIDDEN, "")
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

const esc = escapeXml;

/** The test case name of a dataset's reconciliation check, next to its rules. */
export const RECONCILIATION_CASE = "rows_reconcile";

function ruleSummary(rule: RuleResult): string {
  const detail = ruleDetail(rule);
  return `${rule.severity} ${rule.kind} rule on ${rule.columns.length === 0 ? "the table" : rule.columns.join(", ")}: ${failedOfTotal(rule)} rows failed (${formatPercent(rule.ratio)}), threshold ${formatThreshold(rule.threshold)}${detail === "" ? "" : `; ${detail}`}`;
}

function ruleCase(dataset: string, rule: RuleResult): string {
  const open = `    <testcase classname="${esc(dataset)}" name="${esc(rule.id)}" time="0">`;
  const text = esc(`${rule.description}\n${ruleSummary(rule)}`);
  switch (rule.status) {
    case "pass": {
      // A passing count Glue disagrees with stays visible in the CI's test output.
      const glue = glueText(rule);
      return glue === null ? `    <testcase classname="${esc(dataset)}" name="${esc(rule.id)}" time="0"/>` : `${open}\n      <system-out>${esc(glue)}</system-out>\n    </testcase>`;
    }
    case "warn":
      // A warning passes (a warn-severity rule never fails the run) but stays visible in the CI's test output.
      return `${open}\n      <system-out>WARN: ${text}</system-out>\n    </testcase>`;
    case "fail":
      return `${open}\n      <failure type="${esc(rule.kind)}" message="${esc(`${failedOfTotal(rule)} rows failed (${formatPercent(rule.ratio)}), threshold ${formatThreshold(rule.threshold)}`)}">${text}</failure>\n    </testcase>`;
    case "error":
      // An error-severity rule that could not run blocks the run like a failure; a warn-severity one only warns.
      return rule.severity === "error"
        ? `${open}\n      <error type="${esc(rule.kind)}" message="${esc(rule.message ?? "the rule could not be evaluated")}">${text}</error>\n    </testcase>`
        : `${open}\n      <system-out>WARN (not evaluated): ${text}</system-out>\n    </testcase>`;
    case "skipped":
      // Not judged on purpose (too short a baseline, say): that is what <skipped> means.
      return `${open}\n      <skipped message="${esc(rule.message ?? "not judged")}"/>\n    </testcase>`;
  }
}

function reconciliationCase(dataset: DatasetReport): string {
  const open = `    <testcase classname="${esc(dataset.name)}" name="${RECONCILIATION_CASE}" time="0"`;
  if (dataset.rows.reconciled) return `${open}/>`;
  const text = esc(reconciliationText(dataset.rows));
  return `${open}>\n      <failure type="reconciliation" message="${text}">${text}</failure>\n    </testcase>`;
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function countsOf(dataset: DatasetReport): SuiteCounts {
  return {
    tests: dataset.rules.length + 1,
    failures: dataset.rules.filter((r) => r.status === "fail").length + (dataset.rows.reconciled ? 0 : 1),
    errors: dataset.rules.filter((r) => r.status === "error" && r.severity === "error").length,
    skipped: dataset.rules.filter((r) => r.status === "skipped").length,
  };
}

/**
 * The report as JUnit XML for CI test tabs: a testsuite per dataset, a testcase per rule (classname =
 * dataset, name = rule id) plus one for the dataset's row reconciliation. fail -> <failure>,
 * error-severity error -> <error>; warnings pass with a <system-out> note, because CI systems treat
 * <skipped> as "not run", which a warning is not, and failing them would contradict exit code 0;
 * a rule not judged (status skipped) is <skipped>.
 */
export function renderJunit(report: QualityReport): string {
  const suites = report.datasets.map((dataset) => ({ dataset, counts: countsOf(dataset) }));
  const total = suites.reduce(
    (sum, s) => ({ tests: sum.tests + s.counts.tests, failures: sum.failures + s.counts.failures, errors: sum.errors + s.counts.errors, skipped: sum.skipped + s.counts.skipped }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${esc(`data quality, load ${report.load_date}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${report.duration_seconds}" timestamp="${esc(report.generated_at)}">`,
  ];
  for (const { dataset, counts } of suites) {
    lines.push(`  <testsuite name="${esc(dataset.name)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="0" timestamp="${esc(report.generated_at)}">`);
    lines.push(`    <properties><property name="load_date" value="${esc(report.load_date)}"/><property name="engine" value="${esc(report.engine)}"/><property name="files" value="${esc(dataset.files.join(", "))}"/></properties>`);
    lines.push(...dataset.rules.map((rule) => ruleCase(dataset.name, rule)), reconciliationCase(dataset));
    lines.push(`  </testsuite>`);
  }
  lines.push(`</testsuites>`);
  return lines.join("\n") + "\n";
}
