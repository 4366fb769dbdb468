import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { generate, GeneratorStyle, GroundTruth, parseDefectSpec } from "../../src/generator/generate";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { runLoad } from "../../src/pipeline/load";
import { exitCodeOf } from "../../src/report/build";
import { QualityReport } from "../../src/report/types";
import { validateReport } from "../../src/report/validate";
import { query, tempDir } from "../support/lake";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);
const LOAD_DATE = "2026-01-05";

/** The rule that counts each injected defect kind (see the GroundTruth docs in src/generator/ground-truth.ts). */
function ruleFor(dataset: string, kind: string, column: string): string {
  switch (kind) {
    case "null_key":
    case "customers_null_name":
      return `${dataset}.${column}.not_null`;
    case "duplicate_key":
    case "providers_duplicate_key":
      return `${dataset}.${column}.unique`;
    case "bad_number":
    case "bad_date":
      return `${dataset}.${column}.type`;
    case "unknown_enum":
      return `${dataset}.${column}.accepted_values`;
    case "negative_quantity":
      return `${dataset}.${column}.range`;
    case "orphan_counterparty":
      return `${dataset}.${column}.references`;
    default:
      throw new Error(`no rule mapped for defect kind ${kind}`);
  }
}

function expectedFailures(truth: GroundTruth): Map<string, number> {
  const expected = new Map<string, number>();
  for (const d of truth.defects) {
    const rule = ruleFor(d.dataset, d.kind, d.column);
    expected.set(rule, (expected.get(rule) ?? 0) + d.count);
  }
  return expected;
}

async function generateAndLoad(spec: string, style: GeneratorStyle, rows = 3000): Promise<{ truth: GroundTruth; report: QualityReport; lake: string }> {
  const input = tempDir("gen");
  const truth = await generate({ rows, seed: 42, defects: parseDefectSpec(spec), outDir: input, style });
  fs.rmSync(path.join(input, "manifest.json"));
  const lake = tempDir("lake");
  await runLoad({ inputDir: input, lakeDir: lake, loadDate: LOAD_DATE, contracts });
  const report = await checkLoad({ lakeDir: lake, loadDate: LOAD_DATE, contracts, ruleSets });
  return { truth, report, lake };
}

describe("end to end: generated exports with known defects", function () {
  this.timeout(300_000);

  for (const style of ["btg", "canonical", "company"] as const) {
    it(`reports every injected defect with its exact count (${style} style)`, async () => {
      // The company's exports have no trade date column, so no bad date can be injected there.
      const dates = style === "company" ? "" : "bad_date=5,";
      const spec = `null_key=7,duplicate_key=11,bad_number=13,${dates}unknown_enum=9,negative_quantity=6,orphan_counterparty=8,customers_null_name=4,providers_duplicate_key=3`;
      const { truth, report } = await generateAndLoad(spec, style);
      const expected = expectedFailures(truth);
      expect(expected.size).to.be.greaterThan(8);
      const actual = new Map(report.datasets.flatMap((d) => d.rules.map((r) => [r.id, r.failed] as const)));
      for (const [rule, count] of expected) expect(actual.get(rule), rule).to.equal(count);
      for (const d of report.datasets) {
        for (const r of d.rules) {
          expect(r.status, `${r.id}: ${r.message ?? ""}`).to.not.equal("error");
          // Warnings about the columns company exports lack (completeness, freshness) are not defects of rows.
          if (!expected.has(r.id) && r.severity === "error") expect(r.failed, `${r.id} should not fail on rows without defects`).to.equal(0);
          if (!expected.has(r.id) && style !== "company") expect(r.failed, `${r.id} should not fail on rows without defects`).to.equal(0);
        }
      }
      expect(validateReport(report)).to.deep.equal([]);
      expect(exitCodeOf(report)).to.equal(1);
    });
  }

  it("reconciles every layer: raw = processed + quarantined, with the untypable rows quarantined at their lines", async () => {
    const { truth, report, lake } = await generateAndLoad("null_key=7,bad_number=13,customers_null_name=4,duplicate_key=5", "btg", 60_000);
    const quarantinedLines = await query(`SELECT list(_row ORDER BY _row) AS lines FROM read_parquet('${lake}/quarantine/transactions/*/*.parquet')`);
    const untypableLines = truth.defects.filter((d) => d.dataset === "transactions" && d.kind !== "duplicate_key").flatMap((d) => d.lines).sort((a, b) => a - b);
    expect((quarantinedLines[0].lines as string[]).map(Number)).to.deep.equal(untypableLines);
    const untypable = (dataset: string): number =>
      truth.defects.filter((d) => d.dataset === dataset && ["null_key", "bad_number", "customers_null_name"].includes(d.kind)).reduce((s, d) => s + d.count, 0);
    for (const d of report.datasets) {
      const dataset = d.name as keyof GroundTruth["rows"];
      expect(d.rows.raw, d.name).to.equal(truth.rows[dataset]);
      expect(d.rows.quarantined, d.name).to.equal(untypable(d.name));
      expect(d.rows.processed, d.name).to.equal(truth.rows[dataset] - untypable(d.name));
      expect(d.rows.reconciled).to.equal(true);
    }
    const transactions = report.datasets.find((d) => d.name === "transactions");
    // Curated drops the duplicates (and holds only typed rows).
    expect(transactions?.rows.curated).to.equal(truth.rows.transactions - untypable("transactions") - 5);
  });

  it("finds no error-severity failure on clean exports of the company's real shape, at scale, and exits 0", async () => {
    const { report } = await generateAndLoad("none", "company", 20_000);
    const blocking = report.datasets.flatMap((d) => d.rules.filter((r) => r.severity === "error" && r.status !== "pass").map((r) => `${r.id}: ${r.failed}/${r.total} ${r.message ?? ""}`));
    expect(blocking).to.deep.equal([]);
    expect(report.datasets.map((d) => d.rows.quarantined)).to.deep.equal([0, 0, 0]);
    expect(exitCodeOf(report)).to.equal(0);
  });

  it("finds no failure on clean data and exits 0", async () => {
    const { report } = await generateAndLoad("none", "btg", 2000);
    const failing = report.datasets.flatMap((d) => d.rules.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.failed}/${r.total} ${r.message ?? ""}`));
    expect(failing).to.deep.equal([]);
    expect(exitCodeOf(report)).to.equal(0);
  });

  it("issues one aggregate scan per dataset batch, plus one anti-join per referenced dataset", async () => {
    const { report } = await generateAndLoad("none", "canonical", 200);
    const queries = Object.fromEntries(report.datasets.map((d) => [d.name, d.queries]));
    expect(queries).to.deep.equal({ customers: 1, providers: 1, transactions: 3 });
  });
});

describe("end to end: the lake CLI", function () {
  this.timeout(300_000);
  const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");

  it("loads the BTG-style export unchanged, with every count reconciled", () => {
    const lake = tempDir("lake");
    const result = spawnSync(lakeBin, ["run", "--input", path.join(PROJECT_ROOT, "data", "btg-export"), "--lake", lake, "--load-date", "2026-01-05", "--format", "json"], { encoding: "utf8" });
    const report = JSON.parse(result.stdout) as QualityReport;
    expect(report.datasets.map((d) => d.name)).to.deep.equal(["customers", "providers", "transactions"]);
    for (const d of report.datasets) {
      expect(d.rows.raw, d.name).to.be.greaterThan(0);
      expect(d.rows.quarantined, d.name).to.equal(0);
      expect(d.rows.reconciled, d.name).to.equal(true);
    }
    const failing = report.datasets.flatMap((d) => d.rules.filter((r) => r.status === "fail" || r.status === "error").map((r) => r.id));
    expect(failing).to.deep.equal([]);
    expect(result.status).to.equal(0);
  });

  it("prints one JSON report with datasets[].name and rows, and exits 1 when an error rule fails", () => {
    const lake = tempDir("lake");
    const result = spawnSync(lakeBin, ["run", "--input", path.join(PROJECT_ROOT, "data", "sample"), "--lake", lake, "--load-date", "2026-01-05", "--format", "json"], { encoding: "utf8" });
    expect(result.status).to.equal(1);
    const report = JSON.parse(result.stdout) as QualityReport;
    expect(validateReport(report)).to.deep.equal([]);
    for (const d of report.datasets) expect(Object.keys(d.rows)).to.include.members(["raw", "processed", "quarantined", "curated"]);
    expect(fs.existsSync(path.join(lake, "quality", "2026-01-05", "report.html"))).to.equal(true);
    expect(result.stderr).to.match(/transactions: read 60 records/);
  });

  it("exits 2 with a one-line reason, no stack trace, on bad input", () => {
    const input = tempDir("in");
    fs.writeFileSync(path.join(input, "clientes.csv"), "");
    const result = spawnSync(lakeBin, ["run", "--input", input, "--lake", tempDir("lake")], { encoding: "utf8" });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/^error: .*clientes\.csv: file is empty/m);
    expect(result.stderr).to.not.match(/\n\s+at /);
  });

  it("exits 2 on an unknown command or flag", () => {
    expect(spawnSync(lakeBin, ["frobnicate"], { encoding: "utf8" }).status).to.equal(2);
    const result = spawnSync(lakeBin, ["check", "--lake", "x", "--colour"], { encoding: "utf8" });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/lake check: Unknown option '--colour'/);
  });
});
