import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { loadSummaryText } from "../../src/cli/commands/run";
import { runLoad } from "../../src/pipeline/load";
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
    expect(Object.keys(after)).to.deep.equal(["trade_month=2024-03/part-0.parquet", "trade_month=2024-04/part-0.parquet", "trade_month=2024-05/part-0.parquet"]);
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
    expect(listFiles(path.join(lake, "curated/transactions"))).to.deep.equal(["trade_month=2024-03/part-0.parquet", "trade_month=2024-04/part-0.parquet", "trade_month=2024-04/part-1.parquet"]);

    // A period emptied by the move disappears.
    await load(lake, "2024-05-03", { "transactions.csv": trades([["T2", 2, "2024-04-10"]]) });
    expect(listFiles(path.join(lake, "curated/transactions"))).to.deep.equal(["trade_month=2024-04/part-0.parquet", "trade_month=2024-04/part-1.parquet", "trade_month=2024-04/part-2.parquet"]);
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
