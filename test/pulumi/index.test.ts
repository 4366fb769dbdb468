import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { LakeInputError } from "../../src/errors";
import { lakeMocks, waitForMockedResources } from "../../src/aws/mock-run";
import { queuedRun } from "./stacks";

const ENTRY_POINT = "../../index";

/** Loads the Pulumi entry point afresh with the given stack config, the way `pulumi up` runs it. */
async function runEntryPoint(stack: string, config: Record<string, string>): Promise<Record<string, unknown>> {
  await pulumi.runtime.setMocks(lakeMocks(), "energy-lake", stack, true);
  pulumi.runtime.setAllConfig(config);
  delete require.cache[require.resolve(ENTRY_POINT)];
  // Required (not imported at the top) after setMocks and setAllConfig: the program reads both as it loads.
  const program = require(ENTRY_POINT) as Record<string, unknown>;
  const exports = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(program).apply((resolved) => resolve(resolved as Record<string, unknown>)));
  await waitForMockedResources();
  return exports;
}

describe("index.ts (the Pulumi entry point)", () => {
  it("reads the energy-lake:* stack config and exports the names a CLI needs", async function () {
    this.timeout(120_000);
    const outputs = await queuedRun(() => runEntryPoint("staging", { "energy-lake:athenaBytesScannedCutoffMiB": "64", "aws:region": "eu-west-1" }));
    expect(outputs.athenaWorkgroup).to.equal("energy-lake-staging");
    expect(outputs.stateMachineName).to.equal("energy-lake-staging-load");
    expect(outputs.databases).to.deep.include({ curated: "energy_lake_staging_curated" });
    expect(Object.keys(outputs)).to.include.members(["buckets", "bucketArns", "crawlers", "glueJobs", "rulesets", "preparedStatements", "stateMachineArn", "loadMarker", "reportFunctionName", "reportFunctionArn", "qualityReports", "redshift", "roles", "keyArn"]);
  });

  it("refuses invalid config before creating anything, naming the keys to set", async function () {
    this.timeout(120_000);
    const failure = await queuedRun(() => runEntryPoint("staging", { "energy-lake:athenaBytesScannedCutoffMiB": "1" }).then(() => undefined, (e: unknown) => e));
    expect(failure).to.be.instanceOf(LakeInputError);
    expect((failure as LakeInputError).problems[0]).to.include("energy-lake:athenaBytesScannedCutoffMiB").and.include("pulumi config set");
  });
});
