import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadContracts } from "../../src/model/contracts";
import { DEFAULT_RULES_DIR, loadRuleSets } from "../../src/model/rules";
import { MockRun, runLakeUnderMocks } from "../../src/aws/mock-run";
import { mockRun, queuedRun, stackConfig } from "./stacks";

/** Resources whose inputs depend on one dataset's rules (rulesets; verification statements). */
const RULE_DRIVEN = ["aws:glue/dataQualityRuleset:DataQualityRuleset", "aws:athena/preparedStatement:PreparedStatement"];

function propsByName(run: MockRun): Map<string, string> {
  return new Map(run.resources.filter((r) => RULE_DRIVEN.includes(r.type)).map((r) => [r.name, JSON.stringify(r.props)]));
}

describe("changing one rule file", () => {
  let dir: string;
  let base: MockRun;
  let edited: MockRun;

  before(async function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lake-rules-"));
    for (const f of fs.readdirSync(DEFAULT_RULES_DIR)) fs.copyFileSync(path.join(DEFAULT_RULES_DIR, f), path.join(dir, f));
    const file = path.join(dir, "providers.json");
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { rules: { id: string; kind: string; min?: number }[] };
    const rowCount = doc.rules.find((r) => r.kind === "row_count")!;
    rowCount.min = (rowCount.min ?? 0) + 5;
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    const contracts = loadContracts();
    base = await mockRun("dev");
    edited = await queuedRun(() => runLakeUnderMocks(stackConfig("dev"), { contracts, ruleSets: loadRuleSets(contracts, dir) }));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("changes that dataset's ruleset and verification statements only", () => {
    const before = propsByName(base);
    const after = propsByName(edited);
    expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
    const changed = [...after.keys()].filter((name) => after.get(name) !== before.get(name));
    expect(changed).to.include("energy-lake-dev-quality-providers");
    expect(changed.every((name) => name.includes("providers"))).to.equal(true, `changed: ${changed.join(", ")}`);
  });
});
