import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { COMMANDS } from "../../src/cli/commands";
import { MODEL_USAGE } from "../../src/cli/model-options";
import { DEFAULT_CONTRACTS_DIR, PROJECT_ROOT } from "../../src/model/contracts";
import { DEFAULT_RULES_DIR } from "../../src/model/rules";
import { tempDir } from "../support/lake";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const lake = (args: string[]) => spawnSync(lakeBin, args, { encoding: "utf8" });

/** Commands that never read contracts or rules: everything else must take --contracts and --rules. */
const MODEL_FREE_COMMANDS = ["report", "generate", "contract validate", "contract import"];

function copyModel(): { contracts: string; rules: string } {
  const root = tempDir("model");
  const contracts = path.join(root, "contracts");
  const rules = path.join(root, "quality-rules");
  fs.cpSync(DEFAULT_CONTRACTS_DIR, contracts, { recursive: true });
  fs.cpSync(DEFAULT_RULES_DIR, rules, { recursive: true });
  return { contracts, rules };
}

describe("--contracts DIR and --rules DIR on every command that reads the model", function () {
  this.timeout(60_000);

  it("every model-reading command lists both options in its usage", () => {
    const missing = COMMANDS.filter((c) => !MODEL_FREE_COMMANDS.includes(c.name) && !c.usage.includes(MODEL_USAGE)).map((c) => c.name);
    expect(missing, "these commands read the model but do not take MODEL_OPTIONS from src/cli/model-options.ts").to.deep.equal([]);
  });

  it("compile reads the contracts and rules it is given, not the shipped ones", () => {
    const model = copyModel();
    const file = path.join(model.rules, "providers.json");
    const rules = JSON.parse(fs.readFileSync(file, "utf8")) as { rules: { id: string }[] };
    rules.rules = rules.rules.filter((r) => r.id !== "providers.row_count");
    fs.writeFileSync(file, JSON.stringify(rules));
    const shipped = lake(["compile", "--target", "dqdl", "--dataset", "providers"]);
    const edited = lake(["compile", "--target", "dqdl", "--dataset", "providers", "--contracts", model.contracts, "--rules", model.rules]);
    expect(shipped.status, shipped.stderr).to.equal(0);
    expect(edited.status, edited.stderr).to.equal(0);
    expect(shipped.stdout).to.include(`"rule_id"="providers.row_count"`);
    expect(edited.stdout).not.to.include(`"rule_id"="providers.row_count"`);
  });

  it("rules validate checks every file of --rules DIR against the contracts of --contracts DIR", () => {
    const model = copyModel();
    const file = path.join(model.contracts, "providers.json");
    const contract = JSON.parse(fs.readFileSync(file, "utf8")) as { columns: { name: string }[] };
    contract.columns = contract.columns.filter((c) => c.name !== "provider_name");
    fs.writeFileSync(file, JSON.stringify(contract));
    const result = lake(["rules", "validate", "--contracts", model.contracts, "--rules", model.rules]);
    expect(result.status).to.equal(2);
    expect(result.stdout).to.match(/providers\.json: \/rules\/\d+\/column: dataset "providers" has no column "provider_name"/);
  });

  it("a missing folder is bad input (exit 2) that names the folder and the option", () => {
    const missing = path.join(tempDir("none"), "absent");
    const contracts = lake(["compile", "--contracts", missing]);
    expect(contracts.status).to.equal(2);
    expect(contracts.stderr).to.include(`${missing}: contracts folder not found; pass --contracts DIR`);
    const rules = lake(["rules", "validate", "--rules", missing]);
    expect(rules.status).to.equal(2);
    expect(rules.stderr).to.include(`${missing}: quality rules folder not found; pass --rules DIR`);
  });
});
