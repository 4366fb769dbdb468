import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { DatasetDocuments, isJsonObject, Json, JsonObject } from "../../src/contract/documents";
import { importOdcs, toIdentifier } from "../../src/contract/odcs-import";
import { wholeValuePattern } from "../../src/contract/odcs-import-rules";
import { Finding } from "../../src/contract/odcs-reader";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { tempDir } from "../support/lake";
import { readText, typedModel } from "./helpers";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "odcs");
const fixture = (name: string) => ({ file: name, text: readText(path.join(FIXTURES, name)) });
const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");

const STANDARD = fs.readdirSync(FIXTURES).filter((f) => f.startsWith("standard-")).sort();

function findingAt(findings: readonly Finding[], file: string, pointer: string, kind?: string): Finding {
  const found = findings.find((f) => f.file === file && f.path === pointer && (kind === undefined || f.kind === kind));
  expect(found, `${kind ?? "a"} finding at ${file} ${pointer}; found: ${findings.filter((f) => f.file === file).map((f) => `${f.kind} ${f.path}`).join(" | ")}`).not.to.equal(undefined);
  return found as Finding;
}

/** Every leaf of a document with its JSON Pointer. */
function leaves(value: Json, at = ""): { path: string; value: Json }[] {
  if (Array.isArray(value)) return value.length === 0 ? [] : value.flatMap((v, i) => leaves(v, `${at}/${i}`));
  if (isJsonObject(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`));
  return [{ path: at, value }];
}

describe("ODCS import of documents written elsewhere", function () {
  this.timeout(60_000);

  it("imports every example of the standard without throwing, and whatever it writes is a valid model", () => {
    for (const name of STANDARD) {
      const result = importOdcs([fixture(name)], { outDir: "/nowhere" });
      expect(() => typedModel(result.datasets), name).not.to.throw();
    }
  });

  it("names nothing silently dropped: each leaf of each document is carried into the model or lies under a finding", () => {
    for (const name of [...STANDARD, "meter-readings.odcs.yaml"]) {
      const source = fixture(name);
      const result = importOdcs([source], { outDir: "/nowhere" });
      const written = JSON.stringify(result.datasets);
      const covered = (p: string) => result.findings.some((f) => p === f.path || p.startsWith(`${f.path}/`) || f.path === "/");
      for (const doc of parseAllDocuments(source.text) as unknown as { toJS(): Json }[]) {
        const uncovered = leaves(doc.toJS())
          .filter((l) => !(l.value === false || l.value === null || l.value === -1 || l.path.endsWith("/apiVersion") || l.path.endsWith("/kind")))
          .filter((l) => !covered(l.path))
          // Carried: the value (a name, a description, a threshold) is in what was written.
          .filter((l) => !written.includes(JSON.stringify(l.value)) && !(typeof l.value === "string" && written.includes(JSON.stringify(toIdentifier(l.value)))))
          // Structure that import reads and export writes back: types, keys, metrics, operators.
          .filter((l) => !/\/(logicalType|physicalType|primaryKey|primaryKeyPosition|required|type|metric|unit|mustBe\w*|status|version|name|value|property|to|validValues\/\d+|properties\/\d+)$/.test(l.path));
        expect(uncovered, name).to.deep.equal([]);
      }
    }
  });

  it("reports each feature energy-lake does not have, at its JSON path, with the reason", () => {
    const name = "meter-readings.odcs.yaml";
    const { findings, datasets } = importOdcs([fixture(name)], { outDir: "/nowhere" });
    const expectations: [string, string, RegExp][] = [
      ["/schema/0/properties/2/quality/2", "not-imported", /SQL check: energy-lake rules are structured and never run SQL text/],
      ["/schema/0/properties/3/quality/1", "not-imported", /described in words/],
      ["/schema/0/quality/4", "not-imported", /a soda check/],
      ["/schema/0/quality/3/metric", "not-imported", /"freshness" is not one of ODCS v3.1.0's/],
      ["/schema/0/properties/2/quality/3/mustBeLessThan", "not-imported", /ratio of the rows checked, not a number of rows/],
      ["/schema/0/properties/2/quality/0/mustBeLessThan", "changed", /read as at most 2%/],
      ["/schema/0/quality/0/mustBeBetween", "changed", /bounds excluded: 101 to 99999 rows/],
      ["/schema/0/properties/2/quality/1/arguments/missingValues", "changed", /\["N\/A","-"\] become null markers of column/],
      ["/schema/0/properties/5/relationships/1", "not-imported", /composite keys have no counterpart/],
      ["/schema/0/properties/5/relationships/0", "error", /no contract "supply_points"/],
      ["/schema/0/properties/11/quality/0", "error", /look-around is not supported/],
      ["/schema/0/properties/2/logicalTypeOptions/exclusiveMaximum", "not-imported", /exclusive bound on a decimal/],
      ["/schema/0/properties/7/logicalType", "changed", /no floating-point type; imported as decimal\(38,9\)/],
      ["/schema/0/properties/8/logicalType", "changed", /no time-of-day type/],
      ["/schema/0/properties/9/properties", "not-imported", /nested data/],
      ["/schema/0/properties/5/classification", "changed", /"restricted" is read as PII/],
      ["/schema/0/properties/10/tags", "changed", /tag "pii" is read as PII/],
      ["/schema/0/properties/10/customProperties/1", "not-imported", /"maskingPolicy" is not a field of an energy-lake column/],
      ["/schema/0/properties/1/logicalTypeOptions/timezone", "changed", /carry no time zone/],
      ["/schema/0/customProperties/1", "not-imported", /"retentionDays" is not a field of an energy-lake contract/],
      ["/schema/0/quality/0/schedule", "not-imported", /rules run after every load/],
      ["/schema/0/quality/2", "not-imported", /needs arguments.properties/],
      ["/schema/0/physicalName", "not-imported", /names its tables after the dataset/],
      ["/servers/0", "not-imported", /derives the servers/],
      ["/team", "not-imported", /Lake Formation roles/],
      ["/slaProperties", "not-imported", /freshness rule/],
      ["/version", "changed", /"2.3" is not MAJOR.MINOR.PATCH; the contract's version is 2.3.0/],
      ["/schema/0/properties/4", "invalid", /not valid ODCS v3.1.0: must NOT have unevaluated properties \("rule"\)/],
    ];
    for (const [pointer, kind, message] of expectations) expect(findingAt(findings, name, pointer, kind).message).to.match(message);

    const [meters] = datasets as DatasetDocuments[];
    expect(meters.contract).to.deep.include({ name: "meter_readings", version: "2.3.0", key: ["meter_id", "read_at"], file_names: ["lecturas", "meter_readings"], timestamp_formats: ["yyyy-MM-dd'T'HH:mm:ss"] });
    const column = (n: string) => (meters.contract.columns as JsonObject[]).find((c) => c.name === n);
    expect(column("meter_id")).to.deep.equal({ name: "meter_id", type: "string", required: true, aliases: ["meterId"] });
    expect(column("customer_email")).to.deep.equal({ name: "customer_email", type: "string", pii: true, aliases: ["email", "correo"] });
    expect(column("kwh")).to.include({ type: "decimal(12,3)", required: true });
    // Its missing values join the defaults it inherits (a column's markers replace the contract's).
    expect(column("kwh")?.null_markers).to.deep.equal(["NULL", "null", "N/A", "-"]);
    const rule = (id: string) => (meters.rules?.rules as JsonObject[]).find((r) => r.id === id);
    expect(rule("kwh_nulls")).to.include({ kind: "not_null", threshold: 0.02, severity: "warn" });
    expect(rule("meter_readings.row_count")).to.include({ min: 101, max: 99999 });
    expect(rule("meter_readings.unique")).to.deep.include({ columns: ["meter_id", "read_at"] });
    expect(rule("meter_readings.quality_flag.accepted_values")).to.deep.include({ values: ["actual", "estimated"], threshold: 0.005, severity: "error" });
    expect(rule("meter_readings.interval_minutes.range")).to.include({ min: 1, max: 60 });
    expect(rule("meter_readings.meter_id.length")).to.include({ pattern: ".{0,12}" });
    expect(() => typedModel(datasets)).not.to.throw();
  });

  it("reads the standard's own examples as the standard means them", () => {
    const completeness = importOdcs([fixture("standard-column-completeness.odcs.yaml")], { outDir: "/nowhere" });
    expect(completeness.datasets[0].contract).to.deep.include({ name: "air_quality", key: ["unique_id"], description: "Air quality of the city of New York" });
    expect(completeness.datasets[0].rules?.rules).to.deep.equal([{ id: "air_quality.unique_id.not_null", kind: "not_null", severity: "error", description: "This column should not contain null values", column: "unique_id" }]);
    const validity = importOdcs([fixture("standard-column-validity.odcs.yaml")], { outDir: "/nowhere" });
    // validValues ["", null, "n/a"] within 5%: absent values are never invalid here, "n/a" is the one accepted value.
    expect((validity.datasets[0].rules?.rules as JsonObject[])[0]).to.deep.include({ kind: "accepted_values", values: ["n/a"], threshold: 0.05 });
    const full = importOdcs([fixture("standard-full-example.odcs.yaml")], { outDir: "/nowhere" });
    const tbl = full.datasets.find((d) => d.dataset === "tbl") as DatasetDocuments;
    expect(tbl.rules?.rules).to.deep.include({ id: "tbl.row_count", kind: "row_count", severity: "error", description: "Ensure row count is within expected volume range", min: 1000001 });
    expect(tbl.rules?.rules).to.deep.include({ id: "tbl.rcvr_id.references", kind: "references", severity: "error", description: "rcvr_id refers to receivers.id (a foreign key of the ODCS contract).", column: "rcvr_id", targets: [{ dataset: "receivers", column: "id" }] });
    const receivers = full.datasets.find((d) => d.dataset === "receivers") as DatasetDocuments;
    expect(receivers.contract.key).to.deep.equal(["id", "country_code"]);
    expect(findingAt(full.findings, "standard-full-example.odcs.yaml", "/schema/0/relationships/0").message).to.match(/composite keys/);
    const adventureworks = importOdcs([fixture("standard-postgresql-adventureworks.odcs.yaml")], { outDir: "/nowhere" });
    const employee = adventureworks.datasets.find((d) => d.dataset === "employee") as DatasetDocuments;
    expect((employee.contract.columns as JsonObject[]).filter((c) => c.pii === true).map((c) => c.name)).to.deep.equal(["nationalidnumber", "birthdate"]);
    expect((employee.contract.columns as JsonObject[])[0]).to.include({ name: "businessentityid", type: "integer" });
  });

  it("a document that is not YAML, of ODCS v2, or without a key is an error finding, and the rest of the file still imports", () => {
    const { findings, datasets } = importOdcs([fixture("broken.odcs.yaml"), fixture("several-documents.odcs.yaml")], { outDir: "/nowhere" });
    expect(findingAt(findings, "broken.odcs.yaml", "/", "error").message).to.match(/^not valid YAML at line \d+, column \d+/);
    expect(findingAt(findings, "several-documents.odcs.yaml (document 2)", "/apiVersion", "error").message).to.match(/ODCS v2.2.2 is not supported/);
    expect(findingAt(findings, "several-documents.odcs.yaml (document 3)", "/schema/0", "error").message).to.match(/no property has primaryKey: true/);
    expect(datasets.map((d) => d.dataset)).to.deep.equal(["sites"]);
    expect(datasets[0].contract).to.include({ status: "retired", version: "1.0.0" });
  });

  it("never throws on a document whatever its values: each field replaced by a value of another shape, one at a time", () => {
    const shapes: Json[] = [null, 7, -1.5, "", "x y", true, [], [1, "a"], {}, { name: 3 }];
    let seed = 12345;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    let tried = 0;
    for (const name of [...STANDARD, "meter-readings.odcs.yaml"]) {
      const original = (parseAllDocuments(fixture(name).text) as unknown as { toJS(): Json }[])[0].toJS();
      const paths = leaves(original).map((l) => l.path);
      for (let i = 0; i < 40; i++) {
        const document = JSON.parse(JSON.stringify(original)) as Json;
        const keys = paths[next(paths.length)].split("/").slice(1);
        // Replace the leaf, or one of its parents, by a value of another shape.
        const depth = 1 + next(keys.length);
        let parent = document as Record<string, Json>;
        for (const k of keys.slice(0, depth - 1)) parent = parent[k] as Record<string, Json>;
        parent[keys[depth - 1]] = shapes[next(shapes.length)];
        const text = JSON.stringify(document);
        const result = importOdcs([{ file: name, text }], { outDir: "/nowhere" });
        expect(() => typedModel(result.datasets), `${name} with ${keys.slice(0, depth).join("/")} = ${JSON.stringify(parent[keys[depth - 1]])}`).not.to.throw();
        tried++;
      }
    }
    expect(tried).to.be.greaterThan(300);
  });

  it("turns ODCS patterns (matching anywhere) into whole-value patterns that match the same values", () => {
    const notes: string[] = [];
    const note = (m: string) => notes.push(m);
    expect(wholeValuePattern("^(?:T[0-9]{7,})$", note)).to.equal("T[0-9]{7,}");
    expect(wholeValuePattern("^[A-Z]{2}[0-9]{2}$", note)).to.equal("^[A-Z]{2}[0-9]{2}$");
    expect(notes).to.deep.equal([]);
    expect(wholeValuePattern("^(?:a)|(?:b)$", note)).to.equal(".*(?:^(?:a)|(?:b)$).*");
    expect(wholeValuePattern("^a|b$", note)).to.equal(".*(?:^a|b$).*");
    expect(wholeValuePattern("ACC[0-9]{8}", note)).to.equal(".*(?:ACC[0-9]{8}).*");
    expect(wholeValuePattern("^price\\$", note)).to.equal(".*(?:^price\\$).*");
    expect(notes).to.have.length(4);
    const whole = (p: string, v: string) => new RegExp(`^(?:${p})$`).test(v);
    for (const [odcs, value] of [["^a|b$", "xb"], ["ACC[0-9]{8}", "xxACC12345678yy"], ["^price\\$", "price$5"]] as const) {
      expect(whole(wholeValuePattern(odcs, note), value), odcs).to.equal(new RegExp(odcs).test(value));
    }
  });

  it("lake contract import writes DIR/contracts and DIR/quality-rules that lake rules validate accepts, lists the findings and exits 2 when something could not be imported", () => {
    const out = tempDir("odcs-import");
    const result = spawnSync(lakeBin, ["contract", "import", path.join(FIXTURES, "meter-readings.odcs.yaml"), "--out", out, "--format", "json"], { encoding: "utf8" });
    expect(result.status, result.stderr).to.equal(2);
    const report = JSON.parse(result.stdout) as { datasets: string[]; findings: Finding[] };
    expect(report.datasets).to.deep.equal(["meter_readings"]);
    expect(report.findings.filter((f) => f.kind === "error")).to.have.length(2);
    const validate = spawnSync(lakeBin, ["rules", "validate", "--contracts", path.join(out, "contracts"), "--rules", path.join(out, "quality-rules")], { encoding: "utf8" });
    expect(validate.status, validate.stdout).to.equal(0);
  });
});
