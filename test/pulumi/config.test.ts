import { expect } from "chai";
import { LakeInputError } from "../../src/errors";
import * as fs from "fs";
import * as path from "path";
import { deploymentProblems, parseStackConfig, requiredUnsetKeys, STACK_CONFIG_KEYS } from "../../src/aws/config";
import { MOCK_ACCOUNT_ID, MOCK_DEPLOYER_ROLE_ARN } from "../../src/aws/mock-run";
import { plannedStackConfig } from "../../src/aws/plan";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { parseStackFile } from "../../src/aws/stack-file";
import { stackConfig } from "./stacks";

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(LakeInputError);
    return (e as LakeInputError).problems;
  }
  throw new Error("expected a LakeInputError");
}

describe("stack config (src/aws/config.ts)", () => {
  it("gives every key its documented default", () => {
    const config = parseStackConfig({}, "energy-lake", "dev");
    expect(config.prefix).to.equal("energy-lake-dev");
    expect(config.manageLakeFormationSettings).to.equal(false);
    expect(config.athenaBytesScannedCutoffMiB).to.equal(Number(STACK_CONFIG_KEYS.athenaBytesScannedCutoffMiB!.default));
    expect(config.glueJobTimeoutMinutes).to.equal(60);
    expect(config.loadSchedule).to.equal("cron(0 6 * * ? *)");
    expect(config.alarmEmail).to.equal(undefined);
    expect(config.redshiftSubnetIds).to.deep.equal([]);
  });

  it("reads the dev and prod stack files", () => {
    const dev = stackConfig("dev");
    const prod = stackConfig("prod");
    expect(dev.forceDestroy).to.equal(true);
    expect(dev.manageLakeFormationSettings).to.equal(false);
    expect(prod.forceDestroy).to.equal(false);
    expect(prod.production).to.equal(true);
    expect(dev.production).to.equal(false);
    expect(prod.manageLakeFormationSettings).to.equal(true);
    expect(prod.lakeFormationAdmins).to.deep.equal([MOCK_DEPLOYER_ROLE_ARN]);
    expect(prod.glueWorkerType).to.equal("G.2X");
    expect(dev.prefix).to.not.equal(prod.prefix);
  });

  it("accepts keys with or without the project namespace and ignores other namespaces", () => {
    const config = parseStackConfig({ "energy-lake:glueNumberOfWorkers": "5", glueJobMaxRetries: "3", "aws:region": "eu-west-1" }, "energy-lake", "dev");
    expect(config.glueNumberOfWorkers).to.equal(5);
    expect(config.glueJobMaxRetries).to.equal(3);
  });

  it("reports every invalid key at once, each with the pulumi config set that fixes it", () => {
    const problems = problemsOf(() =>
      parseStackConfig({ athenaBytesScannedCutoffMiB: "5", glueWorkerType: "G.3X", forceDestroy: "yes", redshiftBaseCapacity: "12", alarmEmail: "nobody", colour: "blue" }, "energy-lake", "dev"),
    );
    const text = problems.join("\n");
    for (const key of ["athenaBytesScannedCutoffMiB", "glueWorkerType", "forceDestroy", "redshiftBaseCapacity", "alarmEmail", "colour"]) expect(text).to.include(`energy-lake:${key}`);
    expect(problems.filter((p) => p.includes("pulumi config set"))).to.have.length(5);
    expect(text).to.include("pulumi config rm energy-lake:colour");
    expect(text).to.include("5 is outside 10..");
  });

  it("requires Lake Formation admins when the stack owns the settings (an empty list locks everyone out)", () => {
    const problems = problemsOf(() => parseStackConfig({ manageLakeFormationSettings: "true" }, "energy-lake", "prod"));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include("energy-lake:lakeFormationAdmins").and.include("pulumi config set");
    expect(problemsOf(() => parseStackConfig({ lakeFormationAdmins: '["not-an-arn"]' }, "energy-lake", "prod"))[0]).to.include('"not-an-arn" is not IAM role or user ARNs');
  });

  it("requires of a production stack its alarm e-mail and private Redshift network, and refuses forceDestroy", () => {
    const problems = problemsOf(() => parseStackConfig({ production: "true", forceDestroy: "true" }, "energy-lake", "prod"));
    const text = problems.join("\n");
    for (const key of ["alarmEmail", "redshiftSubnetIds", "redshiftSecurityGroupIds", "forceDestroy"]) expect(text).to.include(`energy-lake:${key}:`);
    expect(text).to.include("never the default VPC").and.include("pulumi config rm energy-lake:forceDestroy");
    expect(problems.filter((p) => p.includes("pulumi config set"))).to.have.length(3);
  });

  it("refuses fewer than three Redshift subnets", () => {
    expect(problemsOf(() => parseStackConfig({ redshiftSubnetIds: '["subnet-0a","subnet-0b"]' }, "energy-lake", "dev"))[0]).to.include("needs at least three");
  });

  it("lists the keys a deployer must set, and only those", () => {
    const keys = (raw: Record<string, string>) => requiredUnsetKeys(new Map(Object.entries(raw)));
    expect(keys({})).to.deep.equal([]);
    expect(keys({ manageLakeFormationSettings: "true" })).to.deep.equal(["lakeFormationAdmins"]);
    expect(keys({ production: "true", redshiftSubnetIds: '["subnet-0a","subnet-0b","subnet-0c"]' })).to.deep.equal(["alarmEmail", "redshiftSecurityGroupIds"]);
    expect(plannedStackConfig("prod").mockedKeys).to.have.members(["lakeFormationAdmins", "alarmEmail", "redshiftSubnetIds", "redshiftSecurityGroupIds"]);
    expect(plannedStackConfig("dev").mockedKeys).to.deep.equal([]);
  });

  it("ships Pulumi.prod.yaml without a placeholder account, ARN or address", () => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
    expect(text).to.not.match(/\d{12}|arn:|@|example\.(com|org)|subnet-|sg-/);
  });

  describe("against the deploying identity (deploymentProblems)", () => {
    const prod = (admins: string[], readOnly: string[] = []) =>
      parseStackConfig({ manageLakeFormationSettings: "true", lakeFormationAdmins: JSON.stringify(admins), lakeFormationReadOnlyAdmins: JSON.stringify(readOnly) }, "energy-lake", "prod");
    const deployer = { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/deployer` };

    it("accepts admins of the account that include the deployer", () => {
      expect(deploymentProblems(prod([deployer.arn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/LakeAdmin`]), deployer)).to.deep.equal([]);
    });

    it("refuses ARNs of another account, with the config set that keeps this account's", () => {
      const problems = deploymentProblems(prod([deployer.arn], ["arn:aws:iam::210987654321:role/Auditor"]), deployer);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.include("energy-lake:lakeFormationReadOnlyAdmins: arn:aws:iam::210987654321:role/Auditor is not in account 123456789012").and.include(`pulumi config set energy-lake:lakeFormationReadOnlyAdmins '[]'`);
    });

    it("refuses an admin list without the deployer, with the config set that adds it", () => {
      const other = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/LakeAdmin`;
      const problems = deploymentProblems(prod([other]), deployer);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.include(`the deploying identity ${deployer.arn} is not a Lake Formation administrator`).and.include(`pulumi config set energy-lake:lakeFormationAdmins '${JSON.stringify([other, deployer.arn])}'`);
    });

    it("does not ask for the deployer when another stack owns the settings", () => {
      expect(deploymentProblems(parseStackConfig({}, "energy-lake", "dev"), deployer)).to.deep.equal([]);
    });
  });

  it("refuses stack names that cannot be part of bucket names", () => {
    expect(problemsOf(() => parseStackConfig({}, "energy-lake", "Prod_EU"))[0]).to.include('stack "Prod_EU"');
  });
});

describe("stack files (src/aws/stack-file.ts)", () => {
  it("reads plain, single- and double-quoted scalars under config:", () => {
    const values = parseStackFile("Pulumi.x.yaml", [
      "# comment",
      "config:",
      "  aws:region: eu-west-1",
      `  energy-lake:lakeFormationAdmins: '["arn:aws:iam::123456789012:role/A"]'`,
      `  energy-lake:loadSchedule: "cron(0 6 * * ? *)"  # daily`,
      "  energy-lake:forceDestroy: true # dev only",
    ].join("\n"));
    expect(values).to.deep.equal({
      "aws:region": "eu-west-1",
      "energy-lake:lakeFormationAdmins": '["arn:aws:iam::123456789012:role/A"]',
      "energy-lake:loadSchedule": "cron(0 6 * * ? *)",
      "energy-lake:forceDestroy": "true",
    });
  });

  it("refuses structured values with the line and how to write them", () => {
    expect(() => parseStackFile("Pulumi.x.yaml", "config:\n  energy-lake:redshiftSubnetIds:\n    - subnet-1\n")).to.throw(LakeInputError, /Pulumi.x.yaml:2: only scalar values/);
  });
});
