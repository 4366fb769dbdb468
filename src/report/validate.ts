import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../model/contracts";
import { describeSchemaError } from "../model/schema-validation";
import { summarise } from "./build";
import type { QualityReport } from "./types";

export const REPORT_SCHEMA_FILE = path.join(PROJECT_ROOT, "schemas", "report.schema.json");

let compiled: ValidateFunction | undefined;

function reportValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    compiled = ajv.compile(JSON.parse(fs.readFileSync(REPORT_SCHEMA_FILE, "utf8")));
  }
  return compiled;
}

/**
 * Every problem of a quality report, one line each ("report: /json/path: message; fix"); empty when
 * it is valid. Beyond the schema it checks what JSON Schema cannot: failed <= total, and a summary
 * that agrees with the rules, so a report can be trusted as written.
 */
export function validateReport(report: unknown, name = "report"): string[] {
  const validate = reportValidator();
  if (!validate(report)) return (validate.errors ?? []).map((e) => describeSchemaError(name, e));
  const typed = report as QualityReport;
  const problems: string[] = [];
  typed.datasets.forEach((dataset, d) => {
    dataset.rules.forEach((rule, r) => {
      if (rule.failed > rule.total) {
        problems.push(`${name}: /datasets/${d}/rules/${r}: failed (${rule.failed}) exceeds total (${rule.total}); failed counts rows among those looked at`);
      }
    });
  });
  const expected = summarise(typed.datasets);
  for (const field of Object.keys(expected) as (keyof typeof expected)[]) {
    if (typed.summary[field] !== expected[field]) {
      problems.push(`${name}: /summary/${field}: is ${typed.summary[field]} but the rules give ${expected[field]}; rebuild the summary with summarise()`);
    }
  }
  return problems;
}

/** A sample kept as a bare key (before samples carried rows): the rest of the row was never recorded. */
const keyOnly = (key: unknown): unknown => (typeof key === "string" ? { key, value: null, file: null, line: null } : key);

/**
 * A rule of any kept shape in the current one: a `sample` list of keys becomes `samples`, and a
 * rule kept before baselines existed had none.
 */
function upgradeRule(rule: unknown): unknown {
  if (typeof rule !== "object" || rule === null) return rule;
  let upgraded = rule as Record<string, unknown>;
  if ("sample" in upgraded && !("samples" in upgraded)) {
    const { sample, ...rest } = upgraded;
    upgraded = { ...rest, samples: Array.isArray(sample) ? sample.map(keyOnly) : sample };
  }
  return "baseline" in upgraded ? upgraded : { ...upgraded, baseline: null };
}

/**
 * A kept report in the current shape: version 1 reports (before the AWS fields) read as version 2
 * with those fields empty, samples kept as bare keys (version 1, and version 2 before samples
 * carried rows) read as rows whose value, file and line are unknown, and reports from before
 * baselines and skipped rules with none, so every reader handles one shape. Anything else is returned as is and left to validateReport.
 */
export function upgradeReport(parsed: unknown): unknown {
  const report = parsed as { report_version?: unknown; datasets?: unknown };
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(report.datasets)) return parsed;
  const versionOne = report.report_version === 1;
  if (!versionOne && report.report_version !== 2) return parsed;
  const summary = (report as { summary?: unknown }).summary;
  return {
    ...report,
    report_version: 2,
    ...(versionOne ? { cost: null } : {}),
    // Reports kept before rules could be skipped counted none.
    ...(typeof summary === "object" && summary !== null && !("skipped" in summary) ? { summary: { ...summary, skipped: 0 } } : {}),
    datasets: report.datasets.map((d: { rules?: unknown }) => ({
      ...d,
      ...(versionOne ? { query_runs: [], glue_data_quality: null } : {}),
      // Reports kept before the report said how curated took the load.
      ...("curation" in d ? {} : { curation: null }),
      rules: Array.isArray(d.rules) ? d.rules.map((r: object) => upgradeRule(versionOne ? { ...r, glue: null } : r)) : d.rules,
    })),
  };
}
