import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { failureOf, LakeInputError } from "../../src/errors";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { runLoad } from "../../src/pipeline/load";
import { LakeLock } from "../../src/pipeline/lock";
import { CommitIncompleteError, recover, setFailPoint, withRecoveredLake } from "../../src/pipeline/transaction";
import { listFiles, snapshot, tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const HEADER = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,transaction_date\n";
const trades = (id: string, date: string) => writeFiles(tempDir("in"), { "transactions.csv": `${HEADER}${id},buy,P1,1,1,${date}\n` });
const load = (input: string, lake: string, loadDate = "2024-05-01") => runLoad({ inputDir: input, lakeDir: lake, loadDate, contracts });

/** A process holding the lake's lock until it is killed. */
async function holder(lake: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const script = `require(${JSON.stringify(path.join(PROJECT_ROOT, "src/pipeline/lock.ts"))}).LakeLock.acquire(${JSON.stringify(lake)}, "lake run --load-date 2024-05-09").then(() => { console.log("held"); setInterval(() => {}, 1000); })`;
  // node itself (not the tsx wrapper, which forks), so that the pid and the kill are the holder's.
  const child = spawn(process.execPath, ["--require", "tsx/cjs", "-e", script], { stdio: ["ignore", "pipe", "inherit"], cwd: PROJECT_ROOT });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => (d.toString().includes("held") ? resolve() : undefined));
    child.on("exit", (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return {
    pid: child.pid ?? 0,
    kill: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.on("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}

describe("the lake's lock and transactions", function () {
  this.timeout(60_000);
  afterEach(() => setFailPoint(undefined));

  it("refuses a second command on the lake, naming the holder and the fix; a killed holder leaves no lock behind", async () => {
    const lake = tempDir("lake");
    const other = await holder(lake);
    try {
      const error = await load(trades("T1", "2024-03-01"), lake).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(LakeInputError);
      expect((error as Error).message).to.match(
        new RegExp(`this lake is in use by \`lake run --load-date 2024-05-09\` \\(process ${other.pid} on .*, since .*\\); wait for it to finish and run the command again\\. If that process hangs, stop it \\(kill ${other.pid}\\)`),
      );
    } finally {
      await other.kill();
    }
    // kill -9: the kernel released the lock with the process; no stale lock to clear by hand.
    const result = await load(trades("T1", "2024-03-01"), lake);
    expect(result.datasets[0].rows.processed).to.equal(1);
  });

  it("refuses a second lock taken by the same process", async () => {
    const lake = tempDir("lake");
    const first = await LakeLock.acquire(lake, "lake check");
    try {
      const error = await LakeLock.acquire(lake, "lake run").then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).to.match(/this lake is in use by `lake check` \(process \d+/);
    } finally {
      first.release();
    }
  });

  it("an I/O error after the commit plan is written leaves the lake recoverable, and the next command completes it", async () => {
    const lake = tempDir("lake");
    await load(trades("T1", "2024-03-01"), lake);
    const expected = tempDir("lake");
    await load(trades("T1", "2024-03-01"), expected);
    await load(trades("T2", "2024-03-02"), expected);
    // Step 0 writes the plan; step 2 is the second file operation of applying it.
    setFailPoint({ step: 2, action: "ENOSPC" });
    const error = await load(trades("T2", "2024-03-02"), lake).then(() => undefined, (e: unknown) => e);
    setFailPoint(undefined);
    expect(error).to.be.instanceOf(CommitIncompleteError);
    expect(failureOf(error).exitCode).to.equal(2);
    expect((error as Error).message).to.match(/the load 2024-05-01 \(transactions\) is committed but could not be moved into place: .*no space left on the device \(ENOSPC\).*run any lake command on this lake/);
    expect(listFiles(lake).some((f) => f.endsWith("COMMIT.json")), "the plan is kept").to.equal(true);
    const messages: string[] = [];
    await withRecoveredLake(lake, "lake check", async () => undefined, (m) => messages.push(m));
    expect(messages).to.deep.equal(["recovered: completed the interrupted commit of the load 2024-05-01 (transactions)"]);
    expect(await snapshot(lake)).to.deep.equal(await snapshot(expected));
  });

  it("an I/O error before the plan is written leaves the previous state, and the error says the fix (exit 2)", async () => {
    const lake = tempDir("lake");
    await load(trades("T1", "2024-03-01"), lake);
    const before = await snapshot(lake);
    setFailPoint({ step: 0, action: "EACCES" });
    const error = await load(trades("T2", "2024-03-02"), lake).then(() => undefined, (e: unknown) => e);
    setFailPoint(undefined);
    expect(failureOf(error)).to.deep.include({ exitCode: 2 });
    expect(failureOf(error).message).to.match(/permission denied \(EACCES\); give your user write access/);
    expect(await snapshot(lake)).to.deep.equal(before);
    expect(fs.existsSync(path.join(lake, "_staging"))).to.equal(false);
  });

  it("moves files across file systems when a layer folder is a link to another disk (EXDEV)", async function () {
    const other = "/dev/shm";
    if (!fs.existsSync(other) || fs.statSync(other).dev === fs.statSync(tempDir("probe")).dev) this.skip();
    const lake = tempDir("lake");
    const away = fs.mkdtempSync(path.join(other, "energy-lake-curated-"));
    fs.symlinkSync(away, path.join(lake, "curated"));
    try {
      await load(trades("T1", "2024-03-01"), lake);
      await load(trades("T2", "2024-03-02"), lake);
      expect(fs.lstatSync(path.join(lake, "curated")).isSymbolicLink()).to.equal(true);
      expect(listFiles(away)).to.deep.equal(["transactions/trade_month=2024-03/_part-0.keys", "transactions/trade_month=2024-03/part-0.parquet"]);
    } finally {
      fs.rmSync(away, { recursive: true, force: true });
    }
  });

  it("discards an unfinished staging folder left by a killed load at the next command, saying how much", async () => {
    const lake = tempDir("lake");
    await load(trades("T1", "2024-03-01"), lake);
    writeFiles(path.join(lake, "_staging", "123-dead"), { "processed/transactions/x.parquet": Buffer.alloc(4096) });
    const lock = await LakeLock.acquire(lake, "lake check");
    try {
      expect(recover(lock)).to.deep.equal(["recovered: discarded unfinished work 123-dead (4 KiB) left by an interrupted command; the lake keeps its previous state"]);
    } finally {
      lock.release();
    }
    expect(fs.existsSync(path.join(lake, "_staging"))).to.equal(false);
  });
});
