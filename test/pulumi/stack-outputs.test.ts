import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { LakeInputError } from "../../src/errors";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { tempDir } from "../support/lake";

describe("stack outputs: what the commands that work against a stack read", function () {
  this.timeout(120_000);

  it("lake plan --outputs writes every output the program exports, shaped like `pulumi stack output --json`", () => {
    const file = path.join(tempDir("outputs"), "dev.json");
    const result = spawnSync(path.join(PROJECT_ROOT, "bin", "lake"), ["plan", "--stack", "dev", "--outputs", file], { encoding: "utf8" });
    expect(result.status, result.stderr).to.equal(0);
    const outputs = StackOutputs.read(file);
    const exported = [...fs.readFileSync(path.join(PROJECT_ROOT, "index.ts"), "utf8").matchAll(/^export const (\w+) =/gm)].map((m) => m[1]);
    expect(exported.length).to.be.greaterThan(10);
    for (const name of exported) expect(outputs.has(name), name).to.equal(true);
    expect(outputs.string("athenaWorkgroup")).to.equal("energy-lake-dev");
    expect(outputs.entry("databases", "processed")).to.match(/processed/);
    expect(outputs.listRecord("accessPrincipals").analyst?.[0]).to.match(/^arn:aws:iam::\d{12}:role\//);
  });

  it("names the file, the output and the command that fixes a missing or malformed output", () => {
    const outputs = StackOutputs.parse("out.json", JSON.stringify({ databases: { raw: "r" }, region: 7, secret: "[secret]" }));
    expect(() => outputs.string("athenaWorkgroup")).to.throw(LakeInputError, /out\.json: has no output "athenaWorkgroup".*pulumi stack output --json/);
    expect(() => outputs.string("region")).to.throw(LakeInputError, /output "region" should be a non-empty string, found 7/);
    expect(() => outputs.string("secret")).to.throw(LakeInputError, /--show-secrets/);
    expect(() => outputs.entry("databases", "curated")).to.throw(LakeInputError, /has no "curated" \(it has raw\)/);
    expect(() => StackOutputs.parse("out.json", "[1]")).to.throw(LakeInputError, /found an array/);
    expect(() => StackOutputs.parse("out.json", "{")).to.throw(LakeInputError, /is not JSON/);
    expect(() => StackOutputs.read(path.join(tempDir("outputs"), "missing.json"))).to.throw(LakeInputError, /lake plan --stack dev --outputs/);
  });
});
