import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { awsLakeFromOutputs, checkAwsLoad } from "../../src/aws/athena-check";
import { TABLE_PLANNERS, tableParameters } from "../../src/aws/catalog";
import { lakeNames } from "../../src/aws/naming";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { layerPaths } from "../../src/pipeline/layout";
import { runLoad } from "../../src/pipeline/load";
import { AthenaQueryRunner } from "../../src/quality/athena-engine";
import type { QualityReport } from "../../src/report/types";
import { FakeStack } from "../support/fake-stack";
import { tempDir } from "../support/lake";
import { mockRun } from "../pulumi/stacks";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const SAMPLE = path.join(PROJECT_ROOT, "data", "sample");

/** Loads the CLI accepts that a date-range projection (2020-01-01 to NOW) would hide: before its start, and in the future. */
const EARLY = "1999-12-31";
const FUTURE = "2031-03-01";

function figures(report: QualityReport): Record<string, [number, number]> {
  return Object.fromEntries(report.datasets.flatMap((d) => d.rules.map((r) => [r.id, [r.failed, r.total]])));
}

describe("the Athena side of the lake layout (src/aws/catalog.ts)", () => {
  it("projects every load_date partition as injected, at the folder the layout writes the load to", () => {
    const names = lakeNames("energy-lake-dev");
    for (const layer of ["raw", "processed", "quarantine"] as const) {
      for (const contract of contracts) {
        const plan = TABLE_PLANNERS[layer](contract);
        expect(plan.partitionKeys).to.deep.equal([{ name: "load_date", type: "string" }]);
        const params = tableParameters(plan, `${names.prefix}-${layer}`);
        expect(params["projection.load_date.type"], `${layer}.${contract.name}`).to.equal("injected");
        expect(Object.keys(params).filter((k) => k.startsWith("projection.load_date.") && k !== "projection.load_date.type")).to.deep.equal([]);
        const local = { raw: layerPaths.rawLoad, processed: layerPaths.processedLoad, quarantine: layerPaths.quarantineLoad }[layer](contract.name, FUTURE);
        const key = local.split(path.sep).slice(1).join("/");
        expect(params["storage.location.template"]!.replace("${load_date}", FUTURE)).to.equal(`s3://${names.prefix}-${layer}/${key}/`);
      }
    }
  });

  it("registers curated period partitions instead of projecting them", () => {
    for (const contract of contracts) {
      const plan = TABLE_PLANNERS.curated(contract);
      expect(Object.keys(plan.parameters).some((k) => k.startsWith("projection."))).to.equal(false);
      expect(plan.partitionKeys.map((k) => k.name)).to.deep.equal(contract.curatedPartition === undefined ? [] : [contract.curatedPartition.name]);
    }
  });

  describe("over the wire, loads and trade dates a projection range would hide", function () {
    this.timeout(180_000);
    let lakeDir: string;
    let stack: FakeStack;
    const local = new Map<string, QualityReport>();
    let restore: () => void = () => undefined;

    before(async () => {
      const input = tempDir("catalog-input");
      for (const f of fs.readdirSync(SAMPLE)) if (f.endsWith(".csv")) fs.copyFileSync(path.join(SAMPLE, f), path.join(input, f));
      // Trades from 1850 and 2250: years outside any projection range worth enumerating.
      const trades = path.join(input, "transacciones.csv");
      fs.writeFileSync(trades, fs.readFileSync(trades, "latin1").replace("26/07/2025", "01/06/1850").replace("26/02/2025", "01/01/2250"), "latin1");
      lakeDir = tempDir("catalog-lake");
      for (const date of [EARLY, FUTURE]) {
        await runLoad({ inputDir: input, lakeDir, loadDate: date, contracts });
        local.set(date, await checkLoad({ lakeDir, loadDate: date, contracts, ruleSets }));
      }
      const run = await mockRun("dev");
      stack = await FakeStack.start(lakeDir, StackOutputs.parse("dev outputs", JSON.stringify(run.outputs)), contracts);
      for (const date of [EARLY, FUTURE]) stack.publishLoad(lakeDir, date, local.get(date)!, ruleSets, contracts);
      restore = stack.use();
    });

    after(async () => {
      restore();
      await stack?.close();
    });

    const check = (loadDate: string): Promise<QualityReport> =>
      checkAwsLoad({ lake: awsLakeFromOutputs(stack.outputs), clients: { athena: new AthenaClient({}), glue: new GlueClient({}), s3: new S3Client({}) }, contracts, ruleSets, loadDate, pollIntervalMs: 20 });

    it("hides curated partitions until the load registers them, then sees every trade month, 1850 and 2250 included", async () => {
      const before = await check(FUTURE);
      const trades = (r: QualityReport) => r.datasets.find((d) => d.name === "transactions")!.rows.curated;
      expect(trades(before)).to.equal(0);
      const registered = await stack.registerCuratedPartitions(contracts);
      expect(registered).to.include.members(["1850-06", "2250-01"]);
      expect(await stack.registerCuratedPartitions(contracts)).to.deep.equal([], "registering again finds nothing new");
      const after = await check(FUTURE);
      expect(trades(after)).to.equal(trades(local.get(FUTURE)!));
    });

    it("gives DuckDB's failed and total for every rule of each load, whatever its date", async () => {
      await stack.registerCuratedPartitions(contracts);
      for (const date of [EARLY, FUTURE]) {
        const report = await check(date);
        expect(figures(report), date).to.deep.equal(figures(local.get(date)!));
        expect(report.datasets.map((d) => d.rows), date).to.deep.equal(local.get(date)!.datasets.map((d) => d.rows));
      }
    });

    it("reads only the load's partitions: each rule-count query scans exactly that load's processed and quarantine files", async () => {
      const report = await check(EARLY);
      const size = (dir: string): number => (fs.existsSync(dir) ? fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0) : 0);
      for (const dataset of report.datasets) {
        const aggregate = dataset.query_runs.find((q) => q.purpose === "aggregate")!;
        const expected = size(path.join(lakeDir, layerPaths.processedLoad(dataset.name, EARLY))) + size(path.join(lakeDir, layerPaths.quarantineLoad(dataset.name, EARLY)));
        expect(aggregate.bytes_scanned, dataset.name).to.equal(expected);
      }
    });

    it("refuses, as Athena does, a query on a load_date table that does not pin the load date", async () => {
      const athena = new AthenaClient({});
      const runner = new AthenaQueryRunner({ client: athena, workGroup: stack.outputs.string("athenaWorkgroup"), pollIntervalMs: 20 });
      const outcome = await runner.query(`SELECT count(*) FROM "${stack.outputs.entry("databases", "processed")}"."transactions"`, [], { dataset: "transactions", purpose: "aggregate", referencedDataset: null });
      expect("error" in outcome && outcome.error.message).to.match(/CONSTRAINT_VIOLATION: For the injected projected partition column load_date/);
    });
  });
});
