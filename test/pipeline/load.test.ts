import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { runLoad } from "../../src/pipeline/load";
import { listFiles, query, snapshot, tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const BOM = "\uFEFF";

const MESSY_TRANSACTIONS =
  BOM +
  "transaccion_id;tipo_transaccion;id_cliente_proveedor;cantidad_comprada;precio;tipo_energia;fecha_transaccion\r\n" +
  "T1;Compra;P1;1234,5;0,12;Eólica;05/03/2024\r\n" +
  "T2;VENTA;C1;12x;1;carbón;31/02/2024\r\n" +
  'T3;venta;C2;"10,5";2;Solar;2024-03-06;extra\r\n' +
  ";venta;C2;10;2;solar;2024-03-07\r\n" +
  "T1;compra;P1;5;1;hidrica;2024-03-08\r\n";

async function load(input: string, lake: string, loadDate = "2024-05-01") {
  return runLoad({ inputDir: input, lakeDir: lake, loadDate, contracts });
}

describe("pipeline: lake run", () => {
  it("lands raw bytes, types processed rows, quarantines the rest with reasons, and reconciles", async () => {
    const input = writeFiles(tempDir("in"), { "transacciones.csv": MESSY_TRANSACTIONS });
    const lake = tempDir("lake");
    const result = await load(input, lake);
    const tx = result.datasets.find((d) => d.name === "transactions");
    expect(tx?.rows).to.deep.equal({ raw: 5, processed: 2, quarantined: 3, curated: 1 });
    expect(tx?.reconciled).to.equal(true);

    expect(fs.readFileSync(path.join(lake, "raw/transactions/load_date=2024-05-01/transacciones.csv"), "utf8")).to.equal(MESSY_TRANSACTIONS);
    const processed = await query(`SELECT transaction_id, transaction_type, CAST(quantity_kwh AS VARCHAR) AS q, energy_type, CAST(transaction_date AS VARCHAR) AS d, _row FROM read_parquet('${lake}/processed/transactions/load_date=2024-05-01/*.parquet') ORDER BY _row`);
    expect(processed).to.deep.equal([
      { transaction_id: "T1", transaction_type: "buy", q: "1234.500", energy_type: "wind", d: "2024-03-05", _row: "2" },
      { transaction_id: "T1", transaction_type: "buy", q: "5.000", energy_type: "hydro", d: "2024-03-08", _row: "6" },
    ]);
    const quarantine = await query(`SELECT _row, _reason, _reason_kind FROM read_parquet('${lake}/quarantine/transactions/load_date=2024-05-01/*.parquet') ORDER BY _row`);
    expect(quarantine).to.deep.equal([
      { _row: "3", _reason: "quantity_kwh: '12x' is not a valid decimal(18,3); transaction_date: '31/02/2024' is not a valid date", _reason_kind: "value" },
      { _row: "4", _reason: "ragged row: 8 fields where the header has 7", _reason_kind: "structure" },
      { _row: "5", _reason: "transaction_id: required value is missing", _reason_kind: "value" },
    ]);
    expect(listFiles(path.join(lake, "processed/transactions"))).to.deep.equal(["load_date=2024-05-01/part-0.parquet"]);
    // Curated by trade month; the trade month lives only in the path.
    expect(listFiles(path.join(lake, "curated/transactions"))).to.deep.equal(["trade_month=2024-03/_part-0.keys", "trade_month=2024-03/part-0.parquet"]);
    const columns = await query(`SELECT name FROM parquet_schema('${lake}/curated/transactions/trade_month=2024-03/part-0.parquet') WHERE name <> 'duckdb_schema'`);
    expect(columns.map((c) => c.name)).to.deep.equal([...contracts.find((c) => c.name === "transactions")!.columns.map((c) => c.name), "_load_date", "_source_file", "_row"]);
  });

  it("types columns of few distinct values once per value, with the same rows, raw text and reasons as row by row", async () => {
    const header = "transaccion_id;tipo_transaccion;id_cliente_proveedor;cantidad_comprada;precio;tipo_energia;fecha_transaccion\n";
    // Eight kinds of row, repeated: the type, energy and date columns show few distinct texts, so the load types them by lookup.
    const kinds = [
      (n: number) => `T${n};Compra;P1;${n},5;0,12;Eólica;05/03/2024`,
      (n: number) => `T${n}; VENTA ;C1;${n};1;solar;2024-03-06`,
      (n: number) => `T${n};N/A;C1;${n};1;solar;2024-03-06`,
      (n: number) => `T${n};venta;C2;${n};2;carbón;31/02/2024`,
      (n: number) => `T${n};venta;C2;${n};2;;`,
      (n: number) => `T${n};trueque;C2;${n};2;HIDRICA;2024-3-7`,
      (n: number) => `T${n};c;P2;${n};2;Térmica;07/03/2024`,
      (n: number) => `T${n};venta;C3;${n};2;nuclear;-`,
    ];
    const rows = Array.from({ length: 400 }, (_, i) => kinds[i % kinds.length](i + 1));
    const input = writeFiles(tempDir("in"), { "transacciones.csv": header + rows.join("\n") + "\n" });
    const lake = tempDir("lake");
    const messages: string[] = [];
    const result = await runLoad({ inputDir: input, lakeDir: lake, loadDate: "2024-05-01", contracts, onProgress: (m) => messages.push(m) });
    expect(messages.some((m) => m.endsWith("transactions: typed (transaction_type, price, energy_type, transaction_date once per distinct value)")), messages.join("\n")).to.equal(true);
    expect(result.datasets[0].rows).to.deep.include({ raw: 400, processed: 250, quarantined: 150 });
    const processed = await query(`SELECT transaction_type AS t, energy_type AS e, CAST(transaction_date AS VARCHAR) AS d, count(*) AS n FROM read_parquet('${lake}/processed/transactions/load_date=2024-05-01/*.parquet') GROUP BY ALL ORDER BY ALL`);
    expect(processed).to.deep.equal([
      { t: "buy", e: "thermal", d: "2024-03-07", n: "50" },
      { t: "buy", e: "wind", d: "2024-03-05", n: "50" },
      { t: "sell", e: "nuclear", d: null, n: "50" },
      { t: "sell", e: "solar", d: "2024-03-06", n: "50" },
      { t: "sell", e: null, d: null, n: "50" },
    ]);
    const quarantine = await query(`SELECT transaction_type AS t, energy_type AS e, transaction_date AS d, _reason, count(*) AS n FROM read_parquet('${lake}/quarantine/transactions/load_date=2024-05-01/*.parquet') GROUP BY ALL ORDER BY ALL`);
    expect(quarantine).to.deep.equal([
      { t: "N/A", e: "solar", d: "2024-03-06", _reason: "transaction_type: required value is missing ('N/A' is a null marker)", n: "50" },
      { t: "trueque", e: "HIDRICA", d: "2024-3-7", _reason: "transaction_date: '2024-3-7' is not a valid date", n: "50" },
      { t: "venta", e: "carbón", d: "31/02/2024", _reason: "transaction_date: '31/02/2024' is not a valid date", n: "50" },
    ]);
  });

  it("keeps the latest row of a key in curated, across loads", async () => {
    const lake = tempDir("lake");
    const header = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date\n";
    await load(writeFiles(tempDir("in"), { "transactions.csv": `${header}T1,buy,P1,1,1,wind,2024-05-01\nT2,sell,C1,2,1,solar,2024-05-01\n` }), lake, "2024-05-01");
    await load(writeFiles(tempDir("in"), { "transactions.csv": `${header}T1,buy,P1,9,1,wind,2024-05-01\n` }), lake, "2024-05-02");
    const curated = await query(`SELECT transaction_id, CAST(quantity_kwh AS INTEGER) AS q, CAST(_load_date AS VARCHAR) AS l FROM '${lake}/curated/transactions/*/*.parquet' ORDER BY 1`);
    expect(curated).to.deep.equal([
      { transaction_id: "T1", q: 9, l: "2024-05-02" },
      { transaction_id: "T2", q: 2, l: "2024-05-01" },
    ]);
  });

  it("is idempotent: the same load twice gives the same lake, never a second copy", async () => {
    const input = writeFiles(tempDir("in"), { "transacciones.csv": MESSY_TRANSACTIONS, "proveedores.csv": "proveedor_id,nombre_proveedor,tipo_energia\nP1,\"Eólica del Norte, S.A.\",EOLICA\n" });
    const lake = tempDir("lake");
    await load(input, lake);
    const first = await snapshot(lake);
    const second = await load(input, lake);
    expect(await snapshot(lake)).to.deep.equal(first);
    expect(second.datasets.find((d) => d.name === "transactions")?.rows.curated).to.equal(1);
  });

  it("replaces a load's partitions when the load is re-run with other data", async () => {
    const lake = tempDir("lake");
    const header = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date\n";
    await load(writeFiles(tempDir("in"), { "transactions.csv": `${header}T1,buy,P1,1,1,wind,2024-03-01\n` }), lake);
    await load(writeFiles(tempDir("in"), { "transactions.csv": `${header}T2,buy,P1,1,1,wind,2024-03-02\n` }), lake);
    expect(listFiles(path.join(lake, "processed/transactions"))).to.deep.equal(["load_date=2024-05-01/part-0.parquet"]);
    expect(listFiles(path.join(lake, "curated/transactions"))).to.deep.equal(["trade_month=2024-03/_part-0.keys", "trade_month=2024-03/part-0.parquet"]);
    const curated = await query(`SELECT transaction_id FROM '${lake}/curated/transactions/*/*.parquet'`);
    expect(curated).to.deep.equal([{ transaction_id: "T2" }]);
  });

  it("reads Latin-1 exports and reports each source line number", async () => {
    const latin1 = Buffer.from("cliente_id;tipo_identificacion;nombre;ciudad\r\nC1;Cédula;José Pérez;Bogotá\r\nC2;NIT;Ñandú S.A.;Medellín\r\n", "latin1");
    const lake = tempDir("lake");
    const result = await load(writeFiles(tempDir("in"), { "clientes.csv": latin1 }), lake);
    expect(result.datasets[0].files[0].encoding).to.equal("latin-1");
    const rows = await query(`SELECT customer_id, id_type, customer_name, city, _row FROM '${lake}/processed/customers/load_date=2024-05-01/*.parquet' ORDER BY _row`);
    expect(rows).to.deep.equal([
      { customer_id: "C1", id_type: "cc", customer_name: "José Pérez", city: "Bogotá", _row: "2" },
      { customer_id: "C2", id_type: "nit", customer_name: "Ñandú S.A.", city: "Medellín", _row: "3" },
    ]);
  });

  it("quarantines rows with invalid UTF-8 bytes, naming the reason", async () => {
    const content = Buffer.concat([
      Buffer.from("cliente_id,tipo_identificacion,nombre,ciudad\nC1,CC,José,Cali\nC2,CC,bad", "utf8"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(",Cali\nC3,CC,Ana,Cali\n", "utf8"),
    ]);
    const lake = tempDir("lake");
    const result = await load(writeFiles(tempDir("in"), { "clientes.csv": content }), lake);
    expect(result.datasets[0].rows).to.include({ raw: 3, processed: 2, quarantined: 1 });
    const q = await query(`SELECT _row, _reason, _reason_kind FROM '${lake}/quarantine/customers/*/*.parquet'`);
    expect(q).to.deep.equal([{ _row: "3", _reason: "invalid UTF-8 byte sequence (byte 0xFF at position 10) in a UTF-8 file; re-export the file as UTF-8", _reason_kind: "structure" }]);
  });

  it("warns about headers the contract does not know and still keeps them in raw", async () => {
    const csv = "cliente_id,tipo_identificacion,nombre,ciudad,color_favorito\nC1,CC,Ana,Cali,azul\n";
    const lake = tempDir("lake");
    const result = await load(writeFiles(tempDir("in"), { "clientes.csv": csv }), lake);
    expect(result.datasets[0].warnings[0]).to.match(/clientes\.csv: columns not in contract customers\.json kept in raw only: "color_favorito"/);
    expect(fs.readFileSync(path.join(lake, "raw/customers/load_date=2024-05-01/clientes.csv"), "utf8")).to.equal(csv);
  });

  it("loads a header-only file as zero rows, with a warning naming it", async () => {
    const lake = tempDir("lake");
    const result = await load(writeFiles(tempDir("in"), { "clientes.csv": "cliente_id,tipo_identificacion,nombre,ciudad\n" }), lake);
    expect(result.datasets[0].rows).to.deep.equal({ raw: 0, processed: 0, quarantined: 0, curated: 0 });
    expect(result.datasets[0].warnings.join()).to.match(/clientes\.csv: header only, no data rows/);
  });

  describe("bad input fails early with the file named and the lake untouched", () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ["an empty file", { "clientes.csv": "" }, /clientes\.csv: file is empty/],
      ["a missing required header", { "clientes.csv": "cliente_id,nombre,ciudad\nC1,Ana,Cali\n" }, /clientes\.csv: the header does not fit dataset "customers"[\s\S]*required column "id_type" is missing; add a header named "id_type" or "tipo_identificacion"/],
      ["a file for no known dataset", { "clientes.csv": "cliente_id,tipo_identificacion,nombre,ciudad\nC1,CC,Ana,Cali\n", "facturas.csv": "a,b\n1,2\n" }, /facturas\.csv: no dataset matches this name/],
      ["headers of another dataset", { "clientes.csv": "proveedor_id,x\nP1,1\n" }, /no header matches dataset "customers"/],
      ["two headers for one column", { "clientes.csv": "cliente_id,id_cliente,tipo_identificacion,nombre,ciudad\nC1,C1,CC,Ana,Cali\n" }, /more than one header means "customer_id"/],
    ];
    for (const [name, files, message] of cases) {
      it(name, async () => {
        const lake = tempDir("lake");
        const error = await load(writeFiles(tempDir("in"), files), lake).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(LakeInputError);
        expect((error as Error).message).to.match(message);
        expect(listFiles(lake)).to.deep.equal([]);
      });
    }

    it("a missing input folder", async () => {
      const error = await load("/nonexistent/exports", tempDir("lake")).then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).to.match(/\/nonexistent\/exports: input folder not found/);
    });

    it("a load date that is not a date", async () => {
      const error = await load(tempDir("in"), tempDir("lake"), "2024-02-30").then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).to.match(/--load-date "2024-02-30" is not a date; use YYYY-MM-DD/);
    });
  });

  describe("crash safety", () => {
    const cli = path.join(PROJECT_ROOT, "src/cli/main.ts");
    const tsx = path.join(PROJECT_ROOT, "node_modules/.bin/tsx");
    const header = "transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date\n";

    function runKilled(input: string, lake: string, failPoint: string) {
      return spawnSync(tsx, [cli, "run", "--input", input, "--lake", lake, "--load-date", "2024-05-01", "--no-checks"], {
        env: { ...process.env, ENERGY_LAKE_FAILPOINT: failPoint },
        encoding: "utf8",
      });
    }

    it("a load killed before its commit leaves the previous state intact", async () => {
      const lake = tempDir("lake");
      await load(writeFiles(tempDir("in"), { "transactions.csv": `${header}T1,buy,P1,1,1,wind,2024-03-01\n` }), lake);
      const before = await snapshot(lake);
      const killed = runKilled(writeFiles(tempDir("in"), { "transactions.csv": `${header}T9,buy,P1,1,1,wind,2024-03-09\n` }), lake, "before-commit");
      expect(killed.status).to.equal(137);
      expect(fs.existsSync(path.join(lake, "_staging"))).to.equal(true);
      // The next load (of another date) recovers: the killed load is discarded.
      await load(writeFiles(tempDir("in"), { "customers.csv": "customer_id,id_type,customer_name,city\nC1,cc,Ana,Cali\n" }), lake, "2024-05-02");
      const after = await snapshot(lake);
      for (const [file, content] of Object.entries(before)) expect(after[file], file).to.deep.equal(content);
      expect(Object.keys(after).some((f) => f.includes("_staging"))).to.equal(false);
    });

    it("a load killed half-way through its commit is completed at the next start", async () => {
      const lake = tempDir("lake");
      const first = writeFiles(tempDir("in"), { "transactions.csv": `${header}T1,buy,P1,1,1,wind,2024-03-01\n`, "customers.csv": "customer_id,id_type,customer_name,city\nC1,cc,Ana,Cali\n" });
      await load(first, lake);
      const second = writeFiles(tempDir("in"), { "transactions.csv": `${header}T9,buy,P1,1,1,wind,2024-03-09\n`, "customers.csv": "customer_id,id_type,customer_name,city\nC2,cc,Eva,Lima\n" });
      const expectedLake = tempDir("lake");
      await load(first, expectedLake);
      await load(second, expectedLake);

      const killed = runKilled(second, lake, "mid-commit");
      expect(killed.status).to.equal(137);
      await load(writeFiles(tempDir("in"), { "providers.csv": "provider_id,provider_name,energy_type\nP1,Sol,solar\n" }), lake, "2024-05-02");
      await load(writeFiles(tempDir("in"), { "providers.csv": "provider_id,provider_name,energy_type\nP1,Sol,solar\n" }), expectedLake, "2024-05-02");
      expect(await snapshot(lake)).to.deep.equal(await snapshot(expectedLake));
    });
  });
});
