import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { contractProblems, DEFAULT_CONTRACTS_DIR, loadContracts, parseContract } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { readLoadRecords, runLoad } from "../../src/pipeline/load";
import { query, tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const TX = "transaccion_id;tipo_transaccion;id_cliente_proveedor;cantidad_comprada;precio;fecha_transaccion\n";

function contractDocument(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(DEFAULT_CONTRACTS_DIR, `${name}.json`), "utf8")) as Record<string, unknown>;
}

async function load(files: Record<string, string>, use = contracts) {
  const lake = tempDir("lake");
  const result = await runLoad({ inputDir: writeFiles(tempDir("in"), files), lakeDir: lake, loadDate: "2024-05-01", contracts: use });
  const rows = (layer: string, columns: string) => query(`SELECT ${columns} FROM read_parquet('${lake}/${layer}/**/*.parquet') ORDER BY _source_file, _row`);
  return { lake, result, rows };
}

describe("values that are not data: null markers and number separators", () => {
  describe("null markers", () => {
    it("NULL, null, N/A and - are missing values by default: never a present required value, never a curated key", async () => {
      const { rows } = await load({ "clientes.csv": "cliente_id,tipo_identificacion,nombre,ciudad,segmento\nNULL,CC,Ana,Cali,\nC2,CC,null,Cali,\nC3,CC,Eva,N/A,\nC4,CC,Sol,Lima, - \nC5,CC,Luz,Lima,hogar\n" });
      expect(await rows("quarantine", "_row, _reason")).to.deep.equal([
        { _row: "2", _reason: "customer_id: required value is missing ('NULL' is a null marker)" },
        { _row: "3", _reason: "customer_name: required value is missing ('null' is a null marker)" },
        { _row: "4", _reason: "city: required value is missing ('N/A' is a null marker)" },
      ]);
      // An optional column's marker is simply no value.
      expect(await rows("processed", "customer_id, segment")).to.deep.equal([
        { customer_id: "C4", segment: null },
        { customer_id: "C5", segment: "residential" },
      ]);
      expect(await rows("curated", "customer_id")).to.deep.equal([{ customer_id: "C4" }, { customer_id: "C5" }]);
    });

    it("are the contract's to declare, and a column's own list replaces them", async () => {
      const doc = contractDocument("customers");
      doc.null_markers = ["sin dato"];
      (doc.columns as Record<string, unknown>[]).find((c) => c.name === "city")!.null_markers = [];
      const customers = parseContract("customers.json", doc);
      const { rows } = await load({ "clientes.csv": "cliente_id,tipo_identificacion,nombre,ciudad\nC1,CC,sin dato,Cali\nC2,CC,Eva,sin dato\nNULL,CC,Sol,-\n" }, [customers]);
      expect(await rows("quarantine", "_row, _reason")).to.deep.equal([{ _row: "2", _reason: "customer_name: required value is missing ('sin dato' is a null marker)" }]);
      expect(await rows("processed", "customer_id, city")).to.deep.equal([
        { customer_id: "C2", city: "sin dato" },
        { customer_id: "NULL", city: "-" },
      ]);
    });

    it("are validated: no surrounding whitespace (values are trimmed), no NUL, no empty marker", () => {
      const doc = contractDocument("customers");
      doc.null_markers = [" N/A", ""];
      const problems = contractProblems("customers.json", doc);
      expect(problems.join("\n")).to.match(/\/null_markers\/1: must NOT have fewer than 1 characters/);
      doc.null_markers = [" N/A"];
      expect(contractProblems("customers.json", doc)).to.deep.equal([
        'customers.json: /null_markers/0: null marker " N/A" has surrounding whitespace, but values are trimmed before they are compared; write "N/A"',
      ]);
    });
  });

  describe("decimal and grouping separators", () => {
    it("takes the decimal separator from each load's values, reads 1.234 and 1,234 by it, and records it", async () => {
      const { lake, rows } = await load({
        "transacciones.csv": `${TX}T1;compra;P1;1.234;308,842;2024-03-01\nT2;compra;P1;1234,5;1,234;2024-03-01\n`,
        "proveedores.csv": "proveedor_id,nombre_proveedor,tipo_energia,capacidad_mw\nP1,Sol,solar,1.234\nP2,Eol,eolica,136.16\n",
      });
      expect(await rows("processed/transactions", "transaction_id, CAST(quantity_kwh AS VARCHAR) AS q, CAST(price AS VARCHAR) AS p")).to.deep.equal([
        { transaction_id: "T1", q: "1234.000", p: "308.8420" },
        { transaction_id: "T2", q: "1234.500", p: "1.2340" },
      ]);
      expect(await rows("processed/providers", "provider_id, CAST(capacity_mw AS VARCHAR) AS c")).to.deep.equal([
        { provider_id: "P1", c: "1.234" },
        { provider_id: "P2", c: "136.160" },
      ]);
      const numbers = Object.fromEntries(readLoadRecords(lake, "2024-05-01").map((r) => [r.dataset, r.numbers]));
      expect(numbers).to.deep.equal({ providers: { decimal_separator: ".", from: "values" }, transactions: { decimal_separator: ",", from: "values" } });
    });

    it("quarantines what reads two ways when nothing decides, and more decimals than the scale instead of rounding", async () => {
      const { result, rows } = await load({ "transacciones.csv": `${TX}T1;compra;P1;1,234;1;2024-03-01\nT2;compra;P1;12;1.234;2024-03-01\nT3;compra;P1;7;1;2024-03-01\n` });
      expect(result.datasets[0].rows).to.include({ raw: 3, processed: 1, quarantined: 2 });
      expect(await rows("quarantine", "_row, _reason")).to.deep.equal([
        { _row: "2", _reason: "quantity_kwh: '1,234' reads two ways (a decimal or a thousands separator?); declare decimal_separator in contract transactions.json" },
        { _row: "3", _reason: "price: '1.234' reads two ways (a decimal or a thousands separator?); declare decimal_separator in contract transactions.json" },
      ]);
      const rounded = await load({ "transacciones.csv": `${TX}T1;compra;P1;12,3456;1;2024-03-01\nT2;compra;P1;12,3450;1;2024-03-01\n` });
      expect(await rounded.rows("quarantine", "_row, _reason")).to.deep.equal([{ _row: "2", _reason: "quantity_kwh: '12,3456' has more decimals than the 3 of decimal(18,3)" }]);
    });

    it("reads by the contract's declaration when there is one, whatever the values suggest", async () => {
      const doc = contractDocument("transactions");
      doc.decimal_separator = ".";
      const transactions = parseContract("transactions.json", doc);
      const { rows } = await load({ "transacciones.csv": `${TX}T1;compra;P1;1,234;0,5;2024-03-01\nT2;compra;P1;1.5;2;2024-03-01\n` }, [transactions]);
      expect(await rows("processed", "transaction_id, CAST(quantity_kwh AS VARCHAR) AS q")).to.deep.equal([{ transaction_id: "T2", q: "1.500" }]);
      expect(await rows("quarantine", "_row, _reason")).to.deep.equal([{ _row: "2", _reason: "price: '0,5' is not a valid decimal(18,4)" }]);
    });

    it("never lets an engine's own cast decide: 1.5, 1e3 and 0x10 are not integers", async () => {
      const doc = contractDocument("providers");
      (doc.columns as Record<string, unknown>[]).push({ name: "turbines", type: "integer" });
      const providers = parseContract("providers.json", doc);
      const { rows } = await load({ "proveedores.csv": "proveedor_id,nombre_proveedor,tipo_energia,turbines\nP1,A,solar,1.5\nP2,B,solar,1e3\nP3,C,solar,0x10\nP4,D,solar, 12 \n" }, [providers]);
      expect(await rows("processed", "provider_id, turbines")).to.deep.equal([{ provider_id: "P4", turbines: "12" }]);
    });

    it("lake check types a quarantined row as the load did: no type failure for a value the load's separator reads", async () => {
      const { lake } = await load({ "transacciones.csv": `${TX}T1;compra;P1;1234,5;308,842;2024-03-01\nT2;compra;P1;1,5;0,5;31/02/2024\n` });
      const report = await checkLoad({ lakeDir: lake, loadDate: "2024-05-01", contracts, ruleSets: loadRuleSets(contracts) });
      const rules = Object.fromEntries(report.datasets[0].rules.map((r) => [r.id, r.failed]));
      expect(rules["transactions.price.type"]).to.equal(0);
      expect(rules["transactions.transaction_date.type"]).to.equal(1);
    });

    it("validates the declaration: one mark cannot be both separators", () => {
      const doc = contractDocument("transactions");
      doc.decimal_separator = ",";
      doc.grouping_separator = ",";
      expect(contractProblems("transactions.json", doc)).to.deep.equal(['transactions.json: /grouping_separator: "," is also the decimal separator; a number cannot use one mark for both']);
      doc.decimal_separator = ";";
      expect(contractProblems("transactions.json", doc).join("\n")).to.match(/\/decimal_separator: must be equal to one of the allowed values/);
    });
  });

  describe("decimal types", () => {
    it("refuses decimal(5,30) and decimal(39,2) when the contract is validated, not when a load fails", () => {
      const doc = contractDocument("transactions");
      const columns = doc.columns as Record<string, unknown>[];
      columns.find((c) => c.name === "price")!.type = "decimal(5,30)";
      columns.find((c) => c.name === "quantity_kwh")!.type = "decimal(39,2)";
      expect(contractProblems("transactions.json", doc)).to.deep.equal([
        "transactions.json: /columns/3/type: decimal(39,2) has 39 digits; a decimal holds 1 to 38, e.g. decimal(18,2)",
        "transactions.json: /columns/4/type: decimal(5,30) has more digits after the point (30) than in all (5); the scale is at most the precision, e.g. decimal(38,30)",
      ]);
    });
  });
});
