import * as fs from "fs";
import * as path from "path";
import { EXIT_BAD_INPUT, EXIT_OK, LakeInputError } from "../../errors";
import { DEFAULT_CONTRACTS_DIR, loadContracts } from "../../model/contracts";
import { DEFAULT_RULES_DIR, validateRuleFiles } from "../../model/rules";
import { parseCommandArgs } from "../args";

export const RULES_VALIDATE_USAGE = "lake rules validate [FILES...] [--contracts DIR]";

/** Lists every problem of every rule file (all of quality-rules/ by default); exit 2 when there is one. */
export async function rulesValidateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("rules validate", argv, { contracts: { type: "string" } }, RULES_VALIDATE_USAGE, true);
  const contracts = loadContracts(values.contracts ?? DEFAULT_CONTRACTS_DIR);
  const files =
    positionals.length > 0
      ? positionals
      : fs
          .readdirSync(DEFAULT_RULES_DIR)
          .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
          .sort()
          .map((f) => path.join(DEFAULT_RULES_DIR, f));
  if (files.length === 0) throw new LakeInputError(`no rule files found in ${DEFAULT_RULES_DIR}`);
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
