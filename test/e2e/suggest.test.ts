import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { suggestRuleFiles, writeRuleFiles } from "../../src/app/suggest-rules";
import { generate, GeneratorStyle, GroundTruth, parseDefectSpec } from "../../src/generator/generate";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets, validateRuleFiles } from "../../src/model/rules";
import { runLoad } from "../../src/pipeline/load";
import { QualityReport } from "../../src/report/types";
import { ExportShape, OTHER_SHAPES, respellExport } from "../support/export-shapes";
import { keepReport, tempDir } from "../support/lake";

const contracts = loadContracts();
const shipped = loadRuleSets(contracts);

/**
 * The exports the loop is tried on: two generator styles, and generated company exports re-spelled
 * into shapes no sample has (see OTHER_SHAPES), each with the id pattern its suggestions must find.
 */
interface TriedShape {
  readonly name: string;
  readonly style: GeneratorStyle;
  readonly respell?: ExportShape;
  readonly customerIdPattern: string;
}

const SHAPES: readonly TriedShape[] = [
  { name: "company exports", style: "company", customerIdPattern: "C[0-9]+" },
  { name: "btg exports", style: "btg", customerIdPattern: "C[0-9]+" },
  { name: OTHER_SHAPES[0].name, style: "company", respell: OTHER_SHAPES[0], customerIdPattern: "C[0-9]+" },
  { name: OTHER_SHAPES[1].name, style: "company", respell: OTHER_SHAPES[1], customerIdPattern: "CLI-[0-9]+" },
];

async function generateAndLoad(lake: string, loadDate: string, seed: number, defects: string, shape: TriedShape, rows = 3000): Promise<GroundTruth> {
  const input = tempDir("suggest-input");
  const truth = await generate({ rows, seed, defects: parseDefectSpec(defects), outDir: input, style: shape.style });
  fs.rmSync(path.join(input, "manifest.json"));
  if (shape.respell !== undefined) respellExport(input, shape.respell);
  await runLoad({ inputDir: input, lakeDir: lake, loadDate, contracts });
  fs.rmSync(input, { recursive: true, force: true });
  return truth;
}

/** The suggested rule that must count each injected defect kind. */
function suggestedRuleFor(dataset: string, kind: string, column: string): string {
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
      return `${dataset}.${column}.non_negative`;
    case "orphan_counterparty":
      return `${dataset}.${column}.references`;
    default:
      throw new Error(`no suggested rule mapped for defect kind ${kind}`);
  }
}

const notPassing = (report: QualityReport): string[] =>
  report.datasets.flatMap((d) => d.rules).filter((r) => r.status !== "pass").map((r) => `${r.id} ${r.status} ${r.failed}/${r.total} ${r.message ?? ""}`);

for (const shape of SHAPES) describe(`rules suggested from a clean load (${shape.name})`, function () {
  const style = shape.style;
  this.timeout(300_000);
  let lake: string;
  let rulesDir: string;

  before(async () => {
    lake = tempDir("suggest-lake");
    rulesDir = tempDir("suggested-rules");
    await generateAndLoad(lake, "2026-01-05", 101, "none", shape);
    const suggested = await suggestRuleFiles({ lakeDir: lake, contracts, ruleSets: shipped });
    writeRuleFiles(rulesDir, suggested.files.map((f) => f.file));
  });

  after(() => {
    for (const dir of [lake, rulesDir]) if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("validate, and give every rule its evidence: what was observed, over how many rows and loads", () => {
    const files = fs.readdirSync(rulesDir).map((f) => path.join(rulesDir, f)).sort();
    expect(files.map((f) => path.basename(f))).to.deep.equal(["customers.json", "providers.json", "transactions.json"]);
    expect(validateRuleFiles(files, contracts)).to.deep.equal([]);
    const rules = loadRuleSets(contracts, rulesDir).flatMap((s) => s.rules);
    for (const rule of rules) expect(rule.description, rule.id).to.match(/rows of load 2026-01-05|load seen had/);
    const byId = new Map(rules.map((r) => [r.id, r]));
    expect(byId.get("transactions.transaction_id.unique")?.severity).to.equal("error");
    expect(byId.get("transactions.counterparty_id.references")).to.deep.include({ severity: "error" });
    expect(byId.get("transactions.price.range")).to.deep.include({ severity: "warn", max: style === "company" ? 120_000 : 1200 });
    expect(byId.get("customers.customer_id.pattern")).to.deep.include({ pattern: shape.customerIdPattern, severity: "warn" });
  });

  it("pass on another clean load of the same shape, where the shipped rules fail no error-severity rule either", async () => {
    await generateAndLoad(lake, "2026-01-06", 202, "none", shape);
    const report = await checkLoad({ lakeDir: lake, loadDate: "2026-01-06", contracts, ruleSets: loadRuleSets(contracts, rulesDir) });
    // The row count bands follow earlier loads checked with them: none yet, so they say so and skip.
    const waiting = report.datasets.flatMap((d) => d.rules).filter((r) => r.status === "skipped" && /^baseline not compared: 0 earlier loads/.test(r.message ?? "")).map((r) => r.id);
    expect(waiting).to.deep.equal(["customers.row_count_band", "providers.row_count_band", "transactions.row_count_band"]);
    expect(notPassing(report).filter((r) => !waiting.includes(r.split(" ")[0]))).to.deep.equal([]);
    const withShipped = await checkLoad({ lakeDir: lake, loadDate: "2026-01-06", contracts, ruleSets: shipped });
    const blocking = withShipped.datasets.flatMap((d) => d.rules).filter((r) => r.severity === "error" && r.status !== "pass").map((r) => `${r.id} ${r.failed}/${r.total}`);
    expect(blocking).to.deep.equal([]);
    for (const d of withShipped.datasets) expect(d.rows.quarantined, d.name).to.equal(0);
  });

  it("catch the nulls, duplicates, bad numbers, bad enum values, negatives and orphans injected into a third, each with its exact count", async () => {
    const dates = style === "company" ? "" : "bad_date=5,";
    const spec = `null_key=7,duplicate_key=11,bad_number=13,${dates}unknown_enum=9,negative_quantity=6,orphan_counterparty=8,customers_null_name=4,providers_duplicate_key=3`;
    const truth = await generateAndLoad(lake, "2026-01-07", 303, spec, shape);
    const report = await checkLoad({ lakeDir: lake, loadDate: "2026-01-07", contracts, ruleSets: loadRuleSets(contracts, rulesDir) });
    const expected = new Map<string, number>();
    for (const d of truth.defects) {
      const rule = suggestedRuleFor(d.dataset, d.kind, d.column);
      expected.set(rule, (expected.get(rule) ?? 0) + d.count);
    }
    const results = new Map(report.datasets.flatMap((d) => d.rules).map((r) => [r.id, r]));
    for (const [id, count] of expected) {
      expect(results.get(id)?.failed, id).to.equal(count);
      expect(results.get(id)?.status, id).to.equal("fail");
    }
    // No other error-severity rule fails: the clean rows of the defective load stay clean.
    const otherErrors = [...results.values()].filter((r) => r.severity === "error" && r.status !== "pass" && !expected.has(r.id)).map((r) => `${r.id} ${r.failed}/${r.total}`);
    expect(otherErrors).to.deep.equal([]);
  });
});

describe("a suggested row count band, once loads checked with it are kept", function () {
  this.timeout(300_000);
  let lake: string;
  let rulesDir: string;

  after(() => {
    for (const dir of [lake, rulesDir]) if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("judges a load against the median of the earlier ones, and warns on a load a fifth of their size", async () => {
    lake = tempDir("suggest-baseline");
    rulesDir = tempDir("suggested-baseline-rules");
    const company = SHAPES[0];
    await generateAndLoad(lake, "2026-03-01", 1, "none", company, 2000);
    writeRuleFiles(rulesDir, (await suggestRuleFiles({ lakeDir: lake, contracts, ruleSets: shipped })).files.map((f) => f.file));
    const ruleSets = loadRuleSets(contracts, rulesDir);
    for (const [day, seed] of [["02", 2], ["03", 3], ["04", 4]] as const) {
      await generateAndLoad(lake, `2026-03-${day}`, seed, "none", company, 2000);
      await keepReport(lake, await checkLoad({ lakeDir: lake, loadDate: `2026-03-${day}`, contracts, ruleSets }));
    }
    await generateAndLoad(lake, "2026-03-05", 5, "none", company, 400);
    const report = await checkLoad({ lakeDir: lake, loadDate: "2026-03-05", contracts, ruleSets });
    const band = report.datasets.find((d) => d.name === "transactions")?.rules.find((r) => r.id === "transactions.row_count_band");
    expect(band).to.deep.include({ status: "warn", severity: "warn" });
    expect(band?.message).to.match(/^400 is outside the baseline: at least 1,000 and at most 4,000 \(median 2,000 of 3 earlier loads, 2026-03-02 to 2026-03-04\)/);
    expect(report.datasets.flatMap((d) => d.rules).filter((r) => r.severity === "error" && r.status !== "pass").map((r) => r.id)).to.deep.equal([]);
  });
});
