import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { LakeLock } from "../../src/pipeline/lock";
import { historySummary, loadHistory, renderHistoryText, saveReport } from "../../src/report/history";
import { renderHistory, renderReport } from "../../src/report/render";
import { upgradeReport, validateReport } from "../../src/report/validate";
import type { QualityReport } from "../../src/report/types";
import { tempDir } from "../support/lake";
import { mutableSample, sampleReport, threeLoadHistory } from "./helpers";

describe("report history", () => {
  let lake: string;
  let lock: LakeLock;
  beforeEach(async () => {
    lake = tempDir("report-history");
    lock = await LakeLock.acquire(lake, "history test");
  });
  afterEach(() => {
    lock.release();
    fs.rmSync(lake, { recursive: true, force: true });
  });

  it("keeps each load's report in quality/<load_date>/ as JSON, Markdown and HTML", () => {
    const written = saveReport(lock, sampleReport());
    expect(written.map((f) => path.relative(lake, f))).to.deep.equal(["quality/2026-11-20/report.json", "quality/2026-11-20/report.md", "quality/2026-11-20/report.html", "quality/2026-11-20/junit.xml", "quality/index.html"].map((f) => path.normalize(f)));
    expect(JSON.parse(fs.readFileSync(written[0], "utf8"))).to.deep.equal(sampleReport());
    expect(fs.readFileSync(written[1], "utf8")).to.include("## Data quality: FAIL (load 2026-11-20)");
    expect(fs.readdirSync(path.join(lake, "quality", "2026-11-20")).sort()).to.deep.equal(["junit.xml", "report.html", "report.json", "report.md"]);
    expect(fs.existsSync(path.join(lake, "_staging")), "the report is committed through staging, which is gone after").to.equal(false);
  });

  it("loads the history sorted by load date, whatever order the loads were saved in", () => {
    const [first, second, third] = threeLoadHistory();
    for (const report of [third, first, second]) saveReport(lock, report);
    expect(loadHistory(lake).map((r) => r.load_date)).to.deep.equal(["2026-11-18", "2026-11-19", "2026-11-20"]);
  });

  it("reads a version 1 report kept by an earlier release, upgraded: its key samples kept, file and line unknown", () => {
    const v1 = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "report.v1.sample.json"), "utf8")) as { load_date: string };
    expect(validateReport(upgradeReport(v1))).to.deep.equal([]);
    fs.mkdirSync(path.join(lake, "quality", v1.load_date), { recursive: true });
    fs.writeFileSync(path.join(lake, "quality", v1.load_date, "report.json"), JSON.stringify(v1));
    const [report] = loadHistory(lake);
    expect(report.report_version).to.equal(2);
    const unique = report.datasets.flatMap((d) => d.rules).find((r) => r.id === "transactions_key_unique")!;
    expect(unique.samples[0]).to.deep.equal({ key: "TX-000311", value: null, file: null, line: null });
    expect(renderReport(report, "text", [report])).to.include("failing rows: TX-000311, TX-000412, TX-000977");
  });

  it("reads a version 2 report kept before samples carried rows: its `sample` keys become samples", () => {
    const early = JSON.parse(JSON.stringify(sampleReport())) as { datasets: { rules: Record<string, unknown>[] }[] };
    for (const rule of early.datasets.flatMap((d) => d.rules)) {
      rule.sample = (rule.samples as { key: string }[]).map((s) => s.key);
      delete rule.samples;
    }
    const upgraded = upgradeReport(early) as QualityReport;
    expect(validateReport(upgraded)).to.deep.equal([]);
    expect(upgraded.datasets[0].rules[2].samples[0]).to.deep.equal({ key: "7***2", value: null, file: null, line: null });
  });

  it("draws the trend of earlier loads into a saved HTML report", () => {
    const [first, second, third] = threeLoadHistory();
    for (const report of [first, second, third]) saveReport(lock, report);
    const html = fs.readFileSync(path.join(lake, "quality", "2026-11-20", "report.html"), "utf8");
    expect(html).to.include("Failed rows per load from 2026-11-18 to 2026-11-20: 8, 51, 33");
  });

  it("replaces a load's report when the load runs again", () => {
    saveReport(lock, sampleReport());
    const rerun = mutableSample();
    rerun.duration_seconds = 9;
    saveReport(lock, rerun as never);
    const history = loadHistory(lake);
    expect(history).to.have.length(1);
    expect(history[0].duration_seconds).to.equal(9);
  });

  it("is empty for a lake without reports", () => {
    expect(loadHistory(lake)).to.deep.equal([]);
    expect(renderHistoryText([])).to.equal("No quality reports in the lake yet: run a load first.\n");
  });

  it("refuses to write a report that breaks the schema", () => {
    const broken = mutableSample();
    broken.summary.rules = 99;
    expect(() => saveReport(lock, broken as never)).to.throw("/summary/rules: is 99 but the rules give 17");
    expect(fs.existsSync(path.join(lake, "quality"))).to.equal(false);
  });

  it("names a corrupt report file and says how to fix it", () => {
    saveReport(lock, sampleReport());
    const file = path.join(lake, "quality", "2026-11-20", "report.json");
    fs.writeFileSync(file, "{ not json");
    expect(() => loadHistory(lake)).to.throw(LakeInputError, `${file}: is not valid JSON`).with.property("message").that.includes("run the checks for load 2026-11-20 again");
  });

  it("names a report that breaks the schema, with the JSON path", () => {
    saveReport(lock, sampleReport());
    const file = path.join(lake, "quality", "2026-11-20", "report.json");
    const report = JSON.parse(fs.readFileSync(file, "utf8"));
    report.status = "green";
    fs.writeFileSync(file, JSON.stringify(report));
    expect(() => loadHistory(lake)).to.throw(LakeInputError, `${file}: is not a valid quality report`).with.property("message").that.includes(`${file}: /status: must be equal to one of the allowed values`);
  });

  it("refuses a report kept in another load's folder", () => {
    saveReport(lock, sampleReport());
    fs.renameSync(path.join(lake, "quality", "2026-11-20"), path.join(lake, "quality", "2026-11-21"));
    expect(() => loadHistory(lake)).to.throw(LakeInputError, "holds the report of load 2026-11-20 in the folder of load 2026-11-21");
  });

  describe("summary and trend", () => {
    const rows = historySummary(threeLoadHistory());

    it("gives a row per load and dataset with status, failed rules and rows, quarantined and rows", () => {
      expect(rows.map((r) => `${r.load_date} ${r.dataset}`)).to.deep.equal([
        "2026-11-18 customers", "2026-11-18 providers", "2026-11-18 transactions",
        "2026-11-19 customers", "2026-11-19 providers", "2026-11-19 transactions",
        "2026-11-20 customers", "2026-11-20 providers", "2026-11-20 transactions",
      ]);
      expect(rows[8]).to.deep.equal({
        load_date: "2026-11-20", dataset: "transactions", status: "fail", failed_rules: 2, warned_rules: 1, failed_rows: 33, quarantined: 12, rows: 1200, trend: "better",
      });
    });

    it("compares each load with the dataset's previous one", () => {
      const trends = (dataset: string) => rows.filter((r) => r.dataset === dataset).map((r) => r.trend);
      expect(trends("transactions")).to.deep.equal(["new", "worse", "better"]);
      expect(trends("providers")).to.deep.equal(["new", "same", "same"]);
      // customers: fewer failed rows on 11-20, but it fails (counts do not reconcile): worse.
      expect(trends("customers")).to.deep.equal(["new", "worse", "worse"]);
    });

    it("renders as an aligned text table", () => {
      const lines = renderHistoryText(rows).trimEnd().split("\n");
      expect(lines[0]).to.match(/^load date\s+dataset\s+status\s+failed rules\s+warned rules\s+failed rows\s+quarantined\s+rows\s+trend$/);
      expect(lines.at(-1)).to.match(/^2026-11-20\s+transactions\s+FAIL\s+2\s+1\s+33\s+12\s+1,200\s+better$/);
      expect(lines).to.have.length(2 + 9);
    });

    it("renders as JSON, Markdown and HTML for `lake report --history`", () => {
      const history = threeLoadHistory();
      expect(JSON.parse(renderHistory(history, "json"))).to.deep.equal(rows);
      expect(renderHistory(history, "md")).to.include("| 2026-11-20 | transactions | **FAIL** | 2 | 1 | 33 | 12 | 1,200 | better |");
      expect(renderHistory(history, "html")).to.include("Failed rows per load from 2026-11-18 to 2026-11-20: 8, 51, 33");
      expect(() => renderHistory([], "html")).to.throw(LakeInputError, "No quality reports in the lake yet");
    });
  });

  it("renders a report in every format through one entry point", () => {
    const report = sampleReport();
    expect(JSON.parse(renderReport(report, "json"))).to.deep.equal(report);
    expect(renderReport(report, "text")).to.include("exit code 1");
    expect(renderReport(report, "md")).to.include("## Data quality: FAIL");
    expect(renderReport(report, "html")).to.include("<!DOCTYPE html>");
    expect(renderReport(report, "junit")).to.include("<testsuites");
  });
});
