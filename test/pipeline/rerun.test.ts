import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { readLoadRecords, runLoad } from "../../src/pipeline/load";
import { listFiles, snapshot, tempDir, writeFiles } from "../support/lake";
import { quietly } from "../support/quietly";
import { checkCommand } from "../../src/cli/commands/check";
import { runAndCheck } from "../../src/cli/commands/run";

/**
 * Partial re-runs (issue 7): a re-run of a load date replaces the whole load of that date, or,
 * with --dataset, exactly the datasets named; the run's report and `lake check` describe the same load.
 */

const contracts = loadContracts();
const TRADES = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,transaction_date\n";
const CUSTOMERS = "customer_id,id_type,customer_name,city\n";
const trades = (rows: string) => ({ "transactions.csv": `${TRADES}${rows}` });
const customers = (rows: string) => ({ "customers.csv": `${CUSTOMERS}${rows}` });
const load = (files: Record<string, string>, lake: string, loadDate: string, datasets?: readonly string[]) =>
  runLoad({ inputDir: writeFiles(tempDir("in"), files), lakeDir: lake, loadDate, contracts, datasets });

const D1 = "2024-05-01";
const D2 = "2024-05-02";

describe("re-running a load date: what it replaces", function () {
  this.timeout(300_000);

  it("replaces the whole load of the date: a dataset the input no longer has leaves it, and curated gets back the rows it had replaced", async () => {
    const lake = tempDir("lake");
    await load(trades("T1,buy,P1,1,1,2024-03-01\n"), lake, D1);
    await load({ ...trades("T1,sell,P1,9,9,2024-03-01\nT2,buy,P1,2,2,2024-03-02\n"), ...customers("C1,cc,Ana,Cali\n") }, lake, D2);
    const rerun = await load(customers("C1,cc,Ana,Cali\n"), lake, D2);

    expect(rerun.removed.map((r) => r.name)).to.deep.equal(["transactions"]);
    expect(rerun.removed[0].curated?.mode).to.equal("rebuild");
    expect(rerun.removed[0].message).to.match(/^transactions removed from the load of 2024-05-02: the load of 2024-05-02 is replaced as a whole and this run has no export of transactions; .* pass --dataset$/);
    expect(readLoadRecords(lake, D2).map((r) => r.dataset)).to.deep.equal(["customers"]);
    expect(listFiles(lake).filter((f) => f.includes("transactions") && f.includes(D2))).to.deep.equal([]);

    // The same lake as if the date had only ever held the customers: T1 back to its D1 row, T2 gone.
    const expected = tempDir("lake");
    await load(trades("T1,buy,P1,1,1,2024-03-01\n"), expected, D1);
    await load(customers("C1,cc,Ana,Cali\n"), expected, D2);
    expect(await snapshot(lake)).to.deep.equal(await snapshot(expected));
  });

  it("with --dataset replaces only the datasets named: the date's others stay byte for byte, their files in the input named as not loaded", async () => {
    const lake = tempDir("lake");
    await load({ ...trades("T1,buy,P1,1,1,2024-03-01\n"), ...customers("C1,cc,Ana,Cali\n") }, lake, D1);
    const tradesBefore = Object.fromEntries(Object.entries(await snapshot(lake)).filter(([f]) => f.includes("transactions")));
    const recordBefore = fs.readFileSync(path.join(lake, "quality", D1, "load-transactions.json"), "utf8");

    const rerun = await load({ ...trades("T9,buy,P1,1,1,2024-03-09\n"), ...customers("C2,cc,Eva,Lima\n") }, lake, D1, ["customers"]);
    expect(rerun.datasets.map((d) => d.name)).to.deep.equal(["customers"]);
    expect(rerun.removed).to.deep.equal([]);
    expect(rerun.skipped.map((s) => [path.basename(s.file), s.reason])).to.deep.equal([
      ["transactions.csv", "an export of transactions, which --dataset does not name: the load of 2024-05-01 keeps transactions as it is"],
    ]);
    const after = await snapshot(lake);
    expect(Object.fromEntries(Object.entries(after).filter(([f]) => f.includes("transactions")))).to.deep.equal(tradesBefore);
    expect(fs.readFileSync(path.join(lake, "quality", D1, "load-transactions.json"), "utf8")).to.equal(recordBefore);
    expect(readLoadRecords(lake, D1).map((r) => r.dataset)).to.deep.equal(["customers", "transactions"]);
  });

  it("refuses --dataset naming a dataset no contract describes, or one the input has no export of", async () => {
    const lake = tempDir("lake");
    const unknown = await load(customers("C1,cc,Ana,Cali\n"), lake, D1, ["clients"]).then(() => undefined, (e: unknown) => e);
    expect(unknown).to.be.instanceOf(LakeInputError);
    expect((unknown as Error).message).to.equal("--dataset clients: no such dataset; the contracts describe customers, providers, transactions");
    const absent = await load(customers("C1,cc,Ana,Cali\n"), lake, D1, ["providers"]).then(() => undefined, (e: unknown) => e);
    expect((absent as Error).message).to.match(/^--dataset providers: .* holds no export of it; it has customers$/);
    expect(listFiles(lake).filter((f) => !f.startsWith(".lake.lock"))).to.deep.equal([]);
  });

  it("the run's report and lake check describe the same load after a partial re-run", async () => {
    const lake = tempDir("lake");
    const dir = tempDir("reports");
    const model = { contractsDir: path.join(PROJECT_ROOT, "contracts"), rulesDir: path.join(PROJECT_ROOT, "quality-rules") };
    const both = writeFiles(tempDir("in"), { ...trades("T1,buy,P1,1,1,2024-03-01\n"), ...customers("C1,cc,Ana,Cali\n") });
    const onlyCustomers = writeFiles(tempDir("in"), customers("C1,cc,Ana,Cali\n"));
    const run = (input: string, out: string, datasets?: string[]) => quietly(() => runAndCheck({ input, lake, loadDate: D1, format: "json", out: path.join(dir, out), ...model, checks: true, datasets }));
    const check = (out: string) => quietly(() => checkCommand(["--lake", lake, "--load-date", D1, "--format", "json", "--out", path.join(dir, out)]));
    const datasetsOf = (file: string) => (JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { datasets: { name: string; rows: unknown }[] }).datasets.map((d) => [d.name, d.rows]);

    expect(await run(both, "first.json")).to.be.oneOf([0, 1]);
    expect(await run(onlyCustomers, "partial.json", ["customers"])).to.be.oneOf([0, 1]);
    expect(await check("check-partial.json")).to.be.oneOf([0, 1]);
    expect(datasetsOf("partial.json").map(([name]) => name)).to.deep.equal(["customers", "transactions"]);
    expect(datasetsOf("check-partial.json")).to.deep.equal(datasetsOf("partial.json"));

    expect(await run(onlyCustomers, "whole.json")).to.be.oneOf([0, 1]);
    expect(await check("check-whole.json")).to.be.oneOf([0, 1]);
    expect(datasetsOf("whole.json").map(([name]) => name)).to.deep.equal(["customers"]);
    expect(datasetsOf("check-whole.json")).to.deep.equal(datasetsOf("whole.json"));
  });

  it("lake run says which datasets left the load, and how to keep them", () => {
    const lake = tempDir("lake");
    const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
    const both = writeFiles(tempDir("in"), { ...trades("T1,buy,P1,1,1,2024-03-01\n"), ...customers("C1,cc,Ana,Cali\n") });
    expect(spawnSync(lakeBin, ["run", "--input", both, "--lake", lake, "--load-date", D1, "--no-checks"], { encoding: "utf8" }).status).to.equal(0);
    const whole = spawnSync(lakeBin, ["run", "--input", writeFiles(tempDir("in"), customers("C1,cc,Ana,Cali\n")), "--lake", lake, "--load-date", D1, "--no-checks"], { encoding: "utf8" });
    expect(whole.status, whole.stderr).to.equal(0);
    expect(whole.stderr).to.match(/warning: transactions removed from the load of 2024-05-01: .*to re-run some datasets of a date and keep the others, pass --dataset\n/);
  });
});
