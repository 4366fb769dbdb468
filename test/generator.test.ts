import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LakeInputError } from "../src/errors";
import { Contract, loadContracts, mapHeaders } from "../src/model/contracts";
import { foldValue } from "../src/model/text";
import { parseGenerateArgs } from "../src/generator/cli";
import { ChunkedFileWriter, FileFormat, csvText } from "../src/generator/csv-output";
import { DefectSpec, parseDefectSpec, resolveDefectCounts } from "../src/generator/defects";
import { GroundTruth, InjectedDefect, generate, GenerateOptions } from "../src/generator/generate";
import { Rng, sampleDistinct } from "../src/generator/random";
import { decimalText } from "../src/generator/rows";

interface CsvRecord {
  /** Physical line the record starts on; the header is line 1. */
  readonly line: number;
  readonly text: string;
  readonly fields: string[];
}

/** A small RFC 4180 reader: BOM, CRLF or LF, quoted fields with doubled quotes and delimiters. */
function parseCsv(content: string, delimiter: string): { header: string[]; records: CsvRecord[] } {
  const text = content.replace(/^\uFEFF/, "");
  const rows: CsvRecord[] = [];
  let line = 1;
  let at = 0;
  while (at < text.length) {
    const startLine = line;
    const start = at;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (;;) {
      const ch = text[at];
      if (quoted) {
        if (ch === '"' && text[at + 1] === '"') {
          field += '"';
          at += 2;
        } else if (ch === '"') {
          quoted = false;
          at++;
        } else {
          if (ch === "\n") line++;
          field += ch;
          at++;
        }
      } else if (ch === '"') {
        quoted = true;
        at++;
      } else if (ch === delimiter) {
        fields.push(field);
        field = "";
        at++;
      } else if (ch === "\r" || ch === "\n" || ch === undefined) {
        fields.push(field);
        const end = at;
        if (ch === "\r") at++;
        if (text[at] === "\n") at++;
        line++;
        rows.push({ line: startLine, text: text.slice(start, end), fields });
        break;
      } else {
        field += ch;
        at++;
      }
    }
  }
  const [header, ...records] = rows;
  return { header: header.fields, records };
}

const contracts = new Map(loadContracts().map((c) => [c.name, c]));
const contract = (name: string): Contract => contracts.get(name) as Contract;

interface ParsedDataset {
  readonly records: CsvRecord[];
  /** Canonical column name -> field index. */
  readonly column: (name: string) => number;
  /** Whether the file has the column (the company style leaves some out). */
  readonly has: (name: string) => boolean;
  readonly header: string[];
}

async function readDataset(dir: string, truth: GroundTruth, dataset: "providers" | "customers" | "transactions"): Promise<ParsedDataset> {
  const content = await fs.promises.readFile(path.join(dir, truth.files[dataset]), "utf8");
  const firstLine = content.slice(0, content.search(/\r?\n/));
  const delimiter = firstLine.includes(";") ? ";" : ",";
  const { header, records } = parseCsv(content, delimiter);
  const { mapping, unknown, missing } = mapHeaders(contract(dataset), header);
  expect(unknown, `${dataset} headers the contract does not know`).to.deep.equal([]);
  expect(missing, `${dataset} required columns missing`).to.deep.equal([]);
  const indexOf = new Map(mapping.map((name, index) => [name, index]));
  return {
    header,
    records,
    has: (name) => indexOf.has(name),
    column: (name) => {
      const index = indexOf.get(name);
      if (index === undefined) throw new Error(`${dataset}.${name} is not in the header ${header.join(",")}`);
      return index;
    },
  };
}

const NUMBER = { btg: /^-?\d+(,\d+)?$/, canonical: /^-?\d+(\.\d+)?$/, company: /^-?\d+(\.\d+)?$/ };

function numberValue(text: string): number {
  return Number(text.replace(",", "."));
}

function isValidDate(text: string): boolean {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : dmy ? [dmy[3], dmy[2], dmy[1]] : [];
  if (year === undefined) return false;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function normalised(dataset: string, column: string, raw: string): string | undefined {
  const valueMap = contract(dataset).columns.find((c) => c.name === column)?.valueMap;
  return valueMap?.get(foldValue(raw));
}

/** "kind|column|detail" -> lines, found by reading the files the way the design's checks do. */
type FoundDefects = Map<string, number[]>;

function record(found: FoundDefects, key: string, line: number): void {
  const lines = found.get(key);
  if (lines) lines.push(line);
  else found.set(key, [line]);
}

/**
 * Every defect present in the generated files, re-derived from the data alone. Anything that is
 * neither clean nor one of the injected kinds lands in `unexpected`.
 */
async function detectDefects(dir: string, truth: GroundTruth): Promise<FoundDefects> {
  const found: FoundDefects = new Map();
  const unexpected: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) unexpected.push(problem);
  };
  const providers = await readDataset(dir, truth, "providers");
  const customers = await readDataset(dir, truth, "customers");
  const transactions = await readDataset(dir, truth, "transactions");
  const numberPattern = NUMBER[truth.style];

  const providerIds = new Set<string>();
  for (const r of providers.records) {
    const field = (name: string): string => r.fields[providers.column(name)];
    if (providerIds.has(field("provider_id"))) record(found, "providers_duplicate_key|provider_id|", r.line);
    providerIds.add(field("provider_id"));
    check(field("provider_name").trim() !== "", `providers line ${r.line}: no name`);
    check(normalised("providers", "energy_type", field("energy_type")) !== undefined, `providers line ${r.line}: energy_type ${field("energy_type")}`);
    if (providers.has("capacity_mw")) check(/^\d+(\.\d+)?$/.test(field("capacity_mw")), `providers line ${r.line}: capacity ${field("capacity_mw")}`);
    if (providers.has("registered_at")) check(isValidDate(field("registered_at")), `providers line ${r.line}: date ${field("registered_at")}`);
  }

  const customerIds = new Set<string>();
  const namelessCustomers = new Set<string>();
  for (const r of customers.records) {
    const field = (name: string): string => r.fields[customers.column(name)];
    const id = field("customer_id");
    check(!customerIds.has(id), `customers line ${r.line}: ${id} repeated`);
    customerIds.add(id);
    if (field("customer_name").trim() === "") {
      record(found, "customers_null_name|customer_name|", r.line);
      namelessCustomers.add(id);
    }
    check(normalised("customers", "id_type", field("id_type")) !== undefined, `customers line ${r.line}: id_type ${field("id_type")}`);
    if (customers.has("segment")) check(normalised("customers", "segment", field("segment")) !== undefined, `customers line ${r.line}: segment ${field("segment")}`);
    if (customers.has("id_number")) check(field("id_number").trim() !== "", `customers line ${r.line}: empty id_number`);
    check(field("city").trim() !== "", `customers line ${r.line}: empty city`);
  }

  const firstTextOfId = new Map<string, string>();
  for (const r of transactions.records) {
    const field = (name: string): string => r.fields[transactions.column(name)];
    const defectsOfRow: string[] = [];
    const id = field("transaction_id");
    if (id.trim() === "") defectsOfRow.push("null_key|transaction_id|");
    else if (firstTextOfId.has(id)) {
      defectsOfRow.push("duplicate_key|transaction_id|");
      check(r.text === firstTextOfId.get(id), `transactions line ${r.line}: repeats ${id} but is not an exact copy`);
    } else firstTextOfId.set(id, r.text);
    for (const column of ["quantity_kwh", "price"]) {
      const value = field(column);
      if (!numberPattern.test(value)) defectsOfRow.push(`bad_number|${column}|`);
      else if (numberValue(value) < 0) defectsOfRow.push(`negative_quantity|${column}|`);
      else check(numberValue(value) > 0, `transactions line ${r.line}: ${column} is 0`);
    }
    if (transactions.has("transaction_date") && !isValidDate(field("transaction_date"))) defectsOfRow.push("bad_date|transaction_date|");
    if (transactions.has("energy_type") && normalised("transactions", "energy_type", field("energy_type")) === undefined) defectsOfRow.push("unknown_enum|energy_type|");
    const type = normalised("transactions", "transaction_type", field("transaction_type"));
    if (transactions.has("energy_type")) check(type === "buy" || type === "sell", `transactions line ${r.line}: transaction_type ${field("transaction_type")}`);
    else if (type === undefined) defectsOfRow.push("unknown_enum|transaction_type|");
    const counterparty = field("counterparty_id");
    if (type === "buy" && !providerIds.has(counterparty)) defectsOfRow.push("orphan_counterparty|counterparty_id|buy");
    if (type === "sell" && !customerIds.has(counterparty)) defectsOfRow.push("orphan_counterparty|counterparty_id|sell");
    check(!namelessCustomers.has(counterparty), `transactions line ${r.line}: references ${counterparty}, a customer without a name`);
    check(defectsOfRow.length <= 1, `transactions line ${r.line}: more than one defect: ${defectsOfRow.join(", ")}`);
    for (const key of defectsOfRow) record(found, key, r.line);
  }
  expect(unexpected).to.deep.equal([]);
  return found;
}

function manifestDefects(truth: GroundTruth): FoundDefects {
  return new Map(truth.defects.map((d: InjectedDefect) => [`${d.kind}|${d.column}|${d.detail === "buy" || d.detail === "sell" ? d.detail : ""}`, [...d.lines]]));
}

describe("generator", function () {
  this.timeout(20_000);
  let root: string;

  before(async () => {
    root = await fs.promises.mkdtemp(path.join(os.tmpdir(), "energy-lake-generator-"));
  });
  after(async () => {
    await fs.promises.rm(root, { recursive: true, force: true });
  });

  let runs = 0;
  async function run(options: Omit<GenerateOptions, "outDir">): Promise<{ dir: string; truth: GroundTruth }> {
    const dir = path.join(root, `run-${runs++}`);
    return { dir, truth: await generate({ ...options, outDir: dir }) };
  }

  const read = (dir: string, file: string): Buffer => fs.readFileSync(path.join(dir, file));

  describe("determinism", () => {
    it("writes byte-identical files for the same options", async () => {
      const options = { rows: 2000, seed: 11, defects: "default" as const };
      const a = await run(options);
      const b = await run(options);
      for (const file of [...Object.values(a.truth.files), "manifest.json"]) {
        expect(read(a.dir, file).equals(read(b.dir, file)), file).to.equal(true);
      }
    });

    it("writes different data for a different seed", async () => {
      const a = await run({ rows: 500, seed: 1, defects: {} });
      const b = await run({ rows: 500, seed: 2, defects: {} });
      for (const file of Object.values(a.truth.files)) expect(read(a.dir, file).equals(read(b.dir, file)), file).to.equal(false);
    });

    it("writes the same data in both styles, spelled differently", async () => {
      const btg = await run({ rows: 300, seed: 5, defects: "default", style: "btg" });
      const canonical = await run({ rows: 300, seed: 5, defects: "default", style: "canonical" });
      expect(canonical.truth.defects).to.deep.equal(btg.truth.defects);
      expect(canonical.truth.rows).to.deep.equal(btg.truth.rows);
      const ids = async (r: { dir: string; truth: GroundTruth }) => {
        const t = await readDataset(r.dir, r.truth, "transactions");
        return t.records.map((rec) => rec.fields[t.column("transaction_id")] + "/" + rec.fields[t.column("counterparty_id")]);
      };
      expect(await ids(canonical)).to.deep.equal(await ids(btg));
    });
  });

  describe("file shapes", () => {
    it("writes btg files: Spanish headers, BOM, CRLF, ';' for customers and transactions, decimal comma, dd/MM/yyyy trade dates", async () => {
      const { dir, truth } = await run({ rows: 4000, seed: 3, defects: {} });
      expect(truth.files).to.deep.equal({ providers: "proveedores.csv", customers: "clientes.csv", transactions: "transacciones.csv" });
      const providers = read(dir, "proveedores.csv").toString("utf8");
      const customers = read(dir, "clientes.csv").toString("utf8");
      const transactions = read(dir, "transacciones.csv").toString("utf8");
      for (const content of [providers, customers, transactions]) {
        expect(content.startsWith("\uFEFF")).to.equal(true);
        expect(content.replace(/\r\n/g, "")).to.not.include("\n");
      }
      expect(providers.split("\r\n")[0]).to.equal("\uFEFFproveedor_id,nombre_proveedor,tipo_energia,capacidad_mw,pais_origen,fecha_registro");
      expect(customers.split("\r\n")[0]).to.equal("\uFEFFcliente_id;tipo_identificacion;numero_identificacion;nombre;ciudad;segmento");
      expect(transactions.split("\r\n")[0]).to.equal(
        "\uFEFFtransaccion_id;tipo_transaccion;id_cliente_proveedor;cantidad_comprada;precio;tipo_energia;fecha_transaccion",
      );
      const providerRecords = parseCsv(providers, ",").records;
      const namesWithCommas = providerRecords.filter((r) => r.fields[1].includes(","));
      expect(namesWithCommas, "provider names with a comma").to.not.be.empty;
      for (const r of namesWithCommas) expect(r.text).to.include(`,"${r.fields[1]}",`);
      const rows = parseCsv(transactions, ";").records;
      expect(rows.some((r) => /^\d+,\d+$/.test(r.fields[3]))).to.equal(true);
      expect(rows.every((r) => /^\d{2}\/\d{2}\/\d{4}$/.test(r.fields[6]))).to.equal(true);
      expect(rows.every((r) => /^T\d{7}$/.test(r.fields[0]) && /^[PC]\d+$/.test(r.fields[2]))).to.equal(true);
      const spellings = new Set(rows.map((r) => r.fields[5]));
      expect([...spellings].some((s) => s !== s.toLowerCase() && s !== s.toUpperCase()), "mixed-case energy types").to.equal(true);
      expect([...spellings].some((s) => /[áéíóú]/i.test(s)), "accented energy types").to.equal(true);
      expect([...spellings].some((s) => s === s.toUpperCase()), "upper-case energy types").to.equal(true);
    });

    it("writes canonical files: contract column names, ',' everywhere, canonical values, ISO dates", async () => {
      const { dir, truth } = await run({ rows: 400, seed: 3, defects: {}, style: "canonical" });
      expect(truth.files).to.deep.equal({ providers: "providers.csv", customers: "customers.csv", transactions: "transactions.csv" });
      for (const name of ["providers", "customers", "transactions"] as const) {
        const content = read(dir, truth.files[name]).toString("utf8");
        expect(content.split("\n")[0]).to.equal(contract(name).columns.map((c) => c.name).join(","));
      }
      const transactions = parseCsv(read(dir, "transactions.csv").toString("utf8"), ",").records;
      expect(new Set(transactions.map((r) => r.fields[1]))).to.deep.equal(new Set(["buy", "sell"]));
      expect(transactions.every((r) => ["wind", "solar", "hydro", "nuclear", "thermal"].includes(r.fields[5]))).to.equal(true);
      expect(transactions.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.fields[6]))).to.equal(true);
    });

    it("writes company files: the company's own headers and columns, ids C001 P001 T0001, its identity types, prices in pesos", async () => {
      const { dir, truth } = await run({ rows: 3000, seed: 3, defects: {}, style: "company" });
      const lines = (file: string) => read(dir, file).toString("utf8").split("\n");
      expect(lines("proveedores.csv")[0]).to.equal("proveedor_id,nombre_proveedor,tipo_energia");
      expect(lines("clientes.csv")[0]).to.equal("cliente_id,tipo_identificacion,nombre,ciudad");
      expect(lines("transacciones.csv")[0]).to.equal("transaccion_id,tipo_transaccion,id_cliente_proveedor,cantidad_comprada,precio");
      expect(read(dir, "clientes.csv").subarray(0, 3).toString("latin1")).to.not.equal("\xef\xbb\xbf");
      const customers = (await readDataset(dir, truth, "customers")).records;
      expect(customers[0].fields[0]).to.equal("C001");
      expect(customers[customers.length - 1].fields[0]).to.equal("C150");
      const idTypes = new Set(customers.map((r) => normalised("customers", "id_type", r.fields[1])));
      expect([...idTypes].sort()).to.include.members(["cc", "nit", "ti"]);
      const transactions = (await readDataset(dir, truth, "transactions")).records;
      expect(transactions[0].fields[0]).to.equal("T0001");
      expect(transactions.every((r) => /^[PC]\d{3}$/.test(r.fields[2]))).to.equal(true);
      const prices = transactions.map((r) => Number(r.fields[4]));
      expect(Math.min(...prices)).to.be.at.least(15_000);
      expect(Math.max(...prices)).to.be.at.most(95_000);
    });

    it("refuses a defect the style has no column for, and leaves it out of the default set", async () => {
      expect(() => resolveDefectCounts({ bad_date: { count: 1 } }, { providers: 5, customers: 10, transactions: 100 }, ["bad_date"])).to.throw(LakeInputError, /no column for bad_date/);
      const { truth } = await run({ rows: 100, seed: 1, defects: "default", style: "company" });
      expect(truth.defects.map((d) => d.kind)).to.not.include("bad_date");
      expect(truth.defects.find((d) => d.kind === "unknown_enum")?.column).to.equal("transaction_type");
    });

    it("quotes text fields holding a delimiter or a quote", () => {
      expect(csvText("Eólica del Norte, S.A.")).to.equal('"Eólica del Norte, S.A."');
      expect(csvText("Hotel Las Américas; Sede Norte")).to.equal('"Hotel Las Américas; Sede Norte"');
      expect(csvText('Comercializadora "La Esperanza" Ltda.')).to.equal('"Comercializadora ""La Esperanza"" Ltda."');
      expect(csvText("Bogotá")).to.equal("Bogotá");
    });

    it("formats decimals with the file's separator", () => {
      expect(decimalText(12345, 2, ",")).to.equal("123,45");
      expect(decimalText(1005, 3, ".")).to.equal("1.005");
      expect(decimalText(42, 0, ",")).to.equal("42");
    });
  });

  describe("ground truth", () => {
    const everyKind: DefectSpec = {
      null_key: { count: 7 },
      duplicate_key: { count: 9 },
      bad_number: { count: 11 },
      bad_date: { fraction: 0.002 },
      unknown_enum: { count: 5 },
      negative_quantity: { count: 6 },
      orphan_counterparty: { count: 13 },
      customers_null_name: { count: 4 },
      providers_duplicate_key: { count: 3 },
    };

    for (const style of ["btg", "canonical", "company"] as const) {
      it(`records every defect on exactly the lines that carry it (${style})`, async () => {
        // The company's exports have no trade date: bad dates cannot be injected there.
        const spec: DefectSpec = style === "company" ? { ...everyKind, bad_date: undefined } : everyKind;
        const { dir, truth } = await run({ rows: 5000, seed: 99, defects: spec, style });
        const found = await detectDefects(dir, truth);
        const expected = manifestDefects(truth);
        expect(Object.fromEntries(found)).to.deep.equal(Object.fromEntries(expected));
        const count = (kind: string) => truth.defects.filter((d) => d.kind === kind).reduce((sum, d) => sum + d.count, 0);
        expect(count("null_key")).to.equal(7);
        expect(count("duplicate_key")).to.equal(9);
        expect(count("bad_number")).to.equal(11);
        expect(count("bad_date")).to.equal(style === "company" ? 0 : 10);
        expect(count("orphan_counterparty")).to.equal(13);
        expect(truth.defects.filter((d) => d.kind === "orphan_counterparty").map((d) => [d.detail, d.count])).to.deep.equal([["buy", 7], ["sell", 6]]);
        expect(count("customers_null_name")).to.equal(4);
        expect(count("providers_duplicate_key")).to.equal(3);
        for (const d of truth.defects) {
          expect(d.lines.length).to.equal(d.count);
          expect([...d.lines].sort((a, b) => a - b)).to.deep.equal(d.lines);
        }
      });
    }

    it("counts in the manifest match the rows in the files", async () => {
      const { dir, truth } = await run({ rows: 3000, seed: 4, defects: everyKind });
      expect(truth).to.include({ generator: "energy-lake", version: 1, seed: 4, style: "btg" });
      expect(truth.rows).to.deep.equal({ providers: 15 + 3, customers: 150, transactions: 3000 });
      for (const name of ["providers", "customers", "transactions"] as const) {
        expect((await readDataset(dir, truth, name)).records.length, name).to.equal(truth.rows[name]);
      }
      expect(JSON.parse(read(dir, "manifest.json").toString("utf8"))).to.deep.equal(JSON.parse(JSON.stringify(truth)));
    });

    it("writes clean data when asked for no defects", async () => {
      const { dir, truth } = await run({ rows: 4000, seed: 8, defects: parseDefectSpec("none") });
      expect(truth.defects).to.deep.equal([]);
      expect([...(await detectDefects(dir, truth)).keys()]).to.deep.equal([]);
      expect(truth.rows).to.deep.equal({ providers: 20, customers: 200, transactions: 4000 });
    });

    it("puts at least one of each kind, and an orphan buy and sell, in the default set", async () => {
      const { dir, truth } = await run({ rows: 60, seed: 7, defects: "default" });
      expect(truth.defects.map((d) => `${d.kind}${d.detail === "buy" || d.detail === "sell" ? `/${d.detail}` : ""}:${d.column}`)).to.deep.equal([
        "null_key:transaction_id",
        "duplicate_key:transaction_id",
        "bad_number:quantity_kwh",
        "bad_date:transaction_date",
        "unknown_enum:energy_type",
        "negative_quantity:quantity_kwh",
        "orphan_counterparty/buy:counterparty_id",
        "orphan_counterparty/sell:counterparty_id",
        "customers_null_name:customer_name",
        "providers_duplicate_key:provider_id",
      ]);
      expect(Object.fromEntries(await detectDefects(dir, truth))).to.deep.equal(Object.fromEntries(manifestDefects(truth)));
    });

    it("scales the default set to the size", () => {
      const counts = resolveDefectCounts("default", { providers: 100, customers: 5000, transactions: 20000 });
      expect(counts).to.deep.equal({
        null_key: 20, duplicate_key: 20, bad_number: 20, bad_date: 20, unknown_enum: 20, negative_quantity: 20,
        orphan_counterparty: 20, customers_null_name: 5, providers_duplicate_key: 1,
      });
    });
  });

  describe("bundled samples", () => {
    const dataDir = path.join(__dirname, "..", "data", "sample");

    it("data/sample is exactly what `lake generate --rows 60 --seed 7 --defects default --out data/sample` writes", async () => {
      const { dir, truth } = await run({ rows: 60, seed: 7, defects: parseDefectSpec("default") });
      for (const file of [...Object.values(truth.files), "manifest.json"]) {
        expect(read(dir, file).equals(read(dataDir, file)), `data/sample/${file}`).to.equal(true);
      }
    });

    it("data/btg-export is clean: known headers, known values, unique ids, valid references and numbers", () => {
      const exportDir = path.join(__dirname, "..", "data", "btg-export");
      const load = (file: string, dataset: string) => {
        const { header, records } = parseCsv(fs.readFileSync(path.join(exportDir, file), "utf8"), ",");
        const { mapping, unknown } = mapHeaders(contract(dataset), header);
        expect(unknown, file).to.deep.equal([]);
        return records.map((r) => Object.fromEntries(mapping.map((name, i) => [name, r.fields[i]])) as Record<string, string>);
      };
      const providers = load("proveedores.csv", "providers");
      const customers = load("clientes.csv", "customers");
      const transactions = load("transacciones.csv", "transactions");
      const providerIds = new Set(providers.map((p) => p.provider_id));
      const customerIds = new Set(customers.map((c) => c.customer_id));
      expect(providerIds.size).to.equal(providers.length);
      expect(customerIds.size).to.equal(customers.length);
      expect(new Set(transactions.map((t) => t.transaction_id)).size).to.equal(transactions.length);
      expect(providers.map((p) => normalised("providers", "energy_type", p.energy_type))).to.deep.equal(["wind", "hydro", "solar", "thermal", "nuclear"]);
      for (const c of customers) {
        expect(normalised("customers", "id_type", c.id_type), c.customer_id).to.be.a("string");
        expect(c.customer_name.trim(), c.customer_id).to.not.equal("");
      }
      for (const t of transactions) {
        const type = normalised("transactions", "transaction_type", t.transaction_type);
        expect((type === "buy" ? providerIds : customerIds).has(t.counterparty_id), t.transaction_id).to.equal(true);
        expect(Number(t.quantity_kwh), t.transaction_id).to.be.greaterThan(0);
        expect(Number(t.price), t.transaction_id).to.be.greaterThan(0);
      }
    });
  });

  describe("defect spec", () => {
    it("parses none, default and kind lists", () => {
      expect(parseDefectSpec("none")).to.deep.equal({});
      expect(parseDefectSpec("default")).to.equal("default");
      expect(parseDefectSpec("null_key=3, bad_date=0.01,providers_duplicate_key=1")).to.deep.equal({
        null_key: { count: 3 },
        bad_date: { fraction: 0.01 },
        providers_duplicate_key: { count: 1 },
      });
    });

    it("names every bad part and lists the valid kinds", () => {
      let error: unknown;
      try {
        parseDefectSpec("null_key=2,nul_key=1,bad_date=1.5,oops,null_key=4");
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(LakeInputError);
      const problems = (error as LakeInputError).problems;
      expect(problems).to.have.length(4);
      expect(problems[0]).to.include('"nul_key=1"').and.include("unknown defect kind");
      expect(problems[1]).to.include('"bad_date=1.5"').and.include("between 0 and 1");
      expect(problems[2]).to.include('"oops"');
      expect(problems[3]).to.include('"null_key=4"').and.include("twice");
      expect((error as Error).message).to.include("orphan_counterparty").and.include("customers_null_name");
    });

    it("rejects more defects than rows", () => {
      expect(() => resolveDefectCounts({ null_key: { count: 10 } }, { providers: 5, customers: 10, transactions: 10 })).to.throw(LakeInputError, /at most 9/);
      expect(() => resolveDefectCounts({ customers_null_name: { fraction: 1 } }, { providers: 5, customers: 10, transactions: 10 })).to.throw(LakeInputError, /named customer/);
    });
  });

  describe("options and CLI arguments", () => {
    it("rejects bad options with what to fix", async () => {
      const attempt = generate({ rows: 0, seed: -1, defects: {}, outDir: path.join(root, "never") });
      let error: unknown;
      await attempt.catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(LakeInputError);
      expect((error as LakeInputError).problems.join("\n")).to.include("rows 0").and.include("seed -1");
      expect(fs.existsSync(path.join(root, "never"))).to.equal(false);
    });

    it("parses lake generate arguments", () => {
      expect(parseGenerateArgs(["--rows", "60", "--seed", "7", "--defects", "default", "--out", "data"])).to.deep.equal({
        rows: 60, seed: 7, defects: "default", outDir: "data", style: undefined,
      });
      expect(parseGenerateArgs(["--rows", "10", "--seed", "0", "--style", "canonical", "--out", "x"]).defects).to.deep.equal({});
    });

    it("explains missing and malformed arguments", () => {
      expect(() => parseGenerateArgs(["--rows", "ten", "--style", "csv"])).to.throw(LakeInputError).that.satisfies((e: LakeInputError) => {
        const text = e.problems.join("\n");
        return text.includes('--rows "ten"') && text.includes("--seed is missing") && text.includes("--out is missing") && text.includes('--style "csv"');
      });
      expect(() => parseGenerateArgs(["--rows", "1", "--seed", "1", "--out", "x", "--colour", "red"])).to.throw(LakeInputError, /--colour/);
    });
  });

  describe("building blocks", () => {
    it("samples distinct values in range", () => {
      const picked = sampleDistinct(1000, 1000, new Rng(3));
      expect(new Set(picked).size).to.equal(1000);
      expect(Math.min(...picked)).to.equal(0);
      expect(Math.max(...picked)).to.equal(999);
    });

    it("writes files larger than its buffer intact", async () => {
      const format: FileFormat = {
        fileName: "big.csv", delimiter: ";", bom: true, newline: "\r\n", decimalComma: true, dateFormat: "dd/MM/yyyy", headers: ["a", "b"],
      };
      const file = path.join(root, "big.csv");
      const writer = await ChunkedFileWriter.open(file, format);
      let expected = "\uFEFFa;b\r\n";
      for (let i = 0; i < 60_000; i++) {
        const line = `${i};Hidroeléctrica número ${i}\r\n`;
        expected += line;
        if (writer.append(line)) await writer.flush();
      }
      await writer.close();
      expect(fs.readFileSync(file, "utf8")).to.equal(expected);
    });
  });
});
