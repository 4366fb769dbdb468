import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { DatasetDocuments, JsonObject } from "../../src/contract/documents";
import { importOdcs } from "../../src/contract/odcs-import";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { compileDqdl } from "../../src/quality/dqdl";
import { compileAthenaVerification, compileChecks } from "../../src/quality/sql";
import { duckdbTarget } from "../../src/sql/batch-source";
import { tempDir } from "../support/lake";
import { deepCopy, exportYaml, shippedModel, typedModel, withoutSchemaKey } from "./helpers";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const lake = (args: string[]) => spawnSync(lakeBin, args, { encoding: "utf8" });

/** Export to ODCS YAML text, import it back. */
function roundTrip(documents: readonly DatasetDocuments[]): { datasets: DatasetDocuments[]; findings: unknown[] } {
  const typed = typedModel(documents);
  return importOdcs(exportYaml(documents, typed.contracts, typed.ruleSets), { outDir: "/nowhere" });
}

function expectSameDocuments(before: readonly DatasetDocuments[], after: readonly DatasetDocuments[]): void {
  expect(after.map((d) => d.dataset)).to.deep.equal(before.map((d) => d.dataset));
  for (const d of before) {
    const back = after.find((a) => a.dataset === d.dataset) as DatasetDocuments;
    expect(back.contract, `${d.dataset} contract`).to.deep.equal(withoutSchemaKey(d.contract));
    expect(back.rules, `${d.dataset} rules`).to.deep.equal(withoutSchemaKey(d.rules));
  }
}

/** Everything the engines run: DuckDB and Athena SQL, and DQDL, per dataset. */
function compiled(documents: readonly DatasetDocuments[]): string[] {
  const { contracts, ruleSets } = typedModel(documents);
  return ruleSets.flatMap((r) => [
    ...compileChecks(r, contracts, duckdbTarget("/lake"), "2026-01-05").queries.map((q) => q.sql),
    ...compileAthenaVerification(r, contracts, { processedDatabase: "p", quarantineDatabase: "q", curatedDatabase: "c" }, "?"),
    compileDqdl(r, contracts),
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
