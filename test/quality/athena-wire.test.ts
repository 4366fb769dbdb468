import { AthenaClient } from "@aws-sdk/client-athena";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { athenaTables, lakeNames } from "../../src/aws/naming";
import { Contract, contractForLoad, loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { readLoadRecords, runLoad } from "../../src/pipeline/load";
import { AthenaQueryRunner, QueriesAbortedError, runAthenaChecks } from "../../src/quality/athena-engine";
import { QualityReport } from "../../src/report/types";
import { useFakeEndpoints } from "../support/fake-aws";
import { FakeAthena, FakeAthenaOptions, lakeTables } from "../support/fake-athena";
import { tempDir } from "../support/lake";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const names = lakeNames("energy-lake-dev");
const LOAD_DATE = "2026-01-05";
const tables = athenaTables(names);
const noWait = async (): Promise<void> => undefined;

/** Rule id -> [failed, total], every dataset. */
function figures(datasets: readonly { rules: readonly { id: string; failed: number; total: number; status: string }[] }[]): Record<string, [number, number, string]> {
  return Object.fromEntries(datasets.flatMap((d) => d.rules.map((r) => [r.id, [r.failed, r.total, r.status]])));
}

describe("the Athena engine over the wire (fake Athena on DuckDB, real SDK client)", function () {
  this.timeout(60_000);
  let lake: string;
  let local: QualityReport;
  let asLoaded: readonly Contract[] = contracts;
  let fake: FakeAthena | undefined;
  let restore: () => void = () => undefined;

  before(async () => {
    lake = tempDir("athena-wire");
    await runLoad({ inputDir: path.join(PROJECT_ROOT, "data", "sample"), lakeDir: lake, loadDate: LOAD_DATE, contracts });
    local = await checkLoad({ lakeDir: lake, loadDate: LOAD_DATE, contracts, ruleSets });
    // Athena is given the contracts as the load read them (the decimal separator its values showed), as the local check is.
    const records = readLoadRecords(lake, LOAD_DATE);
    asLoaded = contracts.map((c) => contractForLoad(c, records.find((r) => r.dataset === c.name)?.numbers));
  });

  /** `sdkAttempts` lowers the SDK's own retries (3 by default, with real waits) to keep throttling tests quick. */
  async function startFake(options: Partial<FakeAthenaOptions> = {}, sdkAttempts?: number): Promise<AthenaClient> {
    fake = await FakeAthena.start({ tables: lakeTables(lake, names, contracts), workGroups: [names.workgroup], ...options });
    restore = useFakeEndpoints({ athena: fake.endpoint });
    return new AthenaClient(sdkAttempts === undefined ? {} : { maxAttempts: sdkAttempts });
  }

  afterEach(async () => {
    restore();
    await fake?.close();
    fake = undefined;
  });

  it("gives DuckDB's failed and total for every rule, through queued and running states and one-row result pages", async () => {
    const client = await startFake({ pageSize: 1 });
    const run = await runAthenaChecks({ client, workGroup: names.workgroup, tables, contracts: asLoaded, ruleSets, loadDate: LOAD_DATE, sleep: noWait });
    expect(figures(run.datasets)).to.deep.equal(figures(local.datasets));
    expect(run.queries).to.equal(local.queries);
    expect(fake!.callsOf("GetQueryResults").length).to.be.greaterThan(run.queries, "a result row and its header take two one-row pages");
    for (const execution of fake!.executions.values()) expect(execution.parameters.every((p) => p === `'${LOAD_DATE}'`)).to.equal(true);
    expect(run.bytesRead).to.be.greaterThan(0);
  });

  it("resolves references against curated as it is once the load is merged, before the load is curated (the gate runs first)", async () => {
    // The first load of a lake, checked before curation: curated is still empty.
    const uncurated = tempDir("athena-uncurated");
    fs.cpSync(lake, uncurated, { recursive: true });
    fs.rmSync(path.join(uncurated, "curated"), { recursive: true, force: true });
    fake = await FakeAthena.start({ tables: lakeTables(uncurated, names, contracts), workGroups: [names.workgroup] });
    restore = useFakeEndpoints({ athena: fake.endpoint });
    const run = await runAthenaChecks({ client: new AthenaClient({}), workGroup: names.workgroup, tables, contracts: asLoaded, ruleSets, loadDate: LOAD_DATE, datasets: ["transactions"], sleep: noWait });
    expect(figures(run.datasets)).to.deep.equal(figures(local.datasets.filter((d) => d.name === "transactions")));
    expect(local.datasets.find((d) => d.name === "transactions")!.rules.find((r) => r.kind === "references")!.total).to.be.greaterThan(0);
  });

  it("stops a query that never finishes when it times out, and names it on its rules", async () => {
    const client = await startFake({ neverFinishes: (sql) => sql.includes(`"${tables.processedDatabase}"."providers"`) && !sql.includes("LEFT JOIN") });
    const run = await runAthenaChecks({ client, workGroup: names.workgroup, tables, contracts, ruleSets, loadDate: LOAD_DATE, datasets: ["providers"], sleep: noWait, timeoutMs: 50 });
    const [providers] = run.datasets;
    expect(providers!.rules.every((r) => r.status === "error")).to.equal(true);
    expect(providers!.rules[0]!.message).to.match(/Athena query [0-9a-f-]{36} \(providers rule counts\) TIMED_OUT: still RUNNING/);
    expect(fake!.stopped).to.have.length(1);
    expect(fake!.executions.get(fake!.stopped[0]!)!.state).to.equal("CANCELLED");
  });

  it("reports a FAILED query's reason on its rules only", async () => {
    const client = await startFake({ failure: (sql) => (sql.includes("LEFT JOIN") && sql.includes(`"${tables.curatedDatabase}"."customers"`) ? "HIVE_CURSOR_ERROR: Failed to read Parquet file" : undefined) });
    const run = await runAthenaChecks({ client, workGroup: names.workgroup, tables, contracts, ruleSets, loadDate: LOAD_DATE, datasets: ["transactions"], sleep: noWait });
    const rules = run.datasets[0]!.rules;
    const references = rules.find((r) => r.kind === "references")!;
    expect(references.status).to.equal("error");
    expect(references.message).to.match(/\(transactions references to customers\) FAILED: HIVE_CURSOR_ERROR/);
    expect(rules.filter((r) => r.status === "error")).to.have.length(1);
  });

  it("retries throttled calls with backoff beyond the SDK's retries, then gives the rule figures", async () => {
    let throttled = 0;
    const client = await startFake({ throttle: (operation) => operation === "GetQueryExecution" && throttled++ < 5 }, 2);
    const delays: number[] = [];
    const run = await runAthenaChecks({
      client, workGroup: names.workgroup, tables, contracts, ruleSets, loadDate: LOAD_DATE, datasets: ["providers"],
      sleep: async (ms) => void delays.push(ms), random: () => 0.5, backoffBaseMs: 100,
    });
    expect(figures(run.datasets)).to.deep.equal(figures(local.datasets.filter((d) => d.name === "providers")));
    expect(delays.filter((d) => d >= 50)).to.not.be.empty;
  });

  it("after the bound, reports throttling as an error naming the query, and stops the query it started", async () => {
    const client = await startFake({ throttle: (operation) => operation === "GetQueryExecution" }, 2);
    const run = await runAthenaChecks({ client, workGroup: names.workgroup, tables, contracts, ruleSets, loadDate: LOAD_DATE, datasets: ["customers"], sleep: noWait, throttleRetries: 2 });
    const rule = run.datasets[0]!.rules[0]!;
    expect(rule.status).to.equal("error");
    expect(rule.message).to.match(/Athena query [0-9a-f-]{36} \(customers rule counts\) was throttled: GetQueryExecution still refused after 3 attempts/);
    expect(fake!.stopped).to.have.length(1);
  });

  it("on abort, stops every running query and rejects", async () => {
    const client = await startFake({ neverFinishes: () => true });
    const controller = new AbortController();
    const runner = new AthenaQueryRunner({ client, workGroup: names.workgroup, signal: controller.signal, pollIntervalMs: 20 });
    const running = runAthenaChecks({ client, workGroup: names.workgroup, tables, contracts, ruleSets, loadDate: LOAD_DATE }, runner);
    while (fake!.executions.size < 3) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new QueriesAbortedError("interrupted"));
    let error: unknown;
    try {
      await running;
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(QueriesAbortedError);
    expect(fake!.stopped.sort()).to.deep.equal([...fake!.executions.keys()].sort());
    expect([...fake!.executions.values()].every((e) => e.state === "CANCELLED")).to.equal(true);
  });

  it("runs the datasets' queries concurrently, a few at a time", async () => {
    const client = await startFake({ neverFinishes: () => true });
    const controller = new AbortController();
    const runner = new AthenaQueryRunner({ client, workGroup: names.workgroup, signal: controller.signal, pollIntervalMs: 20 });
    const running = runAthenaChecks({ client, workGroup: names.workgroup, tables, contracts, ruleSets, loadDate: LOAD_DATE, concurrency: 2 }, runner).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake!.executions.size).to.equal(2);
    controller.abort(new QueriesAbortedError("done looking"));
    await running;
  });
});
