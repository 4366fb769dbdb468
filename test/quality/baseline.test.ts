import { expect } from "chai";
import * as fs from "fs";
import { checkLoad } from "../../src/app/check-load";
import { loadContracts } from "../../src/model/contracts";
import { RuleSet, parseRuleSet, ruleFileProblems } from "../../src/model/rules";
import { runLoad } from "../../src/pipeline/load";
import { withLakeLock } from "../../src/pipeline/lock";
import { earlierFigures, judgeBaseline, statisticOf } from "../../src/quality/load-context";
import { saveReport } from "../../src/report/history";
import { QualityReport, RuleResult } from "../../src/report/types";
import { validateReport } from "../../src/report/validate";
import { tempDir, writeFiles } from "../support/lake";
import { sampleReport } from "../report/helpers";

const contracts = loadContracts();
const warn = { severity: "warn", description: "test rule" };

const rules: RuleSet = parseRuleSet("/rules/transactions.json", {
  dataset: "transactions",
  rules: [
    { id: "transactions.rows.trend", kind: "row_count", baseline: { loads: 3, min_loads: 2, statistic: "median", min_factor: 0.5, max_factor: 1.5 }, ...warn },
    { id: "transactions.energy_type.nulls", kind: "not_null", column: "energy_type", baseline: { loads: 3, min_loads: 2, statistic: "max", max_factor: 1 }, ...warn },
    { id: "transactions.quantity_kwh.range", kind: "range", column: "quantity_kwh", min: 0, severity: "error", description: "no negative quantities" },
  ],
}, contracts);

/** A transactions export of `rows` rows, `empty` of them without energy_type, `negative` with a negative quantity. */
function exportOf(day: string, rows: number, empty: number, negative = 0): string {
  const lines = ["transaction_id,transaction_type,counterparty_id,quantity_kwh,price,energy_type,transaction_date"];
  for (let i = 0; i < rows; i++) lines.push(`T${day}${String(i).padStart(4, "0")},buy,P0001,${i < negative ? -5 : 10},0.2,${i < empty ? "" : "solar"},2024-04-30`);
  return lines.join("\n");
}

describe("history-aware rules (baselines from the kept reports)", function () {
  this.timeout(120_000);

  it("compare a load's figures with earlier loads', leave failed loads out, and say when the baseline is too short", async () => {
    const lake = tempDir("baseline");
    const days: [string, number, number, number][] = [
      ["2024-05-01", 10, 1, 0],
      ["2024-05-02", 40, 0, 1], // fails (a negative quantity): left out of every baseline
      ["2024-05-03", 10, 0, 0],
      ["2024-05-04", 12, 1, 0],
      ["2024-05-05", 3, 1, 0],
    ];
    const reports: QualityReport[] = [];
    try {
      for (const [date, rows, empty, negative] of days) {
        const input = writeFiles(tempDir("baseline-input"), { "transactions.csv": exportOf(date.replace(/-/g, "").slice(4), rows, empty, negative) });
        const report = await withLakeLock(lake, "baseline test", async (lock) => {
          await runLoad({ inputDir: input, lakeDir: lake, loadDate: date, contracts, lock });
          const checked = await checkLoad({ lakeDir: lake, loadDate: date, contracts, ruleSets: [rules] });
          saveReport(lock, checked);
          return checked;
        });
        expect(validateReport(report)).to.deep.equal([]);
        reports.push(report);
      }
    } finally {
      fs.rmSync(lake, { recursive: true, force: true });
    }
    const rule = (day: number, id: string): RuleResult => reports[day].datasets[0].rules.find((r) => r.id === id)!;
    // Day 1: nothing to compare with; day 3: only day 1 (day 2 failed), 2 needed.
    expect(rule(0, "transactions.rows.trend")).to.deep.include({ status: "skipped", message: "baseline not compared: 0 earlier loads to compare with (dataset not failed, rule evaluated), 2 needed" });
    expect(rule(2, "transactions.rows.trend")).to.deep.include({ status: "skipped" });
    expect(rule(2, "transactions.rows.trend").baseline).to.deep.equal({ statistic: "median", loads: ["2024-05-01"], needed: 2, value: null, low: null, high: null });
    expect(reports[2].summary.skipped).to.equal(2);
    // Day 4: 12 rows within 0.5..1.5 x the median of days 1 and 3 (10); 1/12 empty, not above the highest (1/10).
    expect(rule(3, "transactions.rows.trend")).to.deep.include({ status: "pass", observed: 12, message: null });
    expect(rule(3, "transactions.rows.trend").baseline).to.deep.equal({ statistic: "median", loads: ["2024-05-01", "2024-05-03"], needed: 2, value: 10, low: 5, high: 15 });
    expect(rule(3, "transactions.energy_type.nulls")).to.deep.include({ status: "pass", failed: 1, total: 12 });
    // Day 5: 3 rows, below half the median of days 1, 3 and 4; a third of the rows empty, above the highest share (10%).
    expect(rule(4, "transactions.rows.trend")).to.deep.include({ status: "warn", failed: 1, total: 1, observed: 3 });
    expect(rule(4, "transactions.rows.trend").message).to.equal("3 is outside the baseline: at least 5 and at most 15 (median 10 of 3 earlier loads, 2024-05-01 to 2024-05-04)");
    expect(rule(4, "transactions.energy_type.nulls")).to.deep.include({ status: "warn", failed: 1, total: 3 });
    expect(rule(4, "transactions.energy_type.nulls").baseline).to.deep.include({ loads: ["2024-05-01", "2024-05-03", "2024-05-04"], value: 0.1, high: 0.1 });
  });

  describe("the baseline, as a pure function of earlier reports (what the AWS report function feeds from S3)", () => {
    const report = (loadDate: string, status: "pass" | "fail", figure: number): QualityReport => {
      const kept = sampleReport();
      const dataset = { ...kept.datasets[2], status, rules: [{ ...kept.datasets[2].rules[0], id: "r", kind: "row_count", status: "pass" as const, observed: figure }] };
      return { ...kept, load_date: loadDate, datasets: [dataset] };
    };
    const history = [report("2024-01-03", "pass", 30), report("2024-01-01", "pass", 10), report("2024-01-02", "fail", 1000), report("2024-01-04", "pass", 20), report("2024-01-09", "pass", 99)];

    it("takes the latest loads before this one whose dataset did not fail, oldest first", () => {
      expect(earlierFigures("r", "transactions", "2024-01-05", 2, history)).to.deep.equal([{ loadDate: "2024-01-03", figure: 30 }, { loadDate: "2024-01-04", figure: 20 }]);
      expect(earlierFigures("r", "transactions", "2024-01-05", 9, history).map((f) => f.loadDate)).to.deep.equal(["2024-01-01", "2024-01-03", "2024-01-04"]);
      expect(earlierFigures("other", "transactions", "2024-01-05", 9, history)).to.deep.equal([]);
    });

    it("computes median, mean, min and max", () => {
      expect([statisticOf("median", [3, 1, 2]), statisticOf("median", [4, 1, 2, 3]), statisticOf("mean", [1, 2, 6]), statisticOf("min", [2, 1]), statisticOf("max", [2, 1])]).to.deep.equal([2, 2.5, 3, 1, 2]);
    });

    it("keeps a rule's own bound when the baseline cannot be compared", () => {
      const withMin = parseRuleSet("/rules/transactions.json", { dataset: "transactions", rules: [{ id: "r", kind: "row_count", min: 5, baseline: { loads: 3, statistic: "median", max_factor: 2 }, ...warn }] }, contracts).rules[0];
      const judged = { status: "warn" as const, failed: 1, total: 1, ratio: 1, observed: 2, samples: [], message: "2 rows, fewer than 5", staticViolated: true };
      const result = judgeBaseline(withMin, judged, "transactions", "2024-01-05", undefined);
      expect(result).to.deep.include({ status: "warn", message: "2 rows, fewer than 5; baseline not compared: the engine was not given the reports of earlier loads" });
    });
  });

  it("validates baselines precisely", () => {
    const problems = ruleFileProblems("/rules/transactions.json", {
      dataset: "transactions",
      rules: [
        { id: "a", kind: "row_count", baseline: { loads: 3, min_loads: 5, statistic: "median", min_factor: 2, max_factor: 1 }, ...warn },
        { id: "b", kind: "range", column: "price", min: 0, baseline: { loads: 3, statistic: "max", max_factor: 1 }, ...warn },
        { id: "c", kind: "row_count", baseline: { loads: 3, statistic: "mode", max_factor: 1 }, ...warn },
        { id: "d", kind: "completeness", column: "price", baseline: { loads: 3, statistic: "min" }, ...warn },
      ],
    }, contracts);
    expect(problems).to.include("/rules/transactions.json: /rules/0/baseline/min_loads: 5 is more than loads (3), so the baseline could never be compared; lower min_loads or raise loads");
    expect(problems).to.include("/rules/transactions.json: /rules/0/baseline/min_factor: min_factor (2) is greater than max_factor (1); swap or fix them");
    expect(problems.join("\n")).to.include('/rules/1/baseline: a range rule does not take "baseline"; remove it');
    expect(problems.join("\n")).to.include("/rules/2/baseline/statistic: must be equal to one of the allowed values");
    expect(problems.join("\n")).to.include('/rules/3/baseline: needs one of "min_factor", "max_factor"; add it');
  });
});
