import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DatasetDocuments, isJsonObject, Json, JsonObject } from "../../src/contract/documents";
import { importOdcs } from "../../src/contract/odcs-import";
import { odcsSchemaProblems } from "../../src/contract/odcs-schema";
import { CONTRACT_SCHEMA_FILE, PROJECT_ROOT } from "../../src/model/contracts";
import { RULES_SCHEMA_FILE } from "../../src/model/rules";
import { compileDqdl, compileDqdlRules } from "../../src/quality/dqdl";
import { compileAthenaVerification, compileChecks } from "../../src/quality/sql";
import { duckdbTarget } from "../../src/sql/batch-source";
import { tempDir } from "../support/lake";
import { generatedModel } from "./generated-models";
import { deepCopy, exportYaml, shippedModel, typedModel, withoutSchemaKey } from "./helpers";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const lake = (args: string[]) => spawnSync(lakeBin, args, { encoding: "utf8" });

/** Export to ODCS YAML text, import it back. */
function roundTrip(documents: readonly DatasetDocuments[]): { datasets: DatasetDocuments[]; findings: unknown[] } {
  const typed = typedModel(documents);
  return importOdcs(exportYaml(documents, typed.contracts, typed.ruleSets), { outDir: "/nowhere" });
}

/**
 * A contract as the loaders read it: a default written out (status active, required or pii
 * false) is the model that leaves it out, and key columns are required whether or not they say so.
 */
function normalisedContract(contract: JsonObject): JsonObject {
  const { status, columns, ...rest } = withoutSchemaKey(contract) as JsonObject;
  const key = (contract.key ?? []) as Json[];
  return {
    ...rest,
    ...(status === undefined || status === "active" ? {} : { status }),
    columns: ((columns ?? []) as JsonObject[]).map((column) => {
      const { required, pii, ...fields } = column;
      return { ...fields, ...(required === true || key.includes(column.name) ? { required: true } : {}), ...(pii === true ? { pii } : {}) };
    }),
  };
}

/** Fields compared in key order: import writes them in its own order, and JSON objects have none. */
const sortedKeys = (value: Json | undefined): Json | undefined =>
  Array.isArray(value) ? value.map((v) => sortedKeys(v) as Json) : isJsonObject(value) ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys(value[k]) as Json])) : value;

function expectSameDocuments(before: readonly DatasetDocuments[], after: readonly DatasetDocuments[], context = ""): void {
  expect(after.map((d) => d.dataset), context).to.deep.equal(before.map((d) => d.dataset));
  for (const d of before) {
    const back = after.find((a) => a.dataset === d.dataset) as DatasetDocuments;
    expect(sortedKeys(normalisedContract(back.contract)), `${context} ${d.dataset} contract`).to.deep.equal(sortedKeys(normalisedContract(d.contract)));
    expect(back.rules, `${context} ${d.dataset} rules`).to.deep.equal(withoutSchemaKey(d.rules));
  }
}

/** The fields of every document of a model, by where they sit, and its rule kinds. */
function fieldsOf(models: readonly (readonly DatasetDocuments[])[]): Record<"contract" | "column" | "ruleFile" | "rule" | "kind", Set<string>> {
  const seen = { contract: new Set<string>(), column: new Set<string>(), ruleFile: new Set<string>(), rule: new Set<string>(), kind: new Set<string>() };
  for (const d of models.flat()) {
    Object.keys(d.contract).forEach((f) => seen.contract.add(f));
    ((d.contract.columns ?? []) as JsonObject[]).forEach((c) => Object.keys(c).forEach((f) => seen.column.add(f)));
    if (d.rules === undefined) continue;
    Object.keys(d.rules).forEach((f) => seen.ruleFile.add(f));
    for (const rule of (d.rules.rules ?? []) as JsonObject[]) {
      Object.keys(rule).forEach((f) => seen.rule.add(f));
      seen.kind.add(String(rule.kind));
    }
  }
  return seen;
}

/** Everything the engines run: DuckDB and Athena SQL, and DQDL, per dataset. */
function compiled(documents: readonly DatasetDocuments[]): string[] {
  const { contracts, ruleSets } = typedModel(documents);
  return ruleSets.flatMap((r) => [
    ...compileChecks(r, contracts, duckdbTarget("/lake"), "2026-01-05").queries.map((q) => q.sql),
    ...compileAthenaVerification(r, contracts, { processedDatabase: "p", quarantineDatabase: "q", curatedDatabase: "c" }, "?"),
    // Glue refuses an empty ruleset, and so does compileDqdl (schema kinds have no DQDL form).
    ...(compileDqdlRules(r, contracts).some((c) => c.dqdl.length > 0) ? [compileDqdl(r, contracts)] : []),
  ]);
}

describe("ODCS round trip: export then import is the identity", function () {
  this.timeout(120_000);
  const model = shippedModel();

  it("on the shipped model: the same contracts, the same rules, the same SQL and DQDL, and nothing reported", () => {
    const back = roundTrip(model.documents);
    expect(back.findings).to.deep.equal([]);
    expectSameDocuments(model.documents, back.datasets);
    expect(compiled(back.datasets)).to.deep.equal(compiled(model.documents));
  });

  it("on variations of the model: thresholds, two-sided row counts, foreign keys, formats, status, PII", () => {
    const variants: ((docs: DatasetDocuments[]) => void)[] = [
      (docs) => {
        const rules = docs[2].rules?.rules as JsonObject[];
        rules.find((r) => r.id === "transactions.transaction_id.not_null")!.threshold = 0.07;
        rules.find((r) => r.id === "transactions.row_count")!.max = 250000;
        rules.find((r) => r.kind === "references")!.targets = [{ dataset: "providers", column: "provider_id" }];
        rules.push({ id: "transactions.energy_type.solar_only", kind: "accepted_values", column: "energy_type", values: ["solar"], where: [{ column: "transaction_type", equals: "buy" }], threshold: 0.3, severity: "warn", description: "d" });
      },
      (docs) => {
        const contract = docs[0].contract;
        contract.status = "deprecated";
        contract.date_formats = ["dd.MM.yyyy", "yyyy-MM-dd"];
        contract.timestamp_formats = ["dd.MM.yyyy HH:mm"];
        const columns = contract.columns as JsonObject[];
        delete columns[2].description;
        columns[4].pii = true;
        columns.push({ name: "signed_up", type: "timestamp" }, { name: "active", type: "boolean", required: true }, { name: "meters", type: "integer" });
        const rules = docs[0].rules?.rules as JsonObject[];
        rules.unshift({ id: "customers.meters.range", kind: "range", column: "meters", min: 0, max: 40, severity: "warn", description: "d" });
        rules.push({ id: "customers.row_count.max", kind: "row_count", max: 10, severity: "warn", description: "d" });
        delete docs[0].rules?.description;
      },
      (docs) => {
        (docs[1].rules?.rules as JsonObject[]).reverse();
        docs[1].contract.key = ["provider_name", "provider_id"];
      },
    ];
    for (const [i, change] of variants.entries()) {
      const documents = deepCopy(model.documents);
      change(documents);
      const back = roundTrip(documents);
      expect(back.findings, `variant ${i}`).to.deep.equal([]);
      expectSameDocuments(documents, back.datasets);
      expect(compiled(back.datasets), `variant ${i}`).to.deep.equal(compiled(documents));
    }
  });

  const GENERATED = 150;
  const generated = Array.from({ length: GENERATED }, (_, i) => generatedModel(i + 1));

  it(`on ${GENERATED} generated models: every contract and column field, every rule kind and field, in random combinations`, () => {
    for (const [i, documents] of generated.entries()) {
      const seed = `generated model ${i + 1}`;
      const typed = typedModel(documents);
      const exported = exportYaml(documents, typed.contracts, typed.ruleSets);
      for (const e of exported) {
        const document = parse(e.text) as JsonObject;
        expect(odcsSchemaProblems(document), `${seed} ${e.file}`).to.deep.equal([]);
        // What a custom rule says it compiles to is never an empty text.
        const schema = (document.schema as JsonObject[])[0];
        const items = [...((schema.quality ?? []) as JsonObject[]), ...(schema.properties as JsonObject[]).flatMap((p) => (p.quality ?? []) as JsonObject[])];
        for (const derived of items.flatMap((q) => (q.customProperties ?? []) as JsonObject[])) expect(derived.value, `${seed} ${e.file} ${String(derived.property)}`).to.be.a("string").and.not.equal("");
      }
      const back = importOdcs(exported, { outDir: "/nowhere" });
      expect(back.findings, seed).to.deep.equal([]);
      expectSameDocuments(documents, back.datasets, seed);
      expect(compiled(back.datasets), seed).to.deep.equal(compiled(documents));
    }
  });

  it("the shipped and generated models exercise every field and rule kind the contract and rule schemas declare", () => {
    const seen = fieldsOf([model.documents, ...generated]);
    const contractSchema = JSON.parse(fs.readFileSync(CONTRACT_SCHEMA_FILE, "utf8")) as { properties: object; $defs: { column: { properties: object } } };
    const rulesSchema = JSON.parse(fs.readFileSync(RULES_SCHEMA_FILE, "utf8")) as { properties: object; $defs: { rule: { properties: { kind: { enum: string[] } } } } };
    const missing = (declared: Iterable<string>, found: Set<string>): string[] => [...declared].filter((f) => !found.has(f));
    const fix = "teach test/contract/generated-models.ts to write it (or ship a contract or rule that uses it), so the ODCS round trip is tested on it";
    expect(missing(Object.keys(contractSchema.properties), seen.contract), `contract fields never exported: ${fix}`).to.deep.equal([]);
    expect(missing(Object.keys(contractSchema.$defs.column.properties), seen.column), `column fields never exported: ${fix}`).to.deep.equal([]);
    expect(missing(Object.keys(rulesSchema.properties), seen.ruleFile), `rule-file fields never exported: ${fix}`).to.deep.equal([]);
    expect(missing(Object.keys(rulesSchema.$defs.rule.properties), seen.rule), `rule fields never exported: ${fix}`).to.deep.equal([]);
    expect(missing(rulesSchema.$defs.rule.properties.kind.enum, seen.kind), `rule kinds never exported: ${fix}`).to.deep.equal([]);
  });

  it("through the CLI: lake contract export, validate, import, then compile to the same Athena SQL and DQDL", () => {
    const dir = tempDir("odcs-cli");
    const odcs = path.join(dir, "odcs");
    const imported = path.join(dir, "model");
    const exported = lake(["contract", "export", "--format", "odcs", "--out", odcs]);
    expect(exported.status, exported.stderr).to.equal(0);
    const files = ["customers", "providers", "transactions"].map((d) => path.join(odcs, `${d}.odcs.yaml`));
    expect(lake(["contract", "validate", ...files]).status).to.equal(0);
    const back = lake(["contract", "import", ...files, "--out", imported]);
    expect(back.status, back.stdout + back.stderr).to.equal(0);
    expect(back.stdout).to.include("everything in the documents was carried over");
    const modelArgs = ["--contracts", path.join(imported, "contracts"), "--rules", path.join(imported, "quality-rules")];
    // DuckDB SQL is compared in-process above; each CLI run costs a process start.
    for (const target of ["athena", "dqdl"]) {
      const args = ["compile", "--target", target, "--format", "json", "--load-date", "2026-01-05", "--lake", dir];
      const shipped = lake(args);
      const fromOdcs = lake([...args, ...modelArgs]);
      expect(fromOdcs.status, fromOdcs.stderr).to.equal(0);
      expect(fromOdcs.stdout, target).to.equal(shipped.stdout);
    }
  });
});
