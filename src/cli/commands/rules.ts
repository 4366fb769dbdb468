import * as fs from "fs";
import * as path from "path";
import { EXIT_BAD_INPUT, EXIT_OK, LakeInputError } from "../../errors";
import { validateRuleFiles } from "../../model/rules";
import { SUGGEST_DEFAULT_LOADS, suggestRuleFiles, writeRuleFiles } from "../../app/suggest-rules";
import { textTable } from "../../report/render-text";
import { countOption, parseCommandArgs, requireOption } from "../args";
import { loadModel, loadModelContracts, MODEL_OPTIONS, MODEL_USAGE, modelDirs } from "../model-options";

export const RULES_VALIDATE_USAGE = `lake rules validate [FILES...] ${MODEL_USAGE}`;

/** Lists every problem of every rule file (all of --rules DIR, quality-rules/ by default); exit 2 when there is one. */
export async function rulesValidateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("rules validate", argv, { ...MODEL_OPTIONS }, RULES_VALIDATE_USAGE, true);
  const contracts = loadModelContracts(values);
  const { rulesDir } = modelDirs(values);
  if (positionals.length === 0 && !fs.existsSync(rulesDir)) throw new LakeInputError(`${rulesDir}: quality rules folder not found; pass --rules DIR`);
  const files =
    positionals.length > 0
      ? positionals
      : fs
          .readdirSync(rulesDir)
          .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
          .sort()
          .map((f) => path.join(rulesDir, f));
  if (files.length === 0) throw new LakeInputError(`no rule files found in ${rulesDir}`);
  const results = validateRuleFiles(files, contracts);
  let problems = 0;
  for (const { file, problems: found } of results) {
    const name = path.relative(process.cwd(), file) || file;
    if (found.length === 0) {
      process.stdout.write(`ok      ${name}\n`);
    } else {
      problems += found.length;
      process.stdout.write(`invalid ${name}\n${found.map((p) => `  - ${p}`).join("\n")}\n`);
    }
  }
  process.stdout.write(problems === 0 ? `${files.length} rule file(s) valid\n` : `${problems} problem(s) in ${results.filter((r) => r.problems.length > 0).length} file(s)\n`);
  return problems === 0 ? EXIT_OK : EXIT_BAD_INPUT;
}

export const RULES_SUGGEST_USAGE = `lake rules suggest --lake DIR [--load-date YYYY-MM-DD] [--loads N] [--dataset D]... [--out DIR] ${MODEL_USAGE}`;

/**
 * Profiles the last --loads loads up to --load-date (default: the latest ${SUGGEST_DEFAULT_LOADS}) and suggests rule
 * files from what they hold; --out DIR writes them (<dataset>.json, ready for `lake rules validate`
 * and `lake check --rules DIR`). Each suggestion is marked when a rule of --rules already checks it.
 */
export async function rulesSuggestCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("rules suggest", argv, {
    lake: { type: "string" },
    "load-date": { type: "string" },
    loads: { type: "string" },
    dataset: { type: "string", multiple: true },
    out: { type: "string" },
    ...MODEL_OPTIONS,
  }, RULES_SUGGEST_USAGE);
  const lake = requireOption("rules suggest", values.lake, "--lake", RULES_SUGGEST_USAGE);
  const { contracts, ruleSets, rulesDir } = loadModel(values);
  const suggested = await suggestRuleFiles({
    lakeDir: lake, contracts, ruleSets, loadDate: values["load-date"], loads: countOption("rules suggest", "--loads", values.loads, SUGGEST_DEFAULT_LOADS), datasets: values.dataset,
  });
  const dates = suggested.profile.load_dates;
  process.stdout.write(`Rules suggested from ${dates.length === 1 ? `load ${dates[0]}` : `${dates.length} loads, ${dates[0]} to ${dates[dates.length - 1]}`} of ${suggested.profile.lake}\n`);
  const shownRules = path.relative(process.cwd(), rulesDir) || rulesDir;
  for (const { file, suggestions } of suggested.files) {
    const rows = suggestions.map((s) => [s.rule.id, s.rule.kind, s.rule.severity, s.existing === undefined ? "new" : `like ${s.existing}`]);
    const covered = suggestions.filter((s) => s.existing !== undefined).length;
    process.stdout.write(`\n${file.dataset}: ${suggestions.length} rules (${covered} already checked by ${shownRules})\n`);
    process.stdout.write(`${textTable(["rule", "kind", "severity", `in ${shownRules}`], rows).map((l) => `  ${l}`).join("\n")}\n`);
  }
  if (values.out === undefined) {
    process.stdout.write(`\nadd --out DIR to write the rule files (each rule's description holds its evidence)\n`);
  } else {
    const written = writeRuleFiles(values.out, suggested.files.map((f) => f.file));
    process.stdout.write(`\nwrote ${written.join(", ")}\ncheck a load with them: lake check --lake ${lake} --rules ${values.out}\n`);
  }
  return EXIT_OK;
}
