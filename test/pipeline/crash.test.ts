import { expect } from "chai";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { runAndCheck, RunArgs } from "../../src/cli/commands/run";
import { failureOf } from "../../src/errors";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { REPORT_FILES } from "../../src/report/history";
import { loadRuleSets } from "../../src/model/rules";
import { commitStepsTaken, setFailPoint, withRecoveredLake } from "../../src/pipeline/transaction";
import { listFiles, snapshot, tempDir, writeFiles } from "../support/lake";
import { quietly } from "../support/quietly";

/**
 * The crash property (issue 7): `lake run` stopped at every step of its commits (the load's, then
 * its report's), by a kill or by an I/O error, leaves a lake that the next lake command turns
 * into either the previous state or the complete new one, never a mix; `lake check` reads it and
 * the counts reconcile; a kept report describes the load the lake holds, or there is none.
 */

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const D1 = "2024-05-01";
const D2 = "2024-05-02";
const TRADES = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,transaction_date\n";
const CUSTOMERS = "customer_id,id_type,customer_name,city\n";

const first = { "transactions.csv": `${TRADES}T0,buy,C1,1,1,2024-02-05\n`, "customers.csv": `${CUSTOMERS}C1,cc,Ana,Cali\n` };
// The date's first run, then its re-run: T2 leaves (curated rebuilt), T1 changes period, a bad row is quarantined, C1 changes.
const rerunBefore = { "transactions.csv": `${TRADES}T1,buy,C1,1,1,2024-03-01\nT2,sell,C2,2,2,2024-04-02\n`, "customers.csv": `${CUSTOMERS}C1,cc,Ana,Cali\nC2,nit,Sol SAS,Pasto\n` };
const rerunAfter = { "transactions.csv": `${TRADES}T1,sell,C1,5,5,2024-05-07\nT3,buy,C2,x,3,2024-03-09\nT4,buy,C1,4,4,2024-03-10\n`, "customers.csv": `${CUSTOMERS}C1,cc,Ana María,Cali\nC2,nit,Sol SAS,Pasto\n` };

/** Runs `lake run` in this process, its printing silenced; returns the exit code, or throws what the CLI would turn into one. */
async function run(input: string, lake: string, loadDate: string): Promise<number> {
  const args: RunArgs = { input, lake, loadDate, format: "json", out: path.join(tempDir("out"), "report.json"), contractsDir: path.join(PROJECT_ROOT, "contracts"), rulesDir: path.join(PROJECT_ROOT, "quality-rules"), checks: true };
  return quietly(() => runAndCheck(args));
}

interface LakeState {
  /** Every data file by content, and each load record's hash. */
  readonly data: Record<string, unknown>;
  /** The kept report of D2 as the (dataset, rows) it describes; undefined when there is none. */
  readonly report?: unknown;
}

const describedLoad = (report: { readonly datasets: readonly { name: string; rows: unknown }[] }) => report.datasets.map((d) => [d.name, d.rows]);

async function stateOf(lake: string): Promise<LakeState> {
  const data = await snapshot(lake);
  for (const file of listFiles(lake).filter((f) => /^quality\/[^/]+\/load-.*\.json$/.test(f))) {
    data[file] = crypto.createHash("sha256").update(fs.readFileSync(path.join(lake, file))).digest("hex");
  }
  const folder = path.join(lake, "quality", D2);
  const kept = REPORT_FILES.filter((f) => fs.existsSync(path.join(folder, f)));
  expect(kept.length === 0 || kept.length === REPORT_FILES.length, `a report is kept whole or not at all: ${kept.join(", ")}`).to.equal(true);
  if (kept.length === 0) return { data };
  return { data, report: describedLoad(JSON.parse(fs.readFileSync(path.join(folder, "report.json"), "utf8"))) };
}

describe("crash property: a load stopped at any step of its commit leaves the previous state or the complete new one", function () {
  this.timeout(900_000);
  let base: string;
  let inputAfter: string;
  let previous: LakeState;
  let next: LakeState;
  let steps: number;

  before(async () => {
    base = tempDir("crash-base");
    expect(await run(writeFiles(tempDir("in"), first), base, D1)).to.be.oneOf([0, 1]);
    expect(await run(writeFiles(tempDir("in"), rerunBefore), base, D2)).to.be.oneOf([0, 1]);
    previous = await stateOf(base);
    inputAfter = writeFiles(tempDir("in"), rerunAfter);
    const complete = tempDir("crash-complete");
    fs.cpSync(base, complete, { recursive: true });
    // Armed beyond the end: counts the steps of the whole run (the load's commit, then the report's).
    setFailPoint({ step: 1_000_000, action: "kill" });
    expect(await run(inputAfter, complete, D2)).to.be.oneOf([0, 1]);
    steps = commitStepsTaken();
    setFailPoint(undefined);
    next = await stateOf(complete);
    expect(next.data).to.not.deep.equal(previous.data);
    expect(steps).to.be.greaterThan(10);
  });

  afterEach(() => setFailPoint(undefined));

  /** After the next lake command has recovered: the previous or the new state, read by lake check with every count reconciled. */
  async function expectWholeState(lake: string, what: string): Promise<"previous" | "new"> {
    const recovered = await withRecoveredLake(lake, "lake check", async () => {
      const report = await checkLoad({ lakeDir: lake, loadDate: D2, contracts, ruleSets });
      expect(report.datasets.every((d) => d.rows.reconciled), `${what}: lake check reconciles`).to.equal(true);
      return report;
    });
    expect(listFiles(lake).some((f) => f.startsWith("_staging")), `${what}: nothing left in staging`).to.equal(false);
    const state = await stateOf(lake);
    const which = JSON.stringify(state.data) === JSON.stringify(previous.data) ? "previous" : JSON.stringify(state.data) === JSON.stringify(next.data) ? "new" : undefined;
    expect(which, `${what}: the lake is neither the previous state nor the new one`).to.not.equal(undefined);
    // A kept report describes the load the lake holds: the one lake check reads.
    if (state.report !== undefined) expect(state.report, `${what}: the kept report describes the load in the lake`).to.deep.equal(describedLoad(recovered));
    return which!;
  }

  it("killed (kill -9) at every step", async () => {
    const cli = path.join(PROJECT_ROOT, "src/cli/main.ts");
    const tsx = path.join(PROJECT_ROOT, "node_modules/.bin/tsx");
    const killedAt = (step: number, lake: string) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(tsx, [cli, "run", "--input", inputAfter, "--lake", lake, "--load-date", D2, "--format", "json"], { env: { ...process.env, ENERGY_LAKE_FAILPOINT: `kill@${step}` }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ status, stderr }));
      });
    const seen = new Set<string>();
    // Two at a time (CI has two cores); each on its own copy of the lake.
    for (let step = 0; step < steps; step += 2) {
      const batch = [step, step + 1].filter((s) => s < steps);
      const lakes = batch.map(() => tempDir("crash-kill"));
      for (const lake of lakes) fs.cpSync(base, lake, { recursive: true });
      const results = await Promise.all(batch.map((s, i) => killedAt(s, lakes[i])));
      for (const [i, s] of batch.entries()) {
        expect(results[i].status, `kill@${s}: ${results[i].stderr}`).to.equal(137);
        seen.add(await expectWholeState(lakes[i], `kill@${s}`));
        fs.rmSync(lakes[i], { recursive: true, force: true });
      }
    }
    expect([...seen].sort()).to.deep.equal(["new", "previous"]);
  });

  it("an I/O error (ENOSPC, EIO, EACCES) at every step: exit 2 with the fix", async () => {
    const codes = ["ENOSPC", "EIO", "EACCES"];
    const seen = new Set<string>();
    for (let step = 0; step < steps; step++) {
      const lake = tempDir("crash-error");
      fs.cpSync(base, lake, { recursive: true });
      const code = codes[step % codes.length];
      setFailPoint({ step, action: code });
      const outcome = await run(inputAfter, lake, D2).then((exit) => ({ exit, error: undefined }), (error: unknown) => ({ exit: undefined, error }));
      setFailPoint(undefined);
      expect(outcome.error, `${code}@${step} must fail the run`).to.not.equal(undefined);
      const { exitCode, message } = failureOf(outcome.error);
      expect(exitCode, `${code}@${step}: ${message}`).to.equal(2);
      expect(message).to.include(`(${code})`);
      seen.add(await expectWholeState(lake, `${code}@${step}`));
      fs.rmSync(lake, { recursive: true, force: true });
    }
    expect([...seen].sort()).to.deep.equal(["new", "previous"]);
  });
});
