import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../src/model/contracts";

describe("typescript", function () {
  this.timeout(300_000);

  it("the whole project compiles under tsc --strict (Pulumi program, CLI, tests)", () => {
    const tsc = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsc");
    const result = spawnSync(tsc, ["--noEmit", "-p", PROJECT_ROOT], { encoding: "utf8" });
    expect(result.stdout + result.stderr).to.equal("");
    expect(result.status).to.equal(0);
  });
});
