import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { LakeInputError } from "../../src/errors";
import { loadContracts } from "../../src/model/contracts";
import { RuleSet, parseRuleSet, ruleFileProblems } from "../../src/model/rules";
import { curatedFiles, processedFilesOfLoad } from "../../src/pipeline/layout";
import { awsLakeFromOutputs, checkAwsLoad } from "../../src/aws/athena-check";
import { writeReportToS3 } from "../../src/aws/lake-objects";
import { athenaTables, lakeNames } from "../../src/aws/naming";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { readLoadRecords, runLoad } from "../../src/pipeline/load";
import { runAthenaChecks } from "../../src/quality/athena-engine";
import { sourceFilesOf } from "../../src/quality/load-context";
import { QualityReport, RuleResult } from "../../src/report/types";
import { readParquet } from "../../src/sql/batch-source";
import { duckdbReadPath, duckdbWritePath } from "../../src/sql/duckdb-paths";
import { useFakeEndpoints } from "../support/fake-aws";
import { FakeAthena, lakeTables } from "../support/fake-athena";
import { FakeStack } from "../support/fake-stack";
import { mockRun } from "../pulumi/stacks";
import { query, tempDir, writeFiles } from "../support/lake";

/**
 * Schema drift and reconciliation through a real load: two exports of one dataset, one with a
 * column the contract does not know, one without an optional column.
 */

const contracts = loadContracts();
const transactions = contracts.find((c) => c.name === "transactions")!;
const LOAD_DATE = "2024-05-01";
const base = { severity: "error", description: "test rule" };

const rules: RuleSet = parseRuleSet("/rules/transactions.json", {
  dataset: "transactions",
  rules: [
    { id: "transactions.energy_type.present", kind: "column_present", column: "energy_type", ...base },
    { id: "transactions.known_columns", kind: "known_columns", severity: "warn", description: "no surprise columns" },
    { id: "transactions.energy_type.not_null", kind: "not_null", column: "energy_type", ...base },
    { id: "transactions.quantity_kwh.not_null", kind: "not_null", column: "quantity_kwh", ...base },
    { id: "transactions.quantity.reconciles", kind: "reconciliation", columns: ["quantity_kwh"], ...base },
    { id: "transactions.amount.reconciles", kind: "reconciliation", columns: ["quantity_kwh", "price"], ...base },
  ],
}, contracts);

const EXPORTS = {
  // A column the contract does not know (comentario), every declared one present.
  "transactions_a.csv": [
    "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date,comentario",
    "T0000001,buy,P0001,100.5,0.25,wind,2024-04-30,ok",
    "T0000002,sell,C000001,50,0.3,,2024-04-30,sin tipo",
    "T0000003,buy,P0001,#N/D,0.2,solar,2024-04-29,mala cantidad",
  ].join("\n"),
  // No energy_type column at all; T0000001 again, read later, so curated keeps this one.
  "transactions_b.csv": [
    "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,transaction_date",
    "T0000004,sell,C000002,10,0.2,2024-04-29",
    "T0000005,buy,P0002,20,1.5,2024-04-28",
    "T0000001,buy,P0001,7,0.5,2024-04-28",
  ].join("\n"),
};

const byId = (report: QualityReport): Record<string, RuleResult> => Object.fromEntries(report.datasets[0].rules.map((r) => [r.id, r]));

describe("schema drift and reconciliation rules, through a load", function () {
  this.timeout(60_000);
  let lake: string;

  beforeEach(async () => {
    lake = tempDir("schema-drift");
    await runLoad({ inputDir: writeFiles(tempDir("schema-drift-input"), EXPORTS), lakeDir: lake, loadDate: LOAD_DATE, contracts });
  });
  afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

  const check = (): Promise<QualityReport> => checkLoad({ lakeDir: lake, loadDate: LOAD_DATE, contracts, ruleSets: [rules] });

  it("reports a missing optional column and an unknown column as one rule each, naming the column and the file", async () => {
    const rule = byId(await check());
    expect(rule["transactions.energy_type.present"]).to.deep.include({ status: "fail", failed: 1, total: 2 });
    expect(rule["transactions.energy_type.present"].samples).to.deep.equal([{ key: null, value: "energy_type", file: "transactions_b.csv", line: 1 }]);
    expect(rule["transactions.energy_type.present"].message).to.equal('"energy_type" is missing from 1 of 2 files (transactions_b.csv); rules on it skip their rows');
    expect(rule["transactions.known_columns"]).to.deep.include({ status: "warn", failed: 1, total: 2 });
    expect(rule["transactions.known_columns"].samples).to.deep.equal([{ key: null, value: "comentario", file: "transactions_a.csv", line: 1 }]);
    expect(rule["transactions.known_columns"].message).to.match(/^columns the contract does not know: "comentario" in transactions_a\.csv; kept in raw only/);
  });

  it("keeps the missing column from failing other rules: not_null on it counts only the files that have it", async () => {
    const rule = byId(await check());
    // Three rows come from the file with energy_type; one of them leaves it empty.
    expect(rule["transactions.energy_type.not_null"]).to.deep.include({ status: "fail", failed: 1, total: 3 });
    expect(rule["transactions.energy_type.not_null"].samples).to.deep.equal([{ key: "T0000002", value: null, file: "transactions_a.csv", line: 3 }]);
    // A rule on a column every file has still sees every row, and nothing errored.
    expect(rule["transactions.quantity_kwh.not_null"]).to.deep.include({ status: "pass", total: 6 });
    for (const r of Object.values(rule)) expect(r.status, r.id).to.not.equal("error");
  });

  it("still fails the load on a missing required column, with the load's message", async () => {
    const input = writeFiles(tempDir("schema-drift-required"), { "transactions.csv": "transaction_id,transaction_type,quantity_kwh,price\nT1,buy,1,1\n" });
    let error: unknown;
    try {
      await runLoad({ inputDir: input, lakeDir: tempDir("schema-drift-required-lake"), loadDate: LOAD_DATE, contracts });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(LakeInputError);
    expect((error as Error).message).to.match(/required column "counterparty_id" is missing/);
  });

  it("validates the new kinds precisely", () => {
    const problems = ruleFileProblems("/rules/transactions.json", {
      dataset: "transactions",
      rules: [
        { id: "a", kind: "column_present", column: "transaction_id", ...base },
        { id: "b", kind: "reconciliation", columns: ["quantity_kwh", "energy_type"], ...base },
        { id: "c", kind: "known_columns", column: "price", ...base },
        { id: "d", kind: "reconciliation", columns: ["price"], where: { column: "transaction_type", equals: "buy" }, ...base },
      ],
    }, contracts);
    expect(problems).to.include('/rules/transactions.json: /rules/0/column: "transaction_id" is required, so a file without it already fails the load and this rule could never fail; check optional columns only (or make "transaction_id" optional in the contract)');
    expect(problems).to.include('/rules/transactions.json: /rules/1/columns/1: reconciliation sums numbers; "energy_type" is string (name numeric columns, e.g. quantity_kwh and price for quantity x price)');
    expect(problems.join("\n")).to.include('/rules/2/column: a known_columns rule does not take "column"; remove it');
    expect(problems.join("\n")).to.include('/rules/3/where: a reconciliation rule does not take "where"; remove it');
  });

  it("reconciles quantity and quantity x price: raw parsed again = processed + quarantined, curated = the rows it keeps", async () => {
    const rule = byId(await check());
    // 100.5 + 50 + 10 + 20 + 7 (T0000003's #N/D is quarantined, so counts nowhere).
    expect(rule["transactions.quantity.reconciles"]).to.deep.include({ status: "pass", failed: 0, total: 1, observed: 187.5, message: null });
    expect(rule["transactions.amount.reconciles"]).to.deep.include({ status: "pass", observed: 75.625 });
  });

  it("reconciles a first load whose every row was quarantined: no processed rows, no curated files, no error", async () => {
    const quarantined = tempDir("schema-drift-quarantined");
    const input = writeFiles(tempDir("schema-drift-quarantined-input"), {
      "transactions.csv": "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date\nT0000001,buy,P0001,N/A,0.25,wind,2024-04-30\n",
    });
    await runLoad({ inputDir: input, lakeDir: quarantined, loadDate: LOAD_DATE, contracts });
    expect(curatedFiles(quarantined, transactions)).to.deep.equal([]);
    const report = await checkLoad({ lakeDir: quarantined, loadDate: LOAD_DATE, contracts, ruleSets: [rules] });
    const rule = byId(report);
    expect(rule["transactions.quantity.reconciles"]).to.deep.include({ status: "pass", observed: 0, message: null });
    for (const r of Object.values(rule)) expect(r.status, `${r.id}: ${r.message}`).to.not.equal("error");
  });

  it("fails reconciliation when curated holds other values than the load's kept rows", async () => {
    for (const file of curatedFiles(lake, transactions)) {
      const doubled = `${file}.tmp`;
      await query(`COPY (SELECT * REPLACE (quantity_kwh * 2 AS quantity_kwh) FROM read_parquet(${duckdbReadPath(file)})) TO ${duckdbWritePath(doubled)} (FORMAT parquet)`);
      fs.renameSync(doubled, file);
    }
    const rule = byId(await check())["transactions.quantity.reconciles"];
    expect(rule.status).to.equal("fail");
    // Curated keeps T0000001 from the later file (7), T0000002 (50), T0000004 (10), T0000005 (20).
    expect(rule.message).to.equal("sum of quantity_kwh: curated holds 174 for this load where its processed rows curated keeps sum to 87");
  });

  it("fails reconciliation when processed no longer holds what the raw files parse to", async () => {
    const files = processedFilesOfLoad(lake, "transactions", LOAD_DATE);
    await query(`COPY (SELECT * REPLACE (CASE WHEN transaction_id = 'T0000004' THEN 11 ELSE quantity_kwh END AS quantity_kwh) FROM ${readParquet(files)}) TO ${duckdbWritePath(`${files[0]}.tmp`)} (FORMAT parquet)`);
    for (const f of files) fs.rmSync(f);
    fs.renameSync(`${files[0]}.tmp`, files[0]);
    const rule = byId(await check())["transactions.quantity.reconciles"];
    expect(rule.status).to.equal("fail");
    expect(rule.message).to.match(/^sum of quantity_kwh: raw files parsed again sum to 187\.5, processed \+ quarantined to 188\.5/);
  });

  describe("on Athena (fake Athena on DuckDB, real SDK client)", () => {
    const names = lakeNames("energy-lake-dev");
    let fake: FakeAthena | undefined;
    let restore: () => void = () => undefined;
    afterEach(async () => {
      restore();
      await fake?.close();
      fake = undefined;
    });

    async function athenaRules(lakeDir: string): Promise<RuleResult[]> {
      fake = await FakeAthena.start({ tables: lakeTables(lakeDir, names, contracts), workGroups: [names.workgroup] });
      restore = useFakeEndpoints({ athena: fake.endpoint });
      const [record] = readLoadRecords(lakeDir, LOAD_DATE);
      const run = await runAthenaChecks({
        client: new AthenaClient({}), workGroup: names.workgroup, tables: athenaTables(names), contracts, ruleSets: [rules], loadDate: LOAD_DATE,
        sources: new Map([["transactions", sourceFilesOf(record!)]]), sleep: async () => undefined,
      });
      expect(run.queries, "one aggregate query: schema and reconciliation rules add none").to.equal(1);
      return run.datasets[0]!.rules;
    }

    it("judges schema drift and reconciliation as DuckDB does, in the same one query, raw aside", async () => {
      const local = await check();
      expect(local.datasets[0].queries).to.equal(1);
      const aws = await athenaRules(lake);
      const figures = (results: readonly RuleResult[]): unknown[] => results.map((r) => [r.id, r.status, r.failed, r.total, r.observed, r.samples]);
      expect(figures(aws)).to.deep.equal(figures(local.datasets[0].rules));
      const amount = aws.find((r) => r.id === "transactions.amount.reconciles")!;
      expect(amount.message).to.equal("sum of quantity_kwh x price 75.625 = curated's; raw files not read again by this engine");
    });

    it("lake check --engine athena judges schema rules from the transform's load records and baselines from the reports kept in S3", async () => {
      const EARLIER = "2024-04-30";
      const withTrend: RuleSet = parseRuleSet("/rules/transactions.json", {
        dataset: "transactions",
        rules: [
          { id: "transactions.energy_type.present", kind: "column_present", column: "energy_type", ...base },
          { id: "transactions.known_columns", kind: "known_columns", severity: "warn", description: "no surprise columns" },
          // A failed load is no reference, so the earlier load must not fail: warnings only.
          { id: "transactions.row_count.trend", kind: "row_count", severity: "warn", description: "about as many trades as lately", baseline: { loads: 3, min_loads: 1, statistic: "median", min_factor: 0.9, max_factor: 1.1 } },
        ],
      }, contracts);
      await runLoad({ inputDir: writeFiles(tempDir("schema-drift-earlier"), { "transactions_a.csv": EXPORTS["transactions_a.csv"] }), lakeDir: lake, loadDate: EARLIER, contracts });
      const earlier = await checkLoad({ lakeDir: lake, loadDate: EARLIER, contracts, ruleSets: [withTrend] });
      fs.mkdirSync(path.join(lake, "quality", EARLIER), { recursive: true });
      fs.writeFileSync(path.join(lake, "quality", EARLIER, "report.json"), JSON.stringify(earlier));
      const local = await checkLoad({ lakeDir: lake, loadDate: LOAD_DATE, contracts, ruleSets: [withTrend] });

      const stack = await FakeStack.start(lake, StackOutputs.parse("dev outputs", JSON.stringify((await mockRun("dev")).outputs)), contracts);
      const restoreStack = stack.use();
      const s3 = new S3Client({});
      try {
        stack.publishLoad(lake, LOAD_DATE, local, [withTrend], contracts);
        await stack.registerCuratedPartitions(contracts);
        await writeReportToS3(s3, stack.processedBucket, earlier, []);
        const aws = await checkAwsLoad({ lake: awsLakeFromOutputs(stack.outputs), clients: { athena: new AthenaClient({}), glue: new GlueClient({}), s3 }, contracts, ruleSets: [withTrend], loadDate: LOAD_DATE, pollIntervalMs: 20 });
        const judged = (report: QualityReport): unknown[] => report.datasets[0].rules.map((r) => [r.id, r.status, r.failed, r.total, r.samples, r.message, r.baseline]);
        expect(judged(aws)).to.deep.equal(judged(local));
        const trend = byId(aws)["transactions.row_count.trend"];
        // 6 rows against the 3 of the earlier load (its median): outside 0.9x..1.1x.
        expect(trend).to.deep.include({ status: "warn", observed: 6 });
        expect(trend.baseline).to.deep.include({ loads: [EARLIER], value: 3 });
        expect(byId(aws)["transactions.energy_type.present"]).to.deep.include({ status: "fail", failed: 1, total: 2 });
      } finally {
        s3.destroy();
        restoreStack();
        await stack.close();
      }
    });

    it("reconciles before the load is curated (the gate runs first): curated as the merge will leave it", async () => {
      fs.rmSync(path.join(lake, "curated"), { recursive: true, force: true });
      const aws = await athenaRules(lake);
      expect(aws.filter((r) => r.kind === "reconciliation").map((r) => [r.id, r.status])).to.deep.equal([
        ["transactions.quantity.reconciles", "pass"],
        ["transactions.amount.reconciles", "pass"],
      ]);
    });
  });
});
