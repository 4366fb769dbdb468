import * as fs from "fs";
import * as path from "path";
import { loadContracts } from "../src/model/contracts";
import { curatedFiles } from "../src/pipeline/layout";
import { runLoad } from "../src/pipeline/load";
import { DAILY_CORRECTIONS, DAILY_TRADES, dailyExport, dayDate, KeyOrder } from "./data";
import { measure, Sample, Stat, stat } from "./measure";

/**
 * Load and check time against the number of prior loads. A lake is built with real daily loads
 * (lake run on each day's export); at each depth N, each run r loads day N+r into that lake and
 * the same export into an empty lake, one after the other, then checks both loads. Every ratio
 * is taken within its run (history / empty), so a machine busier in one run than another moves
 * both figures together.
 */

export interface HistoryFigures {
  readonly keys: KeyOrder;
  readonly priorLoads: number;
  /** Curated files of transactions in the lake before the measured loads. */
  readonly curatedFiles: number;
  readonly empty: { readonly load: Figures; readonly check: Figures };
  readonly history: { readonly load: Figures; readonly check: Figures };
  /** history / empty, per run. */
  readonly ratio: { readonly loadWall: Stat; readonly loadCpu: Stat; readonly checkWall: Stat; readonly checkCpu: Stat; readonly loadPeak: Stat; readonly checkPeak: Stat };
  /** Files one load wrote per dataset, in the lake with history (max over runs). */
  readonly filesWritten: Record<string, number>;
  /** Curated partitions of transactions the load wrote, in the lake with history (max over runs). */
  readonly curatedPartitions: number;
  /** Curated files of transactions whose rows the merge read (the key indexes' candidates; max over runs). */
  readonly curatedFilesRead: number;
  /** Key indexes of transactions whose hashes the merge read (files whose key range holds one of the load's keys; max over runs). */
  readonly keyIndexesRead?: number;
}

export interface Figures {
  readonly wall: Stat;
  readonly cpu: Stat;
  readonly peakMiB: Stat;
}

const figures = (samples: readonly Sample[]): Figures => ({
  wall: stat(samples.map((s) => s.wall)),
  cpu: stat(samples.map((s) => s.cpu)),
  peakMiB: stat(samples.map((s) => s.peakBytes / 2 ** 20)),
});

interface LoadDetail {
  readonly datasets: readonly { readonly name: string; readonly filesWritten: number; readonly curated: { readonly partitions: readonly string[]; readonly mode: string; readonly filesRead: number; readonly keyIndexesRead: number } }[];
}

/** Measures at each depth of `depths` (ascending), growing one lake from the first load on. */
export async function benchHistory(work: string, depths: readonly number[], runs: number, keys: KeyOrder, log: (line: string) => void): Promise<HistoryFigures[]> {
  const contracts = loadContracts();
  const lake = path.join(work, `history-${keys}`);
  const exportOf = (day: number): Promise<string> => dailyExport(day, path.join(work, `day-${keys}-${day}`), keys);
  const results: HistoryFigures[] = [];
  let day = 0;
  for (const depth of depths) {
    const building = Date.now();
    for (; day < depth; day++) {
      const input = await exportOf(day);
      await runLoad({ inputDir: input, lakeDir: lake, loadDate: dayDate(day), contracts });
      fs.rmSync(input, { recursive: true, force: true });
    }
    if (Date.now() - building > 1000) log(`history (${keys} keys): ${depth} prior loads built in ${((Date.now() - building) / 1000).toFixed(0)} s`);
    const transactions = contracts.find((c) => c.name === "transactions");
    const filesBefore = transactions === undefined ? 0 : curatedFiles(lake, transactions).length;
    const samples = { emptyLoad: [] as Sample[], emptyCheck: [] as Sample[], load: [] as Sample[], check: [] as Sample[] };
    for (let run = 0; run < runs; run++, day++) {
      const input = await exportOf(day);
      const empty = path.join(work, `empty-${keys}-${day}`);
      const loadDate = dayDate(day);
      samples.emptyLoad.push(await measure({ kind: "load", input, lake: empty, loadDate }));
      samples.load.push(await measure({ kind: "load", input, lake, loadDate }));
      samples.emptyCheck.push(await measure({ kind: "check", lake: empty, loadDate }));
      samples.check.push(await measure({ kind: "check", lake, loadDate }));
      fs.rmSync(empty, { recursive: true, force: true });
      fs.rmSync(input, { recursive: true, force: true });
    }
    const perRun = (f: (i: number) => number): Stat => stat(samples.load.map((_, i) => f(i)));
    const filesWritten: Record<string, number> = {};
    let curatedPartitions = 0;
    let curatedFilesRead = 0;
    let keyIndexesRead = 0;
    for (const sample of samples.load) {
      for (const d of (sample.detail as unknown as LoadDetail).datasets) {
        filesWritten[d.name] = Math.max(filesWritten[d.name] ?? 0, d.filesWritten);
        if (d.name === "transactions") curatedPartitions = Math.max(curatedPartitions, d.curated.partitions.length);
        if (d.name === "transactions") curatedFilesRead = Math.max(curatedFilesRead, d.curated.filesRead);
        if (d.name === "transactions") keyIndexesRead = Math.max(keyIndexesRead, d.curated.keyIndexesRead);
        if (d.curated.mode !== "incremental") throw new Error(`history bench: the load of ${d.name} rebuilt curated; a daily load must merge`);
      }
    }
    const figure: HistoryFigures = {
      keys,
      priorLoads: depth,
      curatedFiles: filesBefore,
      empty: { load: figures(samples.emptyLoad), check: figures(samples.emptyCheck) },
      history: { load: figures(samples.load), check: figures(samples.check) },
      ratio: {
        loadWall: perRun((i) => samples.load[i].wall / samples.emptyLoad[i].wall),
        loadCpu: perRun((i) => samples.load[i].cpu / samples.emptyLoad[i].cpu),
        checkWall: perRun((i) => samples.check[i].wall / samples.emptyCheck[i].wall),
        checkCpu: perRun((i) => samples.check[i].cpu / samples.emptyCheck[i].cpu),
        loadPeak: perRun((i) => samples.load[i].peakBytes / samples.emptyLoad[i].peakBytes),
        checkPeak: perRun((i) => samples.check[i].peakBytes / samples.emptyCheck[i].peakBytes),
      },
      filesWritten,
      curatedPartitions,
      curatedFilesRead,
      keyIndexesRead,
    };
    log(
      `history (${keys} keys): ${depth} prior loads: load ${figure.ratio.loadCpu.median.toFixed(2)}x CPU, ${figure.ratio.loadWall.median.toFixed(2)}x wall; ` +
        `check ${figure.ratio.checkCpu.median.toFixed(2)}x CPU, ${figure.ratio.checkWall.median.toFixed(2)}x wall of the same load into an empty lake`,
    );
    results.push(figure);
  }
  return results;
}

export const DAILY_LOAD = `${DAILY_TRADES.toLocaleString("en-US")} new trades + ${DAILY_CORRECTIONS} corrections of the previous day, the 500 providers and 20,000 customers`;
