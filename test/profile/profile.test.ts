import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { runLoad } from "../../src/pipeline/load";
import { profileLake } from "../../src/profile/profile";
import { renderProfile } from "../../src/profile/render";
import { profileProblems, saveProfile } from "../../src/profile/store";
import type { ColumnProfile, DatasetProfile, LakeProfile } from "../../src/profile/types";
import { tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);

/** Two loads of hand-written exports whose every figure below is counted by hand. */
const FIRST = {
  "clientes.csv": [
    "cliente_id;tipo_documento;nombre;ciudad;telefono",
    "C001;CC;Ana Gómez;Bogotá;3001234567",
    "C002;C.C.;Luis Peña;Cali;3109876543",
    "C003;TI;Sofía Ríos;   ;",
    "C004;Pasaporte;John Smith;Medellín;3201112233",
    "C005;XX;Marta Díaz;;3005556677",
  ].join("\n"),
  "proveedores.csv": ["proveedor_id,nombre_proveedor,tipo_energia", "P001,Eólica del Norte,Eólica", "P002,Solar Andina,Solar"].join("\n"),
  "transacciones.csv": [
    "transaccion_id,tipo_transaccion,id_cliente_proveedor,cantidad_comprada,precio",
    "T0001,Compra,P001,250000,21550.50",
    "T0002,Venta,C001,350,61240",
    "T0003,Venta,C002,12x5,60000",
    "T0004,Compra,P002,98000,19870",
    "T0005,Venta,C004,120.75,63500",
  ].join("\n"),
};
const SECOND = {
  "clientes.csv": ["cliente_id;tipo_documento;nombre;ciudad", "C001;CC;Ana Gómez;Bogotá", "C000101;NIT;Textiles S.A.S.;Cali"].join("\n"),
  "transacciones.csv": [
    "transaccion_id,tipo_transaccion,id_cliente_proveedor,cantidad_comprada,precio",
    "T0006,Venta,C000101,400,60000",
    "T0007,Compra,P001,1000,20000",
  ].join("\n"),
};

const dataset = (p: LakeProfile, name: string): DatasetProfile => p.datasets.find((d) => d.name === name) as DatasetProfile;
const column = (d: DatasetProfile, name: string): ColumnProfile => d.columns.find((c) => c.name === name) as ColumnProfile;

describe("lake profile", function () {
  this.timeout(60_000);
  let lake: string;
  let latest: LakeProfile;
  let both: LakeProfile;

  before(async () => {
    lake = tempDir("profile-lake");
    for (const [date, files] of [["2026-03-01", FIRST], ["2026-03-02", SECOND]] as const) {
      const input = writeFiles(tempDir("profile-input"), files);
      await runLoad({ inputDir: input, lakeDir: lake, loadDate: date, contracts });
      fs.rmSync(input, { recursive: true, force: true });
    }
    latest = await profileLake({ lakeDir: lake, contracts, ruleSets, loadDate: "2026-03-01" });
    both = await profileLake({ lakeDir: lake, contracts, ruleSets, loads: 2 });
  });

  after(() => fs.rmSync(lake, { recursive: true, force: true }));

  it("counts nulls and blanks apart, on the raw values as received", () => {
    const city = column(dataset(latest, "customers"), "city");
    expect(city).to.deep.include({ rows: 5, nulls: 1, blanks: 1, present: 3, null_ratio: 0.2, blank_ratio: 0.2, distinct: 3, length: { min: 4, max: 8 } });
    expect(city.top_values).to.deep.equal([{ value: "Bogotá", count: 1 }, { value: "Cali", count: 1 }, { value: "Medellín", count: 1 }]);
    expect(city.characters.non_ascii).to.be.closeTo(2 / 3, 1e-9);
    expect([city.min, city.max]).to.deep.equal(["Bogotá", "Medellín"]);
  });

  it("measures type conformity, listing the values that do not type (unknown spellings of an enum)", () => {
    const quantity = column(dataset(latest, "transactions"), "quantity_kwh");
    expect(quantity).to.deep.include({ present: 5, typed: 4, conformity: 0.8, min: 120.75, max: 250000 });
    expect(quantity.nonconforming).to.deep.equal([{ value: "12x5", count: 1 }]);
    const idType = column(dataset(latest, "customers"), "id_type");
    expect(idType).to.deep.include({ enum: true, typed: 4, distinct: 4 });
    expect(idType.nonconforming).to.deep.equal([{ value: "XX", count: 1 }]);
    expect(idType.top_values?.[0]).to.deep.equal({ value: "cc", count: 2 });
    expect(idType.spellings?.map((s) => s.value)).to.have.members(["CC", "C.C.", "TI", "Pasaporte", "XX"]);
  });

  it("gives the shapes values take: letters kept for codes, letter classes for text and personal data", () => {
    const customers = dataset(both, "customers");
    expect(column(customers, "customer_id").shapes).to.deep.equal({ level: "letters", distinct: 2, complete: true, top: [{ shape: "C999", count: 6 }, { shape: "C999999", count: 1 }] });
    const name = column(customers, "customer_name");
    expect(name).to.deep.include({ masked: true, top_values: null, min: null, max: null });
    expect(name.shapes.level).to.equal("classes");
    expect(name.shapes.top.map((s) => s.shape)).to.include("Aaa Aaaaa");
    expect(column(dataset(latest, "transactions"), "price").shapes.top.map((s) => s.shape)).to.include.members(["99999.99", "99999"]);
  });

  it("profiles a header no contract column claims, masked, and says in how many files it was", () => {
    const phone = column(dataset(both, "customers"), "telefono");
    expect(phone).to.deep.include({ in_contract: false, type: "text", masked: true, top_values: null, in_files: 1, rows: 7, present: 4 });
    expect(phone.shapes.top).to.deep.equal([{ shape: "9999999999", count: 4 }]);
    expect(renderProfile(both, "text")).to.include('headers no contract column claims (profiled as text, values masked): "telefono"');
  });

  it("finds key candidates per load and reference candidates, conditional ones included", () => {
    const customers = dataset(both, "customers");
    // C001 is in both loads: still unique within each.
    expect(customers.key_candidates).to.include("customer_id");
    expect(customers.loads.map((l) => [l.load_date, l.rows, l.key_present, l.key_distinct])).to.deep.equal([["2026-03-01", 5, 5, 5], ["2026-03-02", 2, 2, 2]]);
    expect(column(customers, "customer_id").loads.map((l) => l.distinct)).to.deep.equal([5, 2]);
    const transactions = dataset(both, "transactions");
    expect(transactions.reference_candidates).to.deep.equal([
      {
        form: "conditional", column: "counterparty_id", rows: 7, condition: "transaction_type",
        branches: [
          { value: "buy", rows: 3, target: { dataset: "providers", column: "provider_id", found: 3 } },
          { value: "sell", rows: 4, target: { dataset: "customers", column: "customer_id", found: 4 } },
        ],
      },
    ]);
    expect(column(transactions, "counterparty_id").checked_by).to.include("transactions.counterparty_id.references");
  });

  it("renders as text, Markdown, JSON and one self-contained, escaped HTML page, kept beside the load's report", () => {
    expect(renderProfile(latest, "text")).to.match(/^Profile of .*, load 2026-03-01/);
    expect(renderProfile(latest, "md")).to.include("| customer\\_id | string | 100% |");
    expect(JSON.parse(renderProfile(latest, "json"))).to.deep.equal(JSON.parse(JSON.stringify(latest)));
    const html = renderProfile(latest, "html");
    expect(html).to.include("<!DOCTYPE html>").and.not.include("<script").and.not.include("Ana Gómez");
    const kept = saveProfile(lake, latest).map((f) => path.relative(lake, f));
    expect(kept).to.deep.equal(["quality/2026-03-01/profile.json", "quality/2026-03-01/profile.html", "quality/index.html"].map(path.normalize));
  });

  it("follows schemas/profile.schema.json, which refuses a profile with a field it does not know or a ratio above 1", () => {
    expect(profileProblems(latest)).to.deep.equal([]);
    expect(profileProblems(both)).to.deep.equal([]);
    const broken = JSON.parse(JSON.stringify(latest)) as { datasets: { columns: Record<string, unknown>[] }[] };
    broken.datasets[0].columns[0].null_ratio = 1.5;
    broken.datasets[0].columns[0].colour = "red";
    const problems = profileProblems(broken);
    expect(problems.some((p) => p.includes("/datasets/0/columns/0/null_ratio"))).to.equal(true);
    expect(problems.some((p) => p.includes('"colour"'))).to.equal(true);
  });

  it("refuses a load the lake does not have, and a dataset the window did not load, naming what there is", async () => {
    const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (err: unknown) => err);
    const missingLoad = await rejection(profileLake({ lakeDir: lake, contracts, loadDate: "2026-04-01" }));
    expect(missingLoad).to.be.instanceOf(LakeInputError).and.have.property("message").match(/no load on 2026-04-01; loads in this lake: 2026-03-01, 2026-03-02/);
    const missingDataset = await rejection(profileLake({ lakeDir: lake, contracts, loadDate: "2026-03-02", datasets: ["providers"] }));
    expect(missingDataset).to.be.instanceOf(LakeInputError).and.have.property("message").match(/have no "providers"; they loaded customers, transactions/);
  });
});
