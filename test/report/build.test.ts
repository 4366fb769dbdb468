import { expect } from "chai";
import { buildReport, exitCodeOf, ruleStatusOf, runStatus, summarise } from "../../src/report/build";
import type { RuleResult } from "../../src/report/types";
import { validateReport } from "../../src/report/validate";
import { sampleReport } from "./helpers";

function rule(overrides: Partial<RuleResult>): RuleResult {
  return {
    id: "r", kind: "not_null", columns: ["c"], severity: "error", status: "pass", description: "c is present",
    failed: 0, total: 10, ratio: 0, threshold: null, observed: null, samples: [], message: null, baseline: null, glue: null, ...overrides,
  };
}

const reconciled = { reconciled: true };

describe("report building", () => {
  describe("ruleStatusOf", () => {
    it("tolerates no failing row without a threshold", () => {
      expect(ruleStatusOf("error", 0, 10, null)).to.equal("pass");
      expect(ruleStatusOf("error", 1, 10, null)).to.equal("fail");
      expect(ruleStatusOf("warn", 1, 10, null)).to.equal("warn");
    });

    it("passes up to the threshold ratio, inclusive", () => {
      expect(ruleStatusOf("error", 1, 100, 0.01)).to.equal("pass");
      expect(ruleStatusOf("error", 2, 100, 0.01)).to.equal("fail");
      expect(ruleStatusOf("error", 0, 0, 0)).to.equal("pass");
    });
  });

  describe("runStatus", () => {
    it("passes when every rule passes and the counts reconcile", () => {
      expect(runStatus([{ rules: [rule({})], rows: reconciled }])).to.equal("pass");
      expect(runStatus([])).to.equal("pass");
    });

    it("fails on a failed rule or on an error of an error-severity rule", () => {
      expect(runStatus([{ rules: [rule({ status: "fail" })], rows: reconciled }])).to.equal("fail");
      expect(runStatus([{ rules: [rule({ status: "error", severity: "error" })], rows: reconciled }])).to.equal("fail");
    });

    it("warns on a warning or on an error of a warn-severity rule", () => {
      expect(runStatus([{ rules: [rule({ status: "warn", severity: "warn" })], rows: reconciled }])).to.equal("warn");
      expect(runStatus([{ rules: [rule({ status: "error", severity: "warn" })], rows: reconciled }])).to.equal("warn");
    });

    it("fails when a dataset's counts do not reconcile, even with every rule passing", () => {
      expect(runStatus([{ rules: [rule({})], rows: reconciled }, { rules: [], rows: { reconciled: false } }])).to.equal("fail");
    });

    it("lets a failure outrank a warning", () => {
      expect(runStatus([{ rules: [rule({ status: "warn", severity: "warn" }), rule({ status: "fail" })], rows: reconciled }])).to.equal("fail");
    });
  });

  describe("exitCodeOf", () => {
    it("is 1 for the sample (failed error rules, unreconciled customers)", () => {
      expect(exitCodeOf(sampleReport())).to.equal(1);
    });

    it("is 0 when only warn-severity rules fail or error", () => {
      const datasets = [{ rules: [rule({ status: "warn", severity: "warn" }), rule({ status: "error", severity: "warn" })], rows: reconciled }];
      expect(exitCodeOf({ datasets } as never)).to.equal(0);
    });

    it("is 1 for an error-severity rule that could not be evaluated", () => {
      expect(exitCodeOf({ datasets: [{ rules: [rule({ status: "error" })], rows: reconciled }] } as never)).to.equal(1);
    });

    it("is 1 when counts do not reconcile, whatever the stored status says", () => {
      const report = sampleReport();
      const lying = { ...report, status: "pass", datasets: report.datasets.map((d) => ({ ...d, rules: [] })) };
      expect(exitCodeOf(lying as never)).to.equal(1);
    });
  });


  describe("summarise and buildReport", () => {
    it("counts rules by status over every dataset", () => {
      expect(summarise(sampleReport().datasets)).to.deep.equal({ rules: 17, passed: 12, warned: 2, failed: 2, errored: 1, skipped: 0 });
    });

    it("derives reconciliation, statuses, the query total and the summary, and sorts datasets by name", () => {
      const report = buildReport({
        engine: "duckdb",
        loadDate: "2026-11-20",
        lake: ".lake",
        durationSeconds: 0.5,
        generatedAt: new Date("2026-11-20T06:00:00Z"),
        datasets: [
          { name: "transactions", files: ["raw/t.csv"], rows: { raw: 10, processed: 9, quarantined: 1, curated: 9 }, queries: 2, rules: [rule({ status: "warn", severity: "warn" })] },
          { name: "customers", files: ["raw/c.csv"], rows: { raw: 5, processed: 3, quarantined: 1, curated: 3 }, queries: 1, rules: [rule({})] },
        ],
      });
      expect(report.datasets.map((d) => [d.name, d.rows.reconciled, d.status])).to.deep.equal([
        ["customers", false, "fail"],
        ["transactions", true, "warn"],
      ]);
      expect(report.status).to.equal("fail");
      expect(report.queries).to.equal(3);
      expect(report.bytes_read).to.equal(null);
      expect(report.generated_at).to.equal("2026-11-20T06:00:00.000Z");
      expect(report.summary).to.deep.equal({ rules: 2, passed: 1, warned: 1, failed: 0, errored: 0, skipped: 0 });
      expect(validateReport(report)).to.deep.equal([]);
    });
  });
});
