import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DatasetDocuments, JsonObject } from "../../src/contract/documents";
import { diffModels, renderDiff, widens } from "../../src/contract/diff";
import { DEFAULT_CONTRACTS_DIR, parseColumnType, PROJECT_ROOT } from "../../src/model/contracts";
import { DEFAULT_RULES_DIR } from "../../src/model/rules";
import { tempDir } from "../support/lake";
import { deepCopy, shippedModel } from "./helpers";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const shipped = shippedModel().documents;

type Edit = (d: { transactions: DatasetDocuments; customers: DatasetDocuments; providers: DatasetDocuments; all: DatasetDocuments[] }) => void;

function diffAfter(edit: Edit) {
  const after = deepCopy(shipped);
  const by = (n: string) => after.find((d) => d.dataset === n) as DatasetDocuments;
  edit({ transactions: by("transactions"), customers: by("customers"), providers: by("providers"), all: after });
  return diffModels(shipped, after.filter((d) => d.contract.name !== "__removed__"));
}

const columns = (d: DatasetDocuments) => d.contract.columns as JsonObject[];
const column = (d: DatasetDocuments, name: string) => columns(d).find((c) => c.name === name) as JsonObject;
const rules = (d: DatasetDocuments) => d.rules?.rules as JsonObject[];
const changes = (diff: ReturnType<typeof diffModels>) => diff.datasets.flatMap((d) => d.changes.map((c) => [c.change, c.compatibility]));

describe("lake contract diff: the breaking-change gate", function () {
  this.timeout(120_000);

  it("no change, no finding", () => {
    const diff = diffModels(shipped, deepCopy(shipped));
    expect(diff.datasets.flatMap((d) => d.changes)).to.deep.equal([]);
    expect(diff.undeclared).to.equal(0);
  });

  const breaking: [string, Edit][] = [
    ["column-removed", ({ transactions }) => void (transactions.contract.columns = columns(transactions).filter((c) => c.name !== "energy_type"))],
    ["column-renamed", ({ transactions }) => Object.assign(column(transactions, "price"), { name: "unit_price", aliases: ["price", "precio"] })],
    ["type-narrowed", ({ transactions }) => void (column(transactions, "price").type = "decimal(18,2)")],
    ["type-narrowed", ({ customers }) => void (column(customers, "id_number").type = "integer")],
    ["required-added", ({ transactions }) => void (column(transactions, "energy_type").required = true)],
    ["required-column-added", ({ providers }) => void columns(providers).push({ name: "grid_code", type: "string", required: true })],
    ["key-changed", ({ customers }) => void (customers.contract.key = ["customer_id", "id_type"])],
    ["accepted-values-narrowed", ({ transactions }) => void (rules(transactions).find((r) => r.id === "transactions.energy_type.accepted_values")!.values = ["wind", "solar", "hydro"])],
    ["accepted-values-narrowed", ({ providers }) => void rules(providers).push({ id: "providers.country.accepted_values", kind: "accepted_values", column: "country", values: ["co", "es"], severity: "error", description: "d" })],
    ["accepted-values-narrowed", ({ providers }) => void delete (column(providers, "energy_type").values as JsonObject).nuclear],
    ["value-spelling-removed", ({ transactions }) => void ((column(transactions, "transaction_type").values as JsonObject).buy = ["compra", "buy"])],
    ["range-narrowed", ({ transactions }) => void (rules(transactions).find((r) => r.id === "transactions.price.range")!.max = 4000)],
    ["pii-removed", ({ customers }) => void delete column(customers, "customer_name").pii],
    ["header-alias-removed", ({ transactions }) => void (column(transactions, "price").aliases = ["precio"])],
    ["file-name-removed", ({ customers }) => void (customers.contract.file_names = ["customers"])],
    ["date-format-removed", ({ customers }) => void (customers.contract.date_formats = ["yyyy-MM-dd"])],
    // curated_partition: a field the gate judges generically (any change needs declaring).
    ["field-removed", ({ transactions }) => void delete transactions.contract.curated_partition],
    ["field-changed", ({ transactions }) => void ((transactions.contract.curated_partition as JsonObject).granularity = "day")],
    ["field-added", ({ providers }) => void (providers.contract.curated_partition = { column: "registered_at", granularity: "year", name: "registered_year" })],
    ["dataset-removed", ({ customers }) => void (customers.contract.name = "__removed__")],
  ];
  for (const [kind, edit] of breaking) {
    it(`${kind} is breaking, and fails the gate unless the major version declares it`, () => {
      const diff = diffAfter(edit);
      expect(changes(diff)).to.deep.include([kind, "breaking"]);
      expect(diff.undeclared).to.be.greaterThan(0);
      if (kind === "dataset-removed") return;
      const declared = diffAfter((d) => {
        edit(d);
        for (const doc of d.all) if (diff.datasets.some((v) => v.dataset === doc.dataset && !v.declared)) doc.contract.version = "2.0.0";
      });
      expect(declared.undeclared, JSON.stringify(declared.datasets.filter((d) => !d.declared))).to.equal(0);
      expect(declared.breaking).to.be.greaterThan(0);
    });
  }

  const compatible: [string, Edit][] = [
    ["column-added", ({ providers }) => void columns(providers).push({ name: "grid_code", type: "string" })],
    ["type-widened", ({ transactions }) => void (column(transactions, "price").type = "decimal(20,6)")],
    ["type-widened", ({ transactions }) => void (column(transactions, "transaction_date").type = "timestamp")],
    ["required-removed", ({ customers }) => void delete column(customers, "city").required],
    ["pii-added", ({ providers }) => void (column(providers, "provider_name").pii = true)],
    ["header-alias-added", ({ transactions }) => void (column(transactions, "price").aliases as string[]).push("unit_price")],
    ["value-added", ({ transactions }) => void ((column(transactions, "energy_type").values as JsonObject).biomass = ["biomasa"])],
    ["description-changed", ({ transactions }) => void (transactions.contract.description = "Trades.")],
    ["rule-added", ({ providers }) => void rules(providers).push({ id: "providers.country.not_null", kind: "not_null", column: "country", severity: "warn", description: "d" })],
    ["rule-removed", ({ providers }) => void (providers.rules!.rules = rules(providers).filter((r) => r.id !== "providers.capacity_mw.range"))],
    ["dataset-added", ({ all }) => void all.push({ dataset: "meters", contract: { name: "meters", version: "1.0.0", description: "d", file_names: ["meters"], key: ["meter_id"], columns: [{ name: "meter_id", type: "string" }] }, rules: undefined })],
  ];
  for (const [kind, edit] of compatible) {
    it(`${kind} is compatible`, () => {
      const diff = diffAfter(edit);
      expect(changes(diff)).to.deep.include([kind, "compatible"]);
      expect(diff.breaking).to.equal(0);
    });
  }

  it("a dataset marked deprecated (or retired) first is removed without a breaking change", () => {
    const before = deepCopy(shipped);
    (before.find((d) => d.dataset === "customers") as DatasetDocuments).contract.status = "deprecated";
    const diff = diffModels(before, before.filter((d) => d.dataset !== "customers"));
    expect(changes(diff)).to.deep.equal([["dataset-removed", "compatible"]]);
    expect(diffAfter(({ customers }) => void (customers.contract.name = "__removed__")).datasets.find((d) => d.dataset === "customers")?.advice).to.match(/first mark its contract "status": "deprecated"/);
  });

  it("a lower major version is breaking whatever else changed", () => {
    const diff = diffAfter(({ transactions }) => void (transactions.contract.version = "0.9.0"));
    expect(changes(diff)).to.deep.equal([["version-lowered", "breaking"]]);
  });

  it("widening: every value of the old type is a value of the new one", () => {
    const w = (a: string, b: string) => widens(parseColumnType(a), parseColumnType(b));
    expect([w("decimal(18,3)", "decimal(19,3)"), w("decimal(18,3)", "decimal(19,4)"), w("integer", "decimal(38,0)"), w("date", "timestamp"), w("boolean", "string")]).to.deep.equal([true, true, true, true, true]);
    expect([w("decimal(18,3)", "decimal(18,4)"), w("decimal(18,3)", "integer"), w("integer", "decimal(18,0)"), w("timestamp", "date"), w("string", "integer")]).to.deep.equal([false, false, false, false, false]);
  });

  it("renders text, Markdown and JSON naming the file, the path, the change and the fix", () => {
    const diff = diffAfter(({ transactions }) => void (column(transactions, "price").type = "decimal(18,2)"));
    const text = renderDiff(diff, "text", "old", "new");
    expect(text).to.include("breaking    contracts/transactions.json /columns/price/type: price: decimal(18,4) → decimal(18,2) is not a widening");
    expect(text).to.include(`-> declare the breaking change by raising the major version of contracts/transactions.json ("version": "2.0.0"), or undo it`);
    expect(text.trimEnd().split("\n").pop()).to.equal("FAIL: 1 breaking change not declared by a major version (transactions)");
    const md = renderDiff(diff, "md", "old", "new");
    expect(md).to.match(/^## Contract changes: `old` → `new`/);
    expect(md).to.include("| **breaking** | type-narrowed | `contracts/transactions.json` `/columns/price/type` |");
    const json = JSON.parse(renderDiff(diff, "json", "old", "new")) as { verdict: string; undeclared: number; datasets: { name: string; changes: { change: string }[] }[] };
    expect(json.verdict).to.equal("fail");
    expect(json.datasets.find((d) => d.name === "transactions")?.changes.map((c) => c.change)).to.deep.equal(["type-narrowed"]);
  });

  it("CLI: lake contract diff OLD_DIR NEW_DIR exits 1 on an undeclared breaking change, 0 once the version declares it", () => {
    const root = tempDir("diff");
    const copy = (name: string) => {
      const dir = path.join(root, name);
      fs.cpSync(DEFAULT_CONTRACTS_DIR, path.join(dir, "contracts"), { recursive: true });
      fs.cpSync(DEFAULT_RULES_DIR, path.join(dir, "quality-rules"), { recursive: true });
      return dir;
    };
    const old = copy("old");
    const now = copy("new");
    const file = path.join(now, "contracts", "customers.json");
    const contract = JSON.parse(fs.readFileSync(file, "utf8")) as JsonObject;
    contract.columns = (contract.columns as JsonObject[]).filter((c) => c.name !== "city");
    fs.writeFileSync(file, JSON.stringify(contract));
    const rulesFile = path.join(now, "quality-rules", "customers.json");
    const ruleFile = JSON.parse(fs.readFileSync(rulesFile, "utf8")) as JsonObject;
    ruleFile.rules = (ruleFile.rules as JsonObject[]).filter((r) => r.column !== "city");
    fs.writeFileSync(rulesFile, JSON.stringify(ruleFile));
    const failed = spawnSync(lakeBin, ["contract", "diff", old, now, "--format", "md"], { encoding: "utf8" });
    expect(failed.status, failed.stderr).to.equal(1);
    expect(failed.stdout).to.include("column-removed");
    fs.writeFileSync(file, JSON.stringify({ ...contract, version: "2.0.0" }));
    const declared = spawnSync(lakeBin, ["contract", "diff", old, now], { encoding: "utf8" });
    expect(declared.status, declared.stdout).to.equal(0);
    expect(declared.stdout).to.include("customers 1.0.0 → 2.0.0: 1 breaking, 1 compatible (declared by the major version)");
  });

  it("CI: scripts/contract-gate.sh compares with the previous commit, and says plainly when a shallow clone has none", () => {
    const repo = tempDir("gate-repo");
    const git = (cwd: string, ...args: string[]) => {
      const r = spawnSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd, encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout;
    };
    fs.mkdirSync(path.join(repo, "scripts"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "scripts", "contract-gate.sh"), path.join(repo, "scripts", "contract-gate.sh"));
    fs.cpSync(DEFAULT_CONTRACTS_DIR, path.join(repo, "contracts"), { recursive: true });
    fs.cpSync(DEFAULT_RULES_DIR, path.join(repo, "quality-rules"), { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "model");
    const gate = (cwd: string) =>
      spawnSync(path.join(cwd, "scripts", "contract-gate.sh"), ["--contracts", path.join(cwd, "contracts"), "--rules", path.join(cwd, "quality-rules")], { encoding: "utf8", env: { ...process.env, LAKE: lakeBin } });
    const first = gate(repo);
    expect(first.status).to.equal(0);
    expect(first.stdout).to.match(/contract gate: not checked: it has no commit HEAD~1; no contract change was compared/);

    const file = path.join(repo, "contracts", "transactions.json");
    const contract = JSON.parse(fs.readFileSync(file, "utf8")) as JsonObject;
    (contract.columns as JsonObject[]).find((c) => c.name === "price")!.type = "decimal(18,2)";
    fs.writeFileSync(file, JSON.stringify(contract, null, 2));
    git(repo, "commit", "-q", "-am", "narrow price");
    const narrowed = gate(repo);
    expect(narrowed.status, narrowed.stdout + narrowed.stderr).to.equal(1);
    expect(narrowed.stdout).to.include("price: decimal(18,4) → decimal(18,2)");

    const clone = path.join(tempDir("gate-clone"), "checkout");
    spawnSync("git", ["clone", "-q", "--depth", "1", `file://${repo}`, clone], { encoding: "utf8" });
    const shallow = gate(clone);
    expect(shallow.status).to.equal(0);
    expect(shallow.stdout).to.match(/not checked: it is a shallow clone without HEAD~1/);

    const noRef = spawnSync(lakeBin, ["contract", "diff", "--base", "HEAD~1", "--contracts", path.join(clone, "contracts"), "--rules", path.join(clone, "quality-rules")], { encoding: "utf8" });
    expect(noRef.status).to.equal(2);
    expect(noRef.stderr).to.match(/--base HEAD~1: no such commit .* \(a shallow clone: fetch more history with `git fetch --deepen=1`\)/);
  });
});
