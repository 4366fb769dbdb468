import * as fs from "fs";
import * as path from "path";
import { EXIT_BAD_INPUT, EXIT_OK, LakeInputError } from "../../errors";
import { validateRuleFiles } from "../../model/rules";
import { parseCommandArgs } from "../args";
import { loadModelContracts, MODEL_OPTIONS, MODEL_USAGE, modelDirs } from "../model-options";

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
