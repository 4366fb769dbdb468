import { expect } from "chai";
import { aslProblems, LOAD_ALREADY_RUNNING, loadStateMachineDefinition, QUALITY_GATE_FAILED, referenceLevels } from "../../src/aws/asl";
import { gateOf } from "../../src/aws/report-function";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { buildReport, failedRatio, ruleStatusOf } from "../../src/report/build";
import type { QualityReport, RuleResult } from "../../src/report/types";
import { AslRun, runStateMachine, TaskAnswer } from "../support/asl-interpreter";
import { earlierLoad, sampleReport } from "../report/helpers";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const LOAD_DATE = "2026-01-05";
const BUCKET = "energy-lake-dev-processed";
const FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:energy-lake-dev-quality-report";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:energy-lake-dev-alarms";
const definition = loadStateMachineDefinition({
  levels: referenceLevels(contracts.map((c) => c.name), ruleSets),
  transformJob: "energy-lake-dev-transform",
  curateJob: "energy-lake-dev-curate",
  reportFunction: FUNCTION,
  alarmTopic: TOPIC,
  lakeName: "energy-lake-dev",
});
const MARKER_EVENT = { source: "aws.s3", "detail-type": "Object Created", detail: { bucket: { name: "energy-lake-dev-raw" }, object: { key: `_loads/load_date%3D${LOAD_DATE}` } } };

/** A report of the load, as the report function builds it, with every dataset reconciled and every rule passing unless `change` says otherwise. */
function report(change: (dataset: string, rows: { raw: number; processed: number; quarantined: number; curated: number }, rules: RuleResult[]) => void = () => {}): QualityReport {
  const clean = earlierLoad(sampleReport(), LOAD_DATE, 0);
  return buildReport({
    engine: "athena",
    loadDate: LOAD_DATE,
    lake: clean.lake,
    durationSeconds: 1,
    generatedAt: new Date(`${LOAD_DATE}T06:10:00Z`),
    datasets: clean.datasets.map((d) => {
      const rows = { raw: d.rows.raw, processed: d.rows.processed, quarantined: d.rows.quarantined, curated: d.rows.curated };
      const rules = d.rules.map((r) => ({ ...r }));
      change(d.name, rows, rules);
      return { name: d.name, files: d.files, rows, queries: d.queries, rules };
    }),
  });
}

interface Load {
  readonly run: AslRun;
  /** "<resource kind> <what>" per Task call, in order: "plan", "transform providers", "sns", ... */
  readonly steps: string[];
}

/**
 * Runs the definition on `input` with the report function answering as it would for a load with
 * `verified` as its report, and the Glue jobs succeeding unless `jobError` names one that fails.
 */
function runLoad(input: unknown, verified: QualityReport, options: { datasets?: string[]; lockBusy?: number; jobError?: string } = {}): Load {
  let busy = options.lockBusy ?? 0;
  const run = runStateMachine(definition, input, ({ resource, parameters }): TaskAnswer => {
    const p = parameters as Record<string, unknown>;
    if (resource === "arn:aws:states:::lambda:invoke") {
      const payload = p.Payload as { action: string; execution: string; load_date?: string; trigger?: unknown };
      expect(p.FunctionName).to.equal(FUNCTION);
      expect(payload.execution).to.match(/^arn:aws:states:.*:execution:/);
      if (payload.action === "plan") {
        if (busy-- > 0) return { error: LOAD_ALREADY_RUNNING, cause: "the load of 2026-01-05 is being run by another execution" };
        expect(payload.trigger).to.deep.equal(input);
        return { output: { Payload: { load_date: LOAD_DATE, datasets: options.datasets ?? contracts.map((c) => c.name) } } };
      }
      expect(payload.load_date).to.equal(LOAD_DATE);
      if (payload.action === "verify") return { output: { Payload: gateOf(verified, BUCKET) } };
      return { output: { Payload: {} } };
    }
    if (resource === "arn:aws:states:::glue:startJobRun.sync") {
      const args = p.Arguments as Record<string, string>;
      expect(args["--load_date"]).to.equal(LOAD_DATE);
      if (`${String(p.JobName)} ${args["--dataset"]}` === options.jobError) return { error: "States.TaskFailed", cause: `job ${options.jobError} failed: FileNotFoundError` };
      return { output: { JobRunState: "SUCCEEDED" } };
    }
    if (resource === "arn:aws:states:::sns:publish") {
      expect(p.TopicArn).to.equal(TOPIC);
      return { output: { MessageId: "m-1" } };
    }
    throw new Error(`unexpected resource ${resource}`);
  });
  const steps = run.calls.map(({ resource, parameters }) => {
    const p = parameters as Record<string, unknown>;
    if (resource.includes("lambda")) return (p.Payload as { action: string }).action;
    if (resource.includes("glue")) return `${String(p.JobName).replace("energy-lake-dev-", "")} ${(p.Arguments as Record<string, string>)["--dataset"]}`;
    return "sns";
  });
  return { run, steps };
}

const published = (load: Load): { Subject: string; Message: string } => load.run.calls.find((c) => c.resource.includes("sns"))!.parameters as { Subject: string; Message: string };

describe("the load state machine's gating paths (its ASL definition run by test/support/asl-interpreter.ts)", () => {
  it("is a valid definition whose transactions transform after the providers and customers they reference", () => {
    expect(aslProblems(definition)).to.deep.equal([]);
    expect(referenceLevels(contracts.map((c) => c.name), ruleSets)).to.deep.equal([["customers", "providers"], ["transactions"]]);
  });

  it("pass: plans, transforms the referenced datasets before transactions, verifies, curates and finalizes, publishing nothing", () => {
    const clean = report();
    expect(gateOf(clean, BUCKET).gate).to.equal("pass");
    const load = runLoad(MARKER_EVENT, clean);
    expect(load.run.status).to.equal("SUCCEEDED");
    expect(load.steps).to.deep.equal(["plan", "transform customers", "transform providers", "transform transactions", "verify", "curate customers", "curate providers", "curate transactions", "finalize"]);
  });

  it("an error-severity failure: fails the execution without curating, releases the lock, and the alarm carries the verdict line and the report", () => {
    const failing = report((dataset, _rows, rules) => {
      if (dataset !== "transactions") return;
      const i = rules.findIndex((r) => r.severity === "error");
      const r = rules[i]!;
      rules[i] = { ...r, failed: 3, ratio: failedRatio(3, r.total), status: ruleStatusOf(r.severity, 3, r.total, r.threshold) };
    });
    const gate = gateOf(failing, BUCKET);
    expect(gate.gate).to.equal("fail");
    const load = runLoad(MARKER_EVENT, failing);
    expect(load.run.status).to.equal("FAILED");
    expect(load.run.error).to.equal(QUALITY_GATE_FAILED);
    expect(load.steps).to.deep.equal(["plan", "transform customers", "transform providers", "transform transactions", "verify", "release", "sns"]);
    expect(load.steps.some((s) => s.startsWith("curate") || s === "finalize")).to.equal(false);
    const alarm = published(load);
    expect(alarm.Subject).to.equal(`energy-lake-dev: the load of ${LOAD_DATE} failed its quality gate`);
    expect(alarm.Message).to.include(gate.verdict).and.include(`Report: s3://${BUCKET}/quality/${LOAD_DATE}/report.html`);
    expect(gate.verdict).to.match(/^FAIL: 17 rules: \d+ passed, \d+ warned, 1 failed, 0 errored; all counts reconcile; exit code 1$/);
    expect(load.run.cause).to.equal(`${gate.verdict} Report: s3://${BUCKET}/quality/${LOAD_DATE}/report.html`);
  });

  it("counts that do not reconcile: fail the execution without curating, the verdict naming the dataset", () => {
    const unreconciled = report((dataset, rows) => {
      if (dataset === "providers") rows.raw += 1;
    });
    const load = runLoad({ load_date: LOAD_DATE }, unreconciled);
    expect(load.run.status).to.equal("FAILED");
    expect(load.run.error).to.equal(QUALITY_GATE_FAILED);
    expect(load.steps.filter((s) => s.startsWith("curate"))).to.deep.equal([]);
    expect(published(load).Message).to.include("counts do not reconcile for providers");
  });

  it("a warning alone passes the gate and curates", () => {
    const warned = report((dataset, _rows, rules) => {
      const i = rules.findIndex((r) => r.severity === "warn");
      if (dataset !== "customers" || i < 0) return;
      const r = rules[i]!;
      rules[i] = { ...r, failed: 2, ratio: failedRatio(2, r.total), status: ruleStatusOf(r.severity, 2, r.total, r.threshold) };
    });
    expect(warned.status).to.equal("warn");
    const load = runLoad({ load_date: LOAD_DATE }, warned);
    expect(load.run.status).to.equal("SUCCEEDED");
    expect(load.steps).to.include("curate customers");
  });

  it("transforms only the datasets the load carries, and waits while another execution holds the load date", () => {
    const load = runLoad({ load_date: LOAD_DATE, datasets: ["providers"] }, report(), { datasets: ["providers"], lockBusy: 3 });
    expect(load.run.status).to.equal("SUCCEEDED");
    expect(load.steps).to.deep.equal(["plan", "plan", "plan", "plan", "transform providers", "verify", "curate providers", "finalize"]);
  });

  it("a failed transform: stops before verifying, releases the lock and publishes what failed", () => {
    const load = runLoad(MARKER_EVENT, report(), { jobError: "energy-lake-dev-transform customers" });
    expect(load.run.status).to.equal("FAILED");
    expect(load.run.error).to.equal("States.TaskFailed");
    expect(load.steps.slice(-2)).to.deep.equal(["release", "sns"]);
    expect(load.steps).to.not.include("verify");
    expect(load.steps).to.not.include("transform transactions");
    expect(published(load).Message).to.include("job energy-lake-dev-transform customers failed");
  });

  it("a load that cannot start (no exports, or the lock held too long) publishes why and fails without releasing a lock it never took", () => {
    const load = runLoad({ load_date: LOAD_DATE }, report(), { lockBusy: 1000 });
    expect(load.run.status).to.equal("FAILED");
    expect(load.run.error).to.equal(LOAD_ALREADY_RUNNING);
    expect(load.steps.filter((s) => s === "plan")).to.have.length(61);
    expect(load.steps).to.not.include("release");
    expect(published(load).Subject).to.equal(`energy-lake-dev: a load could not start (${LOAD_ALREADY_RUNNING})`);
  });
});
