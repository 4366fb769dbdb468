import { DuckDBInstance } from "@duckdb/node-api";
import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { loadSummaryText } from "../../src/cli/commands/run";
import { renderMarkdown } from "../../src/report/render-markdown";
import { runLoad } from "../../src/pipeline/load";
import { indexOfFile, readKeyHashes, readKeyIndexHeader } from "../../src/pipeline/key-index";
import { listFiles, query, tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const HEADER = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date\n";

/** A transactions export: [id, quantity, trade date] per row. */
function trades(rows: readonly [string, number, string][]): string {
  return HEADER + rows.map(([id, q, date]) => `${id},buy,P1,${q},1,wind,${date}\n`).join("");
}

async function load(lake: string, loadDate: string, files: Record<string, string>) {
  return runLoad({ inputDir: writeFiles(tempDir("in"), files), lakeDir: lake, loadDate, contracts });
}

async function curated(lake: string): Promise<{ id: string; q: number; load: string; month: string }[]> {
  const rows = await query(
    `SELECT transaction_id AS id, CAST(quantity_kwh AS INTEGER) AS q, CAST(_load_date AS VARCHAR) AS load, regexp_extract(filename, 'trade_month=([^/]+)', 1) AS month ` +
      `FROM read_parquet('${lake}/curated/transactions/*/*.parquet', filename = true, hive_partitioning = false) ORDER BY id`,
  );
  return rows as { id: string; q: number; load: string; month: string }[];
}

const transactionsOf = (result: Awaited<ReturnType<typeof load>>) => {
  const dataset = result.datasets.find((d) => d.name === "transactions");
  if (!dataset) throw new Error("no transactions in the load");
  return dataset;
};

/** Modification times of every curated file, to see which ones a load left alone. */
function mtimes(lake: string): Record<string, number> {
  const dir = path.join(lake, "curated/transactions");
  return Object.fromEntries(listFiles(dir).map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));
}

describe("curated: merged incrementally, one row per key", () => {
  it("partitions by trade month and writes only the partitions a load's keys touch", async () => {
    const lake = tempDir("lake");
    const first = transactionsOf(await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T2", 2, "2024-04-02"], ["T3", 3, "2024-04-20"]]) }));
    expect(first.curated).to.include({ mode: "incremental", rows: 3, filesWritten: 2, filesRemoved: 0 });
    expect(first.curated.partitions).to.deep.equal(["2024-03", "2024-04"]);
    const before = mtimes(lake);

    const second = transactionsOf(await load(lake, "2024-05-02", { "transactions.csv": trades([["T4", 4, "2024-05-01"], ["T5", 5, "2024-05-01"]]) }));
    expect(second.curated).to.include({ mode: "incremental", rows: 5, replaced: 0, filesWritten: 1 });
    expect(second.curated.partitions).to.deep.equal(["2024-05"]);
    const after = mtimes(lake);
    for (const [file, mtime] of Object.entries(before)) expect(after[file], `${file} untouched`).to.equal(mtime);
    expect(Object.keys(after)).to.deep.equal([
      "trade_month=2024-03/_part-0.keys", "trade_month=2024-03/part-0.parquet",
      "trade_month=2024-04/_part-0.keys", "trade_month=2024-04/part-0.parquet",
      "trade_month=2024-05/_part-0.keys", "trade_month=2024-05/part-0.parquet",
    ]);
  });

  it("keeps a key once when a later load moves it to another period, and adds a file per load to a period", async () => {
    const lake = tempDir("lake");
    await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T2", 2, "2024-03-06"], ["T3", 3, "2024-04-01"]]) });
    const moved = transactionsOf(await load(lake, "2024-05-02", { "transactions.csv": trades([["T1", 9, "2024-04-30"], ["T4", 4, "2024-04-30"]]) }));
    expect(await curated(lake)).to.deep.equal([
      { id: "T1", q: 9, load: "2024-05-02", month: "2024-04" },
      { id: "T2", q: 2, load: "2024-05-01", month: "2024-03" },
      { id: "T3", q: 3, load: "2024-05-01", month: "2024-04" },
      { id: "T4", q: 4, load: "2024-05-02", month: "2024-04" },
    ]);
    // The March file is rewritten without T1; April gains a file for this load.
    expect(moved.curated).to.include({ mode: "incremental", rows: 4, replaced: 1, filesWritten: 2, filesRemoved: 0 });
    expect(listFiles(path.join(lake, "curated/transactions"))).to.deep.equal([
      "trade_month=2024-03/_part-0.keys", "trade_month=2024-03/part-0.parquet",
      "trade_month=2024-04/_part-0.keys", "trade_month=2024-04/_part-1.keys", "trade_month=2024-04/part-0.parquet", "trade_month=2024-04/part-1.parquet",
    ]);

    // A period emptied by the move disappears, its files' key indexes with them.
    await load(lake, "2024-05-03", { "transactions.csv": trades([["T2", 2, "2024-04-10"]]) });
    expect(listFiles(path.join(lake, "curated/transactions"))).to.deep.equal([
      "trade_month=2024-04/_part-0.keys", "trade_month=2024-04/_part-1.keys", "trade_month=2024-04/_part-2.keys",
      "trade_month=2024-04/part-0.parquet", "trade_month=2024-04/part-1.parquet", "trade_month=2024-04/part-2.parquet",
    ]);
    expect((await curated(lake)).map((r) => [r.id, r.month])).to.deep.equal([["T1", "2024-04"], ["T2", "2024-04"], ["T3", "2024-04"], ["T4", "2024-04"]]);
  });

  it("keeps the last row of a key repeated inside one load, and puts rows without a trade date in Hive's default partition", async () => {
    const lake = tempDir("lake");
    const result = transactionsOf(await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T1", 7, "2024-03-09"], ["T2", 2, ""]]) }));
    expect(result.rows).to.include({ processed: 3, curated: 2 });
    expect(await curated(lake)).to.deep.equal([
      { id: "T1", q: 7, load: "2024-05-01", month: "2024-03" },
      { id: "T2", q: 2, load: "2024-05-01", month: "__HIVE_DEFAULT_PARTITION__" },
    ]);
  });

  it("lets a backfilled older load lose to the newer rows curated holds, without a rebuild", async () => {
    const lake = tempDir("lake");
    await load(lake, "2024-05-02", { "transactions.csv": trades([["T1", 9, "2024-03-05"]]) });
    const backfill = transactionsOf(await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T2", 2, "2024-03-05"]]) }));
    expect(backfill.curated.mode).to.equal("incremental");
    expect(await curated(lake)).to.deep.equal([
      { id: "T1", q: 9, load: "2024-05-02", month: "2024-03" },
      { id: "T2", q: 2, load: "2024-05-01", month: "2024-03" },
    ]);
  });

  it("re-runs a load incrementally when it keeps its keys, and rebuilds (saying why) when it drops one", async () => {
    const lake = tempDir("lake");
    await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T2", 2, "2024-03-05"]]) });
    await load(lake, "2024-05-02", { "transactions.csv": trades([["T1", 9, "2024-03-05"], ["T3", 3, "2024-04-01"]]) });

    const corrected = transactionsOf(await load(lake, "2024-05-02", { "transactions.csv": trades([["T1", 8, "2024-03-05"], ["T3", 4, "2024-04-01"]]) }));
    expect(corrected.curated.mode).to.equal("incremental");
    expect((await curated(lake)).map((r) => [r.id, r.q])).to.deep.equal([["T1", 8], ["T2", 2], ["T3", 4]]);

    // T1 leaves the re-run: its row from the load of 2024-05-01 comes back.
    const rerun = await load(lake, "2024-05-02", { "transactions.csv": trades([["T3", 4, "2024-04-01"]]) });
    const dropped = transactionsOf(rerun);
    expect(dropped.curated.mode).to.equal("rebuild");
    expect(loadSummaryText(rerun)).to.match(/REBUILD[\s\S]*curated transactions rebuilt: the re-run of 2024-05-02/);
    expect(dropped.curated.reason).to.match(/re-run of 2024-05-02 no longer has 1 key\(s\) whose curated row came from its earlier run/);
    expect(await curated(lake)).to.deep.equal([
      { id: "T1", q: 1, load: "2024-05-01", month: "2024-03" },
      { id: "T2", q: 2, load: "2024-05-01", month: "2024-03" },
      { id: "T3", q: 4, load: "2024-05-02", month: "2024-04" },
    ]);
    const record = JSON.parse(fs.readFileSync(path.join(lake, "quality/2024-05-02/load-transactions.json"), "utf8")) as { curated: { mode: string } };
    expect(record.curated.mode).to.equal("rebuild");
    // The quality report of the load says so too.
    const report = await checkLoad({ lakeDir: lake, loadDate: "2024-05-02", contracts, ruleSets: loadRuleSets(contracts) });
    const dataset = report.datasets.find((d) => d.name === "transactions");
    expect(dataset?.curation).to.deep.include({ mode: "rebuild" });
    expect(dataset?.curation?.reason).to.match(/re-run of 2024-05-02 no longer has 1 key/);
    expect(renderMarkdown(report)).to.match(/curated rebuilt from every processed partition: the re-run of 2024-05-02/);
    const earlier = await checkLoad({ lakeDir: lake, loadDate: "2024-05-01", contracts, ruleSets: loadRuleSets(contracts) });
    expect(earlier.datasets.find((d) => d.name === "transactions")?.curation).to.deep.equal({ mode: "incremental", reason: null });
  });

  it("rules out by the key ranges in the indexes' headers the files that cannot hold a load's keys: ids from a sequence read one index", async () => {
    const lake = tempDir("lake");
    const id = (n: number): string => `T${String(n).padStart(6, "0")}`;
    const day = (d: number): [string, number, string][] => Array.from({ length: 20 }, (_, i) => [id(d * 20 + i), d, `2024-03-${String(1 + (i % 2) + d).padStart(2, "0")}`]);
    for (let d = 0; d < 6; d++) await load(lake, `2024-04-0${d + 1}`, { "transactions.csv": trades(day(d)) });
    // Day 6: twenty new trades and two corrections of day 5.
    const next = transactionsOf(await load(lake, "2024-04-07", { "transactions.csv": trades([...day(6), [id(100), 99, "2024-03-06"], [id(101), 99, "2024-03-07"]]) }));
    expect(next.curated).to.include({ mode: "incremental", keyIndexesRead: 1, filesRead: 1, filesWritten: 2, replaced: 2, rows: 140 });
    expect((await curated(lake)).filter((r) => r.q === 99).map((r) => r.id)).to.deep.equal([id(100), id(101)]);
  });

  it("finds a load's keys through the files' key indexes whatever their order, reading only the files that hold them", async () => {
    const lake = tempDir("lake");
    // Ids with no order (hashes): every file's min/max range spans every other file's.
    const id = (n: number): string => `T${crypto.createHash("md5").update(String(n)).digest("hex")}`;
    const months = ["2024-01-15", "2024-02-15", "2024-03-15"];
    for (let day = 0; day < 3; day++) {
      const rows = Array.from({ length: 30 }, (_, i): [string, number, string] => [id(day * 30 + i), day, months[i % 3]]);
      await load(lake, `2024-04-0${day + 1}`, { "transactions.csv": trades(rows) });
    }
    const files = listFiles(path.join(lake, "curated/transactions")).filter((f) => f.endsWith(".parquet"));
    expect(files).to.have.length(9);

    // New keys only: no curated file is read or rewritten, one file and its index written.
    const fresh = transactionsOf(await load(lake, "2024-04-04", { "transactions.csv": trades(Array.from({ length: 30 }, (_, i): [string, number, string] => [id(1000 + i), 9, "2024-03-20"])) }));
    expect(fresh.curated).to.include({ mode: "incremental", filesRead: 0, filesWritten: 1, filesRemoved: 0, keyIndexesWritten: 1, replaced: 0, rows: 120 });
    // Hashes have no order: every file's key range holds some of the load's keys, so every index's hashes are read.
    expect(fresh.curated.keyIndexesRead).to.equal(9);
    const before = mtimes(lake);

    // One key of the first load re-sent with a trade date in another month: only its file is read and rewritten, and it moves.
    const resent = id(1); // first load, month index 1 -> February
    const moved = transactionsOf(await load(lake, "2024-04-05", { "transactions.csv": trades([[resent, 7, "2024-03-02"], [id(2000), 7, "2024-03-02"]]) }));
    expect(moved.curated).to.include({ mode: "incremental", filesRead: 1, filesWritten: 2, filesRemoved: 0, keyIndexesWritten: 2, replaced: 1, rows: 121 });
    expect(moved.curated.partitions).to.deep.equal(["2024-02", "2024-03"]);
    const after = mtimes(lake);
    const rewritten = Object.keys(before).filter((f) => after[f] !== before[f]);
    // The February file and its index are written again; March gains a file and its index; no other file changes.
    expect(rewritten).to.deep.equal(["trade_month=2024-02/_part-0.keys", "trade_month=2024-02/part-0.parquet"]);
    expect(Object.keys(after).filter((f) => !(f in before))).to.deep.equal(["trade_month=2024-03/_part-4.keys", "trade_month=2024-03/part-4.parquet"]);
    const rows = await curated(lake);
    expect(rows).to.have.length(121);
    expect(new Set(rows.map((r) => r.id)).size).to.equal(121);
    expect(rows.find((r) => r.id === resent)).to.deep.equal({ id: resent, q: 7, load: "2024-04-05", month: "2024-03" });
  });

  it("rebuilds a missing, stale or foreign key index from its file, and merges correctly through it", async () => {
    const lake = tempDir("lake");
    await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T2", 2, "2024-04-05"]]) });
    await load(lake, "2024-05-02", { "transactions.csv": trades([["T3", 3, "2024-03-06"]]) });
    const march = path.join(lake, "curated/transactions/trade_month=2024-03/_part-1.keys");
    const april = path.join(lake, "curated/transactions/trade_month=2024-04/_part-0.keys");
    fs.rmSync(march);
    fs.writeFileSync(april, "not an index\n");
    // A lake written before indexes were per file has one per partition: it goes.
    const legacy = path.join(lake, "curated/transactions/trade_month=2024-03/_keys.idx");
    fs.writeFileSync(legacy, "{}\n");
    const result = transactionsOf(await load(lake, "2024-05-03", { "transactions.csv": trades([["T1", 9, "2024-03-05"], ["T2", 8, "2024-04-05"], ["T3", 7, "2024-03-06"]]) }));
    expect(result.curated).to.include({ mode: "incremental", replaced: 3, rows: 3 });
    expect((await curated(lake)).map((r) => [r.id, r.q, r.month])).to.deep.equal([["T1", 9, "2024-03"], ["T2", 8, "2024-04"], ["T3", 7, "2024-03"]]);
    expect(fs.existsSync(legacy)).to.equal(false);
    for (const index of listFiles(path.join(lake, "curated/transactions")).filter((f) => f.endsWith(".keys"))) {
      expect(fs.readFileSync(path.join(lake, "curated/transactions", index)).subarray(0, 60).toString(), index).to.match(/^\{"format":"energy-lake curated key index"/);
    }
    // A part file without an index (written by hand) is read: the key in it is found.
    const extra = path.join(lake, "curated/transactions/trade_month=2024-04/part-7.parquet");
    await query(`COPY (SELECT * REPLACE ('T4' AS transaction_id) FROM read_parquet('${lake}/curated/transactions/trade_month=2024-04/part-*.parquet', hive_partitioning = false) LIMIT 1) TO '${extra}' (FORMAT parquet)`);
    await load(lake, "2024-05-04", { "transactions.csv": trades([["T4", 5, "2024-03-01"]]) });
    expect((await curated(lake)).map((r) => [r.id, r.q, r.month])).to.deep.equal([["T1", 9, "2024-03"], ["T2", 8, "2024-04"], ["T3", 7, "2024-03"], ["T4", 5, "2024-03"]]);
    // An index of another byte size than its file is stale: a file replaced by hand (T2 made T9) is read again.
    const aprilFile = listFiles(path.join(lake, "curated/transactions/trade_month=2024-04")).filter((f) => f.endsWith(".parquet") && f !== "part-7.parquet")[0];
    const replaced = path.join(lake, "curated/transactions/trade_month=2024-04", aprilFile);
    await query(`COPY (SELECT * REPLACE ('T9' AS transaction_id) FROM read_parquet('${replaced}', hive_partitioning = false)) TO '${replaced}.tmp' (FORMAT parquet, COMPRESSION uncompressed)`);
    fs.renameSync(`${replaced}.tmp`, replaced);
    await load(lake, "2024-05-05", { "transactions.csv": trades([["T9", 6, "2024-03-01"]]) });
    expect((await curated(lake)).map((r) => [r.id, r.q, r.month])).to.deep.equal([["T1", 9, "2024-03"], ["T3", 7, "2024-03"], ["T4", 5, "2024-03"], ["T9", 6, "2024-03"]]);
  });

  it("writes with every curated file a key index that describes it as the file itself reads back, however the index was made", async () => {
    const lake = tempDir("lake");
    // New files from their rows (one per period), a file rewritten without a key (its index derived), a null trade date.
    await load(lake, "2024-05-01", { "transactions.csv": trades([["T1", 1, "2024-03-05"], ["T2", 2, "2024-03-06"], ["T3", 3, "2024-04-01"], ["T4", 4, ""]]) });
    await load(lake, "2024-05-02", { "transactions.csv": trades([["T1", 9, "2024-04-30"], ["T5", 5, "2024-04-30"]]) });
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const transactions = contracts.find((c) => c.name === "transactions");
      if (transactions === undefined) throw new Error("no transactions contract");
      const parts = listFiles(path.join(lake, "curated/transactions")).filter((f) => f.endsWith(".parquet"));
      expect(parts).to.have.length(4);
      for (const part of parts.map((f) => path.join(lake, "curated/transactions", f))) {
        const header = readKeyIndexHeader(part, transactions);
        expect(header, `${part}: a current index`).to.not.equal(undefined);
        if (header === undefined) continue;
        const fromFile = await indexOfFile(connection, transactions, part);
        expect(header.rows, part).to.equal(fromFile.header.rows);
        expect(header.bytes, part).to.equal(fromFile.header.bytes);
        // Bounds hold every key (a rewritten file keeps its old ones).
        if (fromFile.header.min !== null) expect(header.min !== null && header.min <= fromFile.header.min && (header.max ?? "") >= (fromFile.header.max ?? ""), part).to.equal(true);
        const hashes = readKeyHashes(part, header);
        expect([...hashes.hi], part).to.deep.equal([...fromFile.hashes.hi]);
        expect([...hashes.lo], part).to.deep.equal([...fromFile.hashes.lo]);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it("keeps one row per key, the latest load winning, over random sequences of loads, re-sends, moves, backfills and re-runs", async () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const lake = tempDir("lake");
    const pool = Array.from({ length: 25 }, (_, i) => `K${crypto.createHash("sha1").update(String(i)).digest("hex").slice(0, 8)}`);
    const months = ["2024-01-10", "2024-02-10", "2024-03-10", ""];
    /** The rows of each load date's latest run, in file order. */
    const runs = new Map<string, [string, number, string][]>();
    for (let step = 0; step < 8; step++) {
      const date = `2024-06-${String(1 + random(5)).padStart(2, "0")}`;
      const rows = Array.from({ length: 4 + random(6) }, (): [string, number, string] => [pool[random(pool.length)], step * 100 + random(100), months[random(months.length)]]);
      // A re-run may drop keys of the earlier run (a rebuild) or keep them all (a merge): both are exercised.
      const earlier = runs.get(date);
      const input = earlier !== undefined && random(2) === 0 ? [...earlier.filter(() => random(3) > 0), ...rows] : rows;
      runs.set(date, input);
      await load(lake, date, { "transactions.csv": trades(input) });
      const expected = new Map<string, { q: number; load: string; month: string }>();
      for (const date of [...runs.keys()].sort()) {
        for (const [id, q, trade] of runs.get(date) ?? []) expected.set(id, { q, load: date, month: trade === "" ? "__HIVE_DEFAULT_PARTITION__" : trade.slice(0, 7) });
      }
      const want = [...expected].map(([id, r]) => ({ id, ...r })).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(await curated(lake), `after step ${step} (load of ${date})`).to.deep.equal(want);
    }
  });

  it("keeps small datasets in one file, merged the same way", async () => {
    const lake = tempDir("lake");
    const header = "customer_id,id_type,customer_name,city\n";
    await load(lake, "2024-05-01", { "customers.csv": `${header}C2,cc,Eva,Lima\nC1,cc,Ana,Cali\n` });
    const second = (await load(lake, "2024-05-02", { "customers.csv": `${header}C1,cc,Ana María,Cali\nC3,nit,Sol SAS,Quito\n` })).datasets[0];
    expect(second.curated).to.include({ mode: "incremental", rows: 3, replaced: 1, filesWritten: 1 });
    expect(listFiles(path.join(lake, "curated/customers"))).to.deep.equal(["data.parquet"]);
    const rows = await query(`SELECT customer_id, customer_name FROM '${lake}/curated/customers/data.parquet'`);
    // Sorted by key: the row-group statistics of curated files prune key lookups.
    expect(rows).to.deep.equal([
      { customer_id: "C1", customer_name: "Ana María" },
      { customer_id: "C2", customer_name: "Eva" },
      { customer_id: "C3", customer_name: "Sol SAS" },
    ]);
  });

  it("resolves references against the referenced dataset's curated rows, and checks only the load's partitions", async () => {
    const lake = tempDir("lake");
    await load(lake, "2024-05-01", { "providers.csv": "provider_id,provider_name,energy_type\nP1,Sol,solar\n", "transactions.csv": trades([["T1", 1, "2024-03-05"]]) });
    // P1 came with an earlier load: still a provider. The earlier load's T1 is not in this load's batch.
    await load(lake, "2024-05-02", { "transactions.csv": HEADER + "T2,buy,P1,1,1,wind,2024-05-01\nT3,buy,P7,1,1,wind,2024-05-01\n" });
    const report = await checkLoad({ lakeDir: lake, loadDate: "2024-05-02", contracts, ruleSets: loadRuleSets(contracts) });
    const transactions = report.datasets.find((d) => d.name === "transactions");
    expect(transactions?.rows).to.include({ raw: 2, processed: 2, quarantined: 0, curated: 3 });
    const references = transactions?.rules.find((r) => r.id === "transactions.counterparty_id.references");
    expect(references).to.include({ failed: 1, total: 2 });
  });
});
