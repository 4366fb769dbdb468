import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { contractProblems, DEFAULT_CONTRACTS_DIR, loadContracts, mapHeaders } from "../../src/model/contracts";
import { foldValue, headerKey } from "../../src/model/text";
import { detectDelimiter, detectEncoding, splitCsvLine } from "../../src/pipeline/sniff";
import { query, tempDir } from "../support/lake";
import { duckdb } from "../../src/sql/dialect";
import { typedViewSql } from "../../src/sql/typed-view";

const contracts = loadContracts();
const byName = (name: string) => {
  const found = contracts.find((c) => c.name === name);
  if (!found) throw new Error(name);
  return found;
};

function validContract(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(DEFAULT_CONTRACTS_DIR, "customers.json"), "utf8")) as Record<string, unknown>;
}

describe("contracts", () => {
  it("ships valid contracts for providers, customers and transactions", () => {
    expect(contracts.map((c) => c.name)).to.deep.equal(["customers", "providers", "transactions"]);
    expect(byName("transactions").key).to.deep.equal(["transaction_id"]);
    expect(byName("transactions").curatedPartition).to.deep.equal({ column: "transaction_date", granularity: "month", name: "trade_month" });
    expect(byName("providers").curatedPartition).to.equal(undefined);
    expect(byName("customers").columns.filter((c) => c.pii).map((c) => c.name)).to.deep.equal(["id_number", "customer_name"]);
  });

  it("lists every schema problem with the file, the JSON path and the fix", () => {
    const doc = validContract();
    const columns = doc.columns as Record<string, unknown>[];
    columns[0].type = "varchar";
    delete doc.key;
    (doc as Record<string, unknown>).owner = "me";
    const problems = contractProblems("contracts/customers.json", doc);
    expect(problems).to.include("contracts/customers.json: /: must have required property 'key'; add the field \"key\"");
    expect(problems).to.include("contracts/customers.json: /: must NOT have additional properties; remove or rename the unknown field \"owner\"");
    expect(problems.some((p) => p.startsWith("contracts/customers.json: /columns/0/type: must match pattern"))).to.equal(true);
  });

  it("checks what the schema cannot: key and partition columns, aliases claimed twice, value maps", () => {
    const doc = validContract();
    doc.key = ["client_id"];
    doc.curated_partition = { column: "city", granularity: "month", name: "segment" };
    const columns = doc.columns as Record<string, unknown>[];
    (columns[4].aliases as string[]).push("Nombre");
    columns[3].values = { x: ["y"] };
    columns[0].type = "integer";
    columns[0].values = { a: ["b"] };
    const problems = contractProblems("customers.json", doc);
    expect(problems).to.include.members([
      'customers.json: /key/0: key column "client_id" is not a column; declare it under columns or fix the name',
      'customers.json: /curated_partition/column: "city" is string; name a date or timestamp column',
      'customers.json: /curated_partition/name: "segment" is already a column; the partition key lives only in the path, name it after the period (e.g. trade_month)',
      'customers.json: /columns/4/aliases/3: header "Nombre" already means column "customer_name"; a header may map to one column only',
      'customers.json: /columns/0/values: value normalisation applies to string columns only ("customer_id" is integer); remove it',
    ]);
  });

  it("refuses to load a folder with a bad contract, naming it", () => {
    const dir = tempDir("contracts");
    fs.copyFileSync(path.join(DEFAULT_CONTRACTS_DIR, "contract.schema.json"), path.join(dir, "contract.schema.json"));
    fs.writeFileSync(path.join(dir, "meters.json"), '{"name": "meters",');
    expect(() => loadContracts(dir)).to.throw(LakeInputError, /meters\.json: is not valid JSON/);
  });
});

describe("header and value mapping", () => {
  it("matches headers ignoring case, accents, surrounding whitespace, separators and a BOM", () => {
    expect(headerKey("\uFEFF Tipo Energía ")).to.equal("tipo_energia");
    expect(headerKey("TIPO-ENERGIA")).to.equal("tipo_energia");
    const { mapping, unknown, missing } = mapHeaders(byName("transactions"), ["Transacción_ID", " tipo transaccion", "ID-Cliente-Proveedor", "CANTIDAD_COMPRADA", "Precio", "comentario"]);
    expect(mapping).to.deep.equal(["transaction_id", "transaction_type", "counterparty_id", "quantity_kwh", "price", undefined]);
    expect(unknown).to.deep.equal(["comentario"]);
    expect(missing).to.deep.equal([]);
  });

  it("folds values the same way in TypeScript and in DuckDB", async () => {
    expect(foldValue("  Hidroeléctrica ")).to.equal("hidroelectrica");
    const rows = await query("SELECT strip_accents(lower(trim('  Hidroeléctrica '))) AS f");
    expect(rows[0].f).to.equal(foldValue("  Hidroeléctrica "));
  });

  it("types and normalises values through the contract", async () => {
    const tx = byName("transactions");
    const source = `(SELECT * FROM (VALUES ('f', 2, 'T1', ' VENTA ', 'C1', '1234,5', '0.12', 'EÓLICA', '05/03/2024'), ('f', 3, 'T2', 'compra', 'P1', '1.234,5', 'abc', 'Geotérmica', '2024-3-5')) ` +
      "AS v(_source_file, _row, transaction_id, transaction_type, counterparty_id, quantity_kwh, price, energy_type, transaction_date))";
    const rows = await query(`SELECT transaction_type, CAST(quantity_kwh AS VARCHAR) AS q, CAST(price AS VARCHAR) AS p, energy_type, CAST(transaction_date AS VARCHAR) AS d FROM (${typedViewSql(duckdb, tx, source)}) ORDER BY _row`);
    expect(rows).to.deep.equal([
      { transaction_type: "sell", q: "1234.500", p: "0.1200", energy_type: "wind", d: "2024-03-05" },
      // "1.234,5" reads one way only (a thousands point, a decimal comma); "abc" and a date outside the declared shapes do not type; unknown enums are kept, folded.
      { transaction_type: "buy", q: "1234.500", p: null, energy_type: "geotermica", d: null },
    ]);
  });
});

describe("presence", () => {
  it("treats NULL, empty and whitespace-only (spaces, tabs, CR, LF) values as absent, and trims the rest", async () => {
    const customers = byName("customers");
    const values = ["NULL", "''", "'   '", "chr(9) || ' ' || chr(13) || chr(10)", "' ' || chr(9) || 'Cali ' || chr(10)", "'Medellín'"];
    const source = `(SELECT 'f' AS _source_file, CAST(i AS BIGINT) AS _row, 'C1' AS customer_id, 'cc' AS id_type, NULL AS id_number, 'x' AS customer_name, city, NULL AS segment FROM (VALUES ${values.map((v, i) => `(${i}, ${v})`).join(", ")}) AS v(i, city))`;
    const rows = await query(`SELECT city__present AS present, city FROM (${typedViewSql(duckdb, customers, source, ["city"])}) ORDER BY _row`);
    expect(rows).to.deep.equal([
      { present: false, city: null },
      { present: false, city: null },
      { present: false, city: null },
      { present: false, city: null },
      { present: true, city: "Cali" },
      { present: true, city: "Medellín" },
    ]);
  });
});

describe("CSV sniffing", () => {
  it("detects the delimiter that splits header and rows alike", () => {
    expect(detectDelimiter(["a;b;c", "1;2,5;3"])).to.equal(";");
    expect(detectDelimiter(['a,b,c', '"x;y",2,3'])).to.equal(",");
    expect(detectDelimiter(["a\tb", "1\t2"])).to.equal("\t");
  });

  it("splits quoted fields with delimiters and escaped quotes", () => {
    expect(splitCsvLine('P1,"Eólica del Norte, S.A.","say ""hi"""', ",")).to.deep.equal(["P1", "Eólica del Norte, S.A.", 'say "hi"']);
  });

  it("tells Latin-1 from UTF-8 with a few broken bytes", () => {
    expect(detectEncoding(Buffer.from("Bogotá", "latin1"))).to.equal("latin-1");
    expect(detectEncoding(Buffer.concat([Buffer.from("Bogotá", "utf8"), Buffer.from([0xff])]))).to.equal("utf-8");
    expect(detectEncoding(Buffer.from("plain ascii"))).to.equal("utf-8");
  });
});
