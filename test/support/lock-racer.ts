/**
 * One contender of the concurrency test (test/pipeline/concurrency.test.ts): reads a job per line
 * on stdin ({ lake, input, loadDate, holdMs }), says "ready", and on "go" runs the load as
 * `lake run` does (the lock taken by the load, kept `holdMs` longer as for the checks and the
 * report), then prints what happened as one JSON line.
 */
import * as readline from "readline";
import { loadContracts } from "../../src/model/contracts";
import { runLoad } from "../../src/pipeline/load";
import { withLakeLock } from "../../src/pipeline/lock";

interface Job {
  readonly lake: string;
  readonly input: string;
  readonly loadDate: string;
  readonly holdMs: number;
}

const contracts = loadContracts();
const lines = readline.createInterface({ input: process.stdin });
let job: Job | undefined;

lines.on("line", (line) => {
  if (line !== "go") {
    job = JSON.parse(line) as Job;
    process.stdout.write("ready\n");
    return;
  }
  const { lake, input, loadDate, holdMs } = job!;
  let held: { from: number; to: number } | undefined;
  withLakeLock(lake, `lake run --load-date ${loadDate} (racer ${process.pid})`, async (lock) => {
    const from = Date.now();
    const result = await runLoad({ inputDir: input, lakeDir: lake, loadDate, contracts, lock });
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    held = { from, to: Date.now() };
    return result;
  }).then(
    (result) => process.stdout.write(`${JSON.stringify({ won: true, held, rows: result.datasets.map((d) => d.rows) })}\n`),
    (err: unknown) => process.stdout.write(`${JSON.stringify({ won: false, error: (err as Error).message })}\n`),
  );
});
