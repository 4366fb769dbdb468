import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { awsLakeFromOutputs } from "../../src/aws/athena-check";
import type { PolicyDocument } from "../../src/aws/iam";
import { loadOutcomeKey, reportKey } from "../../src/aws/lake-objects";
import { reportFunctionBundle, reportFunctionPackage, REPORT_FUNCTION_HANDLER } from "../../src/aws/report-bundle";
import { loadDateOfMarker, lockKey, reportFunctionEnvironment, resolveTrigger } from "../../src/aws/report-function";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { LakeInputError } from "../../src/errors";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import type { QualityReport } from "../../src/report/types";
import { validateReport } from "../../src/report/validate";
import { mockRun, one } from "../pulumi/stacks";
import { FakeSfn } from "../support/fake-sfn";
import { deniedRequests } from "../support/iam-check";
import { FakeStack } from "../support/fake-stack";
import { sampleLoadAndDevOutputs, tempDir } from "../support/lake";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const LOAD_DATE = "2026-01-05";
const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:energy-lake-dev-load:first";
const SECOND = "arn:aws:states:eu-west-1:123456789012:execution:energy-lake-dev-load:second";

const figures = (report: QualityReport): Record<string, { failed: number; total: number; status: string }> =>
  Object.fromEntries(report.datasets.flatMap((d) => d.rules.map((r) => [r.id, { failed: r.failed, total: r.total, status: r.status }])));

type Handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<unknown>;

/** What a Lambda invocation of the handler gives: its result, or the error type and message Step Functions would see. */
async function invoke(handler: Handler, event: unknown): Promise<{ result?: unknown; errorType?: string; errorMessage?: string }> {
  try {
    return { result: await handler(event, { getRemainingTimeInMillis: () => 900_000 }) };
  } catch (err) {
    return { errorType: (err as Error).name, errorMessage: (err as Error).message };
  }
}

describe("the report function (its esbuild bundle run against fake Athena, Glue, S3 and Step Functions)", function () {
  this.timeout(240_000);
  let dir: string;
  let lakeDir: string;
  let local: QualityReport;
  let stack: FakeStack;
  let sfn: FakeSfn;
  let handler: Handler;
  let restore: () => void;
  let outputs: StackOutputs;
  const functionRequests: { action: string; resource?: string }[] = [];

  before(async () => {
    dir = tempDir("report-function");
    const sample = await sampleLoadAndDevOutputs(dir, LOAD_DATE);
    ({ lakeDir, local } = sample);
    const outputsFile = sample.outputsFile;
    outputs = StackOutputs.read(outputsFile);
    stack = await FakeStack.start(lakeDir, outputs, contracts);
    sfn = await FakeSfn.start();
    stack.s3.putTree(outputs.entry("buckets", "raw"), path.join(lakeDir, "raw"));
    stack.publishLoad(lakeDir, LOAD_DATE, local, ruleSets, contracts);

    // The function's package exactly as the Pulumi component uploads it, unpacked as Lambda does.
    const packageDir = path.join(dir, "package");
    for (const [file, content] of Object.entries(reportFunctionPackage(contracts, ruleSets))) {
      fs.mkdirSync(path.dirname(path.join(packageDir, file)), { recursive: true });
      if ("text" in content) fs.writeFileSync(path.join(packageDir, file), content.text);
      else fs.copyFileSync(content.file, path.join(packageDir, file));
    }
    restore = stack.use();
    const environment = reportFunctionEnvironment({ ...awsLakeFromOutputs(outputs), rawBucket: outputs.entry("buckets", "raw"), curatedBucket: outputs.entry("buckets", "curated") });
    Object.assign(process.env, environment, { AWS_ENDPOINT_URL_SFN: sfn.endpoint });
    const [file, exported] = REPORT_FUNCTION_HANDLER.split(/\.(?=[^.]+$)/) as [string, string];
    handler = (require(path.join(packageDir, `${file}.js`)) as Record<string, Handler>)[exported]!;
  });

  after(async () => {
    restore?.();
    for (const k of Object.keys(process.env)) if (k.startsWith("LAKE_") || k === "AWS_ENDPOINT_URL_SFN") delete process.env[k];
    await Promise.all([stack?.close(), sfn?.close()]);
  });

  it("bundles this library without native modules: the check compiler, the Athena engine, the report builder and renderers", () => {
    const bundle = reportFunctionBundle();
    expect(bundle.inputs).to.include.members(["src/quality/sql.ts", "src/quality/athena-engine.ts", "src/report/build.ts", "src/report/render-html.ts", "src/report/render-junit.ts", "src/aws/glue-results.ts"]);
    expect(bundle.inputs.some((i) => i.includes("@duckdb"))).to.equal(false);
    expect(bundle.code).to.not.match(/require\("@duckdb/);
  });

  it("plan: reads the load date from a marker whose key arrives URL-encoded, finds the datasets with raw files, and takes the date's lock", async () => {
    sfn.executions.set(EXECUTION, "RUNNING");
    const planned = await invoke(handler, { action: "plan", execution: EXECUTION, trigger: { source: "aws.s3", detail: { bucket: { name: outputs.entry("buckets", "raw") }, object: { key: `_loads/load_date%3D${LOAD_DATE}` } } } });
    expect(planned).to.deep.equal({ result: { load_date: LOAD_DATE, datasets: contracts.map((c) => c.name) } });
    expect(JSON.parse(stack.s3.text(stack.processedBucket, lockKey(LOAD_DATE))!)).to.include({ execution: EXECUTION });
  });

  it("plan: a second execution of the same date waits (LoadAlreadyRunning, retried by the state machine) while the first runs", async () => {
    const waiting = await invoke(handler, { action: "plan", execution: SECOND, trigger: { load_date: LOAD_DATE } });
    expect(waiting.errorType).to.equal("LoadAlreadyRunning");
    expect(waiting.errorMessage).to.include(EXECUTION);
    // The holder itself planning again (a retried invocation) keeps its lock.
    expect((await invoke(handler, { action: "plan", execution: EXECUTION, trigger: { load_date: LOAD_DATE } })).result).to.deep.include({ load_date: LOAD_DATE });
  });

  it("verify: the load's checks on Athena give DuckDB's failed and total for every rule; the report's four files land under quality/<load_date>/; the gate fails on the error-severity failures", async () => {
    const verified = await invoke(handler, { action: "verify", execution: EXECUTION, load_date: LOAD_DATE });
    expect(verified.errorMessage).to.equal(undefined);
    const result = verified.result as { gate: string; status: string; verdict: string; report: string };
    const kept = stack.s3.keys(stack.processedBucket, `quality/${LOAD_DATE}/`);
    expect(kept).to.deep.equal(["report.html", "report.json", "report.md", "junit.xml"].map((f) => reportKey(LOAD_DATE, f)).sort());
    const report = JSON.parse(stack.s3.text(stack.processedBucket, reportKey(LOAD_DATE, "report.json"))!) as QualityReport;
    expect(validateReport(report)).to.deep.equal([]);
    expect(report.engine).to.equal("athena");
    expect(figures(report)).to.deep.equal(figures(local));
    expect(report.datasets.map((d) => [d.name, d.rows.raw, d.rows.processed, d.rows.quarantined, d.rows.reconciled])).to.deep.equal(local.datasets.map((d) => [d.name, d.rows.raw, d.rows.processed, d.rows.quarantined, d.rows.reconciled]));
    expect(report.datasets.every((d) => d.glue_data_quality?.status === "found" && d.glue_data_quality.disagreements === 0)).to.equal(true);
    expect(report.cost?.estimated_cost_usd).to.be.greaterThan(0);
    expect(local.status).to.equal("fail");
    expect(result).to.deep.include({ gate: "fail", status: "fail", report: `s3://${stack.processedBucket}/${reportKey(LOAD_DATE, "report.html")}` });
    expect(result.verdict).to.match(/^FAIL: \d+ rules: .* failed, .*; all counts reconcile; exit code 1$/);
    expect(stack.s3.text(stack.processedBucket, reportKey(LOAD_DATE, "report.md"))).to.include(result.verdict);
    expect(stack.s3.text(stack.processedBucket, reportKey(LOAD_DATE, "junit.xml"))).to.match(/<testsuites[^>]* failures="[1-9]/);
    // Only the load's partitions were read.
    for (const sql of stack.athena.queries) expect(sql.includes(`'${LOAD_DATE}'`) || !sql.includes("WHERE")).to.equal(true);
  });

  it("verify: counts that do not reconcile fail the gate, and the verdict says for which dataset", async () => {
    const key = loadOutcomeKey(LOAD_DATE, "providers");
    const record = stack.s3.text(stack.processedBucket, key)!;
    stack.s3.put(stack.processedBucket, key, JSON.stringify({ ...JSON.parse(record), rows_raw: (JSON.parse(record) as { rows_raw: number }).rows_raw + 1 }), "application/json");
    try {
      const verified = (await invoke(handler, { action: "verify", execution: EXECUTION, load_date: LOAD_DATE })).result as { gate: string; verdict: string };
      expect(verified.gate).to.equal("fail");
      expect(verified.verdict).to.include("counts do not reconcile for providers");
    } finally {
      stack.s3.put(stack.processedBucket, key, record, "application/json");
    }
  });

  it("finalize: counts curated as the local lake does, once the curate job has merged and registered its partitions; rewrites the report and releases the lock", async () => {
    expect((await invoke(handler, { action: "verify", execution: EXECUTION, load_date: LOAD_DATE })).result).to.deep.include({ gate: "fail" });
    // What the curate job does with its own role: not the function's calls.
    functionRequests.push(...stack.takeIamRequests());
    expect(await stack.registerCuratedPartitions(contracts)).to.not.be.empty;
    stack.takeIamRequests();
    const finalized = (await invoke(handler, { action: "finalize", execution: EXECUTION, load_date: LOAD_DATE })).result as { curated: Record<string, number> };
    expect(finalized.curated).to.deep.equal(Object.fromEntries(local.datasets.map((d) => [d.name, d.rows.curated])));
    const report = JSON.parse(stack.s3.text(stack.processedBucket, reportKey(LOAD_DATE, "report.json"))!) as QualityReport;
    expect(report.datasets.map((d) => d.rows)).to.deep.equal(local.datasets.map((d) => d.rows));
    expect(report.queries).to.equal(report.datasets.flatMap((d) => d.query_runs).length);
    expect(stack.s3.text(stack.processedBucket, lockKey(LOAD_DATE))).to.equal(undefined);
  });

  it("plan: takes over a lock its holder left when it ended; release frees only a lock the execution holds", async () => {
    sfn.executions.set(EXECUTION, "RUNNING");
    expect((await invoke(handler, { action: "plan", execution: EXECUTION, trigger: { load_date: LOAD_DATE } })).result).to.deep.include({ load_date: LOAD_DATE });
    sfn.executions.set(EXECUTION, "ABORTED");
    sfn.executions.set(SECOND, "RUNNING");
    expect((await invoke(handler, { action: "plan", execution: SECOND, trigger: { load_date: LOAD_DATE } })).result).to.deep.include({ load_date: LOAD_DATE });
    expect(await invoke(handler, { action: "release", execution: EXECUTION, load_date: LOAD_DATE })).to.deep.equal({ result: { released: false } });
    expect(await invoke(handler, { action: "release", execution: SECOND, load_date: LOAD_DATE })).to.deep.equal({ result: { released: true } });
  });

  it("plan: refuses a date without exports, saying what to upload", async () => {
    const refused = await invoke(handler, { action: "plan", execution: SECOND, trigger: { load_date: "2026-02-01" } });
    expect(refused.errorType).to.equal("LakeInputError");
    expect(refused.errorMessage).to.include(`s3://${outputs.entry("buckets", "raw")}/<dataset>/load_date=2026-02-01/ is empty`).and.include("_loads/load_date=2026-02-01");
  });

  it("needs nothing its deployed role does not allow", async function () {
    this.timeout(120_000);
    functionRequests.push(...stack.takeIamRequests(), ...sfn.calls.map((c) => ({ action: `states:${c.operation}`, resource: String(c.input.executionArn) })));
    expect(functionRequests.map((r) => r.action)).to.include.members(["athena:StartQueryExecution", "glue:GetDataQualityResult", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "states:DescribeExecution"]);
    const role = one(await mockRun("dev"), "aws:iam/rolePolicy:RolePolicy", "energy-lake-dev-verification-policy");
    expect(deniedRequests(JSON.parse(String(role.props.policy)) as PolicyDocument, functionRequests)).to.deep.equal([]);
  });
});

describe("load triggers (src/aws/report-function.ts)", () => {
  it("read the load date of a marker key however S3 encodes it", () => {
    expect(loadDateOfMarker("_loads/load_date%3D2026-01-05")).to.equal("2026-01-05");
    expect(loadDateOfMarker("_loads/load_date=2026-01-05")).to.equal("2026-01-05");
    expect(loadDateOfMarker("_loads/load_date%3D2026-01-05.json")).to.equal("2026-01-05");
    expect(() => loadDateOfMarker("_loads/load_date%3D2026-02-30")).to.throw(LakeInputError, /is not a load marker/);
    expect(() => loadDateOfMarker("providers/load_date%3D2026-01-05/proveedores.csv")).to.throw(LakeInputError, /_loads\/load_date=YYYY-MM-DD/);
    expect(() => loadDateOfMarker("_loads/load_date%E0%A4%A")).to.throw(LakeInputError, /not valid URL encoding/);
  });

  it("take a request's date and datasets, and today's date (UTC) on the schedule", () => {
    const now = new Date("2026-03-01T06:00:00Z");
    expect(resolveTrigger({ load_date: "2026-01-05", datasets: ["providers"] }, now)).to.deep.equal({ loadDate: "2026-01-05", datasets: ["providers"] });
    expect(resolveTrigger({ trigger: "schedule" }, now)).to.deep.equal({ loadDate: "2026-03-01", datasets: undefined });
    expect(() => resolveTrigger({ load_date: "05/01/2026" }, now)).to.throw(LakeInputError, /YYYY-MM-DD/);
    expect(() => resolveTrigger({}, now)).to.throw(LakeInputError, /cannot tell which load/);
  });
});
