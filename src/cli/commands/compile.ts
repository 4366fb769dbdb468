import * as path from "path";
import { athenaTables, lakeNames } from "../../aws/naming";
import { EXIT_OK } from "../../errors";
import { todayUtc } from "../../pipeline/layout";
import { selectRuleSets } from "../../quality/check-run";
import { compileDqdl } from "../../quality/dqdl";
import { compileAthenaVerification, compileChecks } from "../../quality/sql";
import { duckdbTarget } from "../../sql/batch-source";
import { oneOf, parseCommandArgs } from "../args";
import { loadModel, MODEL_OPTIONS, MODEL_USAGE } from "../model-options";

export const COMPILE_USAGE = `lake compile --target duckdb|athena|dqdl [--dataset D]... [--format text|json] [--lake DIR] [--load-date YYYY-MM-DD] [--stack-prefix energy-lake-dev] ${MODEL_USAGE}`;

const TARGETS = ["duckdb", "athena", "dqdl"] as const;

/**
 * Prints what the rules compile to, for review or for running by hand. As JSON, each dataset's
 * `checks` is its SQL statements (duckdb, athena) or its DQDL ruleset text (dqdl).
 */
export async function compileCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("compile", argv, {
    target: { type: "string" },
    dataset: { type: "string", multiple: true },
    format: { type: "string" },
    lake: { type: "string" },
    "load-date": { type: "string" },
    "stack-prefix": { type: "string" },
    ...MODEL_OPTIONS,
  }, COMPILE_USAGE);
  const target = oneOf("compile", "--target", values.target, TARGETS, "duckdb");
  const format = oneOf("compile", "--format", values.format, ["text", "json"] as const, "text");
  const model = loadModel(values);
  const { contracts } = model;
  const ruleSets = selectRuleSets(model.ruleSets, values.dataset);
  const loadDate = values["load-date"] ?? todayUtc();
  const names = lakeNames(values["stack-prefix"] ?? "energy-lake-dev");
  const datasets = ruleSets.map((ruleSet) => {
    switch (target) {
      case "dqdl":
        return { name: ruleSet.dataset, checks: compileDqdl(ruleSet, contracts) };
      case "athena":
        return {
          name: ruleSet.dataset,
          checks: compileAthenaVerification(ruleSet, contracts, athenaTables(names), loadDate),
        };
      case "duckdb":
        return { name: ruleSet.dataset, checks: compileChecks(ruleSet, contracts, duckdbTarget(path.resolve(values.lake ?? ".lake")), loadDate).queries.map((q) => q.sql) };
    }
  });
  if (format === "json") {
    process.stdout.write(`${JSON.stringify({ target, load_date: loadDate, datasets }, null, 2)}\n`);
  } else {
    for (const d of datasets) {
      process.stdout.write(`-- ${d.name} (${target})\n`);
      process.stdout.write(typeof d.checks === "string" ? `${d.checks}\n\n` : `${d.checks.map((sql) => `${sql};`).join("\n\n")}\n\n`);
    }
  }
  return EXIT_OK;
}
