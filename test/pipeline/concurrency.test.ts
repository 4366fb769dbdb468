import { expect } from "chai";
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { readLoadRecords } from "../../src/pipeline/load";
import { listFiles, query, tempDir, writeFiles } from "../support/lake";

/**
 * The concurrency property (issue 7): two loads racing for one lake's lock, many times, from two
 * processes released at the same instant. Exactly one holds the lock at a time (when both win,
 * one started after the other had finished); the loser is refused naming the holder; the lake
 * holds the winner's load whole, and the loads of earlier rounds are untouched.
 */

const ROUNDS = 12;
const HEADER = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,transaction_date\n";

interface Outcome {
  readonly won: boolean;
  readonly held?: { from: number; to: number };
  readonly error?: string;
}

class Racer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = "";
  private waiting: ((line: string) => void) | undefined;

  constructor() {
    this.child = spawn(process.execPath, ["--require", "tsx/cjs", path.join(PROJECT_ROOT, "test/support/lock-racer.ts")], { cwd: PROJECT_ROOT });
    this.child.stderr.on("data", () => undefined);
    this.child.stdout.on("data", (data: Buffer) => {
      this.buffered += data.toString();
      let at: number;
      while ((at = this.buffered.indexOf("\n")) >= 0) {
        const line = this.buffered.slice(0, at);
        this.buffered = this.buffered.slice(at + 1);
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve?.(line);
      }
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private send(line: string): Promise<string> {
    const reply = new Promise<string>((resolve) => (this.waiting = resolve));
    this.child.stdin.write(`${line}\n`);
    return reply;
  }

  prepare(job: { lake: string; input: string; loadDate: string; holdMs: number }): Promise<string> {
    return this.send(JSON.stringify(job));
  }

  async go(): Promise<Outcome> {
    return JSON.parse(await this.send("go")) as Outcome;
  }

  stop(): void {
    this.child.kill();
  }
}

describe("concurrency property: two loads racing for the lock", function () {
  this.timeout(600_000);
  const racers: Racer[] = [];

  before(() => racers.push(new Racer(), new Racer()));
  after(() => racers.forEach((r) => r.stop()));

  it(`exactly one holds the lake at a time over ${ROUNDS} races, and nothing of the winner's load is deleted`, async () => {
    const shared = tempDir("race-shared");
    let contested = 0;
    const kept = new Map<string, { lake: string; file: string; id: string }>();
    for (let round = 0; round < ROUNDS; round++) {
      // Odd rounds on a new lake: the two also race to create the lock file.
      const lake = round % 2 === 1 ? path.join(tempDir("race-new"), "lake") : shared;
      const loadDate = `2024-06-${String(1 + Math.floor(round / 2)).padStart(2, "0")}`;
      const ids = racers.map((_, i) => `R${round}-${i}`);
      const inputs = ids.map((id, i) => writeFiles(tempDir("race-in"), { [`transactions_${i}.csv`]: `${HEADER}${id},buy,P1,${round + 1},1,2024-03-0${1 + i}\n` }));
      for (const [i, racer] of racers.entries()) expect(await racer.prepare({ lake, input: inputs[i], loadDate, holdMs: 800 })).to.equal("ready");
      const outcomes = await Promise.all(racers.map((r) => r.go()));

      const winners = outcomes.flatMap((o, i) => (o.won ? [i] : []));
      expect(winners.length, `round ${round}: ${JSON.stringify(outcomes)}`).to.be.greaterThan(0);
      if (winners.length === 2) {
        const [a, b] = outcomes.map((o) => o.held!);
        expect(a.to <= b.from || b.to <= a.from, `round ${round}: both held the lock at once ${JSON.stringify(outcomes)}`).to.equal(true);
      } else {
        contested++;
        const loser = outcomes.findIndex((o) => !o.won);
        expect(outcomes[loser].error, JSON.stringify(outcomes)).to.match(new RegExp(`this lake is in use by \`lake run --load-date ${loadDate} \\(racer ${racers[winners[0]].pid}\\)\` \\(process ${racers[winners[0]].pid} on `));
      }
      // The last to win holds the date: its file and its row, whole; the loser left nothing behind.
      const last = winners.length === 1 ? winners[0] : outcomes[0].held!.from > outcomes[1].held!.from ? 0 : 1;
      const records = readLoadRecords(lake, loadDate);
      expect(records.map((r) => [r.dataset, r.files.map((f) => path.basename(f.raw_path))])).to.deep.equal([["transactions", [`transactions_${last}.csv`]]]);
      const rows = await query(`SELECT transaction_id FROM read_parquet('${path.join(lake, "processed/transactions", `load_date=${loadDate}`)}/*.parquet')`);
      expect(rows).to.deep.equal([{ transaction_id: ids[last] }]);
      expect(listFiles(lake).filter((f) => f.startsWith("_staging"))).to.deep.equal([]);
      kept.set(`${lake} ${loadDate}`, { lake, file: path.join(lake, "raw/transactions", `load_date=${loadDate}`, `transactions_${last}.csv`), id: ids[last] });
    }
    // Every earlier round's load is still in its lake.
    for (const { file, id } of kept.values()) expect(fs.readFileSync(file, "utf8")).to.include(id);
    expect(contested, "rounds in which the two loads really overlapped").to.be.greaterThan(ROUNDS / 2);
  });
});
