import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compileGluePlan } from "../../src/aws/glue-plan";
import { lakeNames } from "../../src/aws/naming";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";

/**
 * The Glue scripts' own tests (glue/tests, Python standard library only), one mocha test per
 * Python test so the closing count counts them. They read the plan the Pulumi program uploads.
 */
const RUNNER = path.join(PROJECT_ROOT, "glue", "tests", "json_runner.py");

function python(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync("python3", [RUNNER, ...args], { encoding: "utf8", env, maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error("python3 is not installed; install it (Debian: apt-get install -y python3) to run the Glue scripts' tests");
    throw new Error(`the Glue scripts' tests could not run: ${e.stderr ?? e.message}`);
  }
}

const contracts = loadContracts();
const planDir = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-glue-plan-"));
const planEnv = { ...process.env, LAKE_PLAN: path.join(planDir, "plan.json"), PYTHONDONTWRITEBYTECODE: "1" };
fs.writeFileSync(planEnv.LAKE_PLAN, JSON.stringify(compileGluePlan(contracts, loadRuleSets(contracts), lakeNames("energy-lake-test"))));
const ids = JSON.parse(python(["--list"], planEnv)) as string[];

describe("Glue scripts (glue/*.py), Python tests", () => {
  let outcomes: Record<string, { status: string; output?: string }> = {};

  before(function () {
    this.timeout(240000);
    outcomes = JSON.parse(python([], planEnv)) as typeof outcomes;
  });

  after(() => fs.rmSync(planDir, { recursive: true, force: true }));

  it("finds the Python tests", () => {
    expect(ids.length).to.be.greaterThan(40);
  });

  for (const id of ids) {
    it(id.replace(/^test_/, ""), function () {
      const outcome = outcomes[id];
      expect(outcome, `${id} did not run`).to.not.equal(undefined);
      if (outcome!.status === "skipped") this.skip();
      expect(outcome!.status, outcome!.output).to.equal("passed");
    });
  }
});
