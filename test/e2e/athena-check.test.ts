import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { writeReportToS3 } from "../../src/aws/lake-objects";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import type { QualityReport } from "../../src/report/types";
import { validateReport } from "../../src/report/validate";
import { FakeStack } from "../support/fake-stack";
import { documentedActions } from "../support/iam-check";
import { lakeAsync, sampleLoadAndDevOutputs, tempDir } from "../support/lake";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const LOAD_DATE = "2026-01-05";
function figures(report: QualityReport): Record<string, { failed: number; total: number }> {
  return Object.fromEntries(report.datasets.flatMap((d) => d.rules.map((r) => [r.id, { failed: r.failed, total: r.total }])));
}

describe("lake check --engine athena against a stack (the issue's bar: same failed and total as the local report)", function () {
  this.timeout(180_000);
  let dir: string;
  let lakeDir: string;
  let outputsFile: string;
  let local: QualityReport;
  let stack: FakeStack;

  before(async () => {
    dir = tempDir("athena-check");
    ({ lakeDir, outputsFile, local } = await sampleLoadAndDevOutputs(dir, LOAD_DATE));
    stack = await FakeStack.start(lakeDir, StackOutputs.read(outputsFile), contracts);
    // customers: the transform published no Data Quality result; transactions: Glue disagrees on one rule.
    stack.publishLoad(lakeDir, LOAD_DATE, local, ruleSets, contracts, (dataset) =>
      dataset === "customers" ? "none" : dataset === "transactions" ? (id, agreed) => (id === "transactions.price.not_null" ? "FAIL" : agreed) : "agree",
    );
    // What the load's last step does after curating (the report function's finalize).
    expect(await stack.registerCuratedPartitions(contracts)).to.not.be.empty;
  });

  after(async () => stack?.close());

  it("prints the report of the load with DuckDB's failed and total for every rule, the same verdict and exit code", async () => {
    const result = await lakeAsync(["check", "--engine", "athena", "--stack-outputs", outputsFile, "--load-date", LOAD_DATE, "--format", "json"], stack.env());
    expect(result.stderr).to.equal("");
    expect(result.status).to.equal(1);
    const report = JSON.parse(result.stdout) as QualityReport;
    expect(validateReport(report)).to.deep.equal([]);
    expect(report.engine).to.equal("athena");
    expect(figures(report)).to.deep.equal(figures(local));
    expect(report.datasets.map((d) => [d.name, d.rows])).to.deep.equal(local.datasets.map((d) => [d.name, d.rows]));
    expect(report.summary).to.deep.equal(local.summary);
    expect(report.status).to.equal(local.status);
  });

  it("says what every query scanned and cost, and sets Glue's outcome next to each count", async () => {
    const result = await lakeAsync(["check", "--stack-outputs", outputsFile, "--load-date", LOAD_DATE, "--format", "json"], stack.env());
    const report = JSON.parse(result.stdout) as QualityReport;
    const runs = report.datasets.flatMap((d) => d.query_runs);
    expect(runs).to.have.length(report.queries);
    expect(runs.every((r) => r.state === "SUCCEEDED" && r.bytes_scanned > 0 && r.estimated_cost_usd === (10 * 5) / (1024 * 1024))).to.equal(true);
    expect(report.cost?.estimated_cost_usd).to.be.closeTo(runs.length * (10 * 5) / (1024 * 1024), 1e-12);
    expect(report.bytes_read).to.equal(runs.reduce((s, r) => s + r.bytes_scanned, 0));
    const byName = Object.fromEntries(report.datasets.map((d) => [d.name, d]));
    expect(byName.customers!.glue_data_quality).to.deep.include({ status: "missing" });
    expect(byName.customers!.glue_data_quality!.note).to.match(/^no Glue result for this load/);
    expect(byName.customers!.rules.every((r) => r.glue === null)).to.equal(true);
    expect(byName.providers!.glue_data_quality).to.deep.include({ status: "found", disagreements: 0 });
    expect(byName.providers!.rules.every((r) => r.glue?.agrees === true)).to.equal(true);
    expect(byName.transactions!.glue_data_quality).to.deep.include({ status: "found", disagreements: 1 });
    expect(byName.transactions!.rules.find((r) => r.id === "transactions.price.not_null")!.glue).to.deep.include({ status: "fail", agrees: false });
    const text = await lakeAsync(["check", "--stack-outputs", outputsFile, "--load-date", LOAD_DATE], stack.env());
    expect(text.stdout).to.include("Glue Data Quality disagrees with the counts on 1 rule");
    expect(text.stdout).to.include("no Glue result for this load");
  });

  it("reads the load's partitions only, and refuses a load date the stack has not loaded, naming the loads there are", async () => {
    for (const sql of stack.athena.queries) expect(sql.includes(`'${LOAD_DATE}'`) || !sql.includes("WHERE")).to.equal(true);
    const result = await lakeAsync(["check", "--stack-outputs", outputsFile, "--load-date", "2026-01-06"], stack.env());
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include(`no load on 2026-01-06; loads in this lake: ${LOAD_DATE}`);
  });

  it("needs only the IAM actions docs/aws.md lists for lake check --engine athena and lake report --stack-outputs", async () => {
    const docs = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "aws.md"), "utf8");
    const actions = (): string[] => [...new Set(stack.takeIamRequests().map((r) => r.action))];
    stack.takeIamRequests();
    await lakeAsync(["check", "--engine", "athena", "--stack-outputs", outputsFile, "--load-date", LOAD_DATE, "--format", "json"], stack.env());
    const check = actions();
    expect(check).to.include.members(["athena:StartQueryExecution", "athena:GetQueryResults", "glue:GetJobRuns", "glue:ListDataQualityResults", "glue:GetDataQualityResult", "s3:GetObject", "s3:ListBucket"]);
    expect(check.filter((a) => !documentedActions(docs, "`lake check --engine athena").includes(a))).to.deep.equal([]);
    await lakeAsync(["report", "--stack-outputs", outputsFile, "--history"], stack.env());
    const report = actions();
    expect(report).to.include.members(["s3:ListBucket"]);
    expect(report.filter((a) => !documentedActions(docs, "`lake report --stack-outputs").includes(a))).to.deep.equal([]);
  });

  it("lake report --stack-outputs reads the kept reports from S3: one load, and the history", async () => {
    const restore = stack.use();
    try {
      await writeReportToS3(new S3Client({}), stack.processedBucket, local, []);
    } finally {
      restore();
    }
    const one = await lakeAsync(["report", "--stack-outputs", outputsFile, "--load-date", LOAD_DATE, "--format", "json"], stack.env());
    expect(one.status, one.stderr).to.equal(0);
    expect(JSON.parse(one.stdout)).to.deep.equal(local);
    const history = await lakeAsync(["report", "--stack-outputs", outputsFile, "--history"], stack.env());
    expect(history.status, history.stderr).to.equal(0);
    expect(history.stdout).to.include(LOAD_DATE);
    const missing = await lakeAsync(["report", "--stack-outputs", outputsFile, "--load-date", "2026-02-01"], stack.env());
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.include(`no report for load 2026-02-01; reports kept: ${LOAD_DATE}`);
  });
});
