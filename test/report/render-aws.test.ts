import { expect } from "chai";
import { athenaBilledBytes, athenaQueryCost, athenaRunCost } from "../../src/report/cost";
import { renderHtml } from "../../src/report/render-html";
import { renderJunit } from "../../src/report/render-junit";
import { escapeMarkdown, renderMarkdown } from "../../src/report/render-markdown";
import { renderText } from "../../src/report/render-text";
import type { QualityReport, QueryRun } from "../../src/report/types";
import { validateReport } from "../../src/report/validate";
import { mutableSample } from "./helpers";

const MIB = 1024 * 1024;

/** The sample as an Athena run would give it: query runs with cost, a Glue result that disagrees on one rule, none for another dataset. */
function athenaReport(): QualityReport {
  const report = mutableSample();
  report.engine = "athena";
  const runs: QueryRun[] = [
    { purpose: "aggregate", referenced_dataset: null, query_id: "q-1", state: "SUCCEEDED", bytes_scanned: 3 * MIB, estimated_cost_usd: athenaQueryCost(3 * MIB, "SUCCEEDED"), seconds: 1.2 },
    { purpose: "references", referenced_dataset: "providers", query_id: "q-2", state: "SUCCEEDED", bytes_scanned: 25 * MIB + 1, estimated_cost_usd: athenaQueryCost(25 * MIB + 1, "SUCCEEDED"), seconds: 2 },
  ];
  report.datasets[2].query_runs = runs;
  report.datasets[2].glue_data_quality = { status: "found", job_run_id: "jr_1", result_ids: ["dqresult-1"], disagreements: 1, note: null };
  report.datasets[2].rules[0].glue = { status: "pass", agrees: false, message: null };
  report.datasets[1].glue_data_quality = { status: "missing", job_run_id: null, result_ids: [], disagreements: 0, note: "no Glue result for this load" };
  report.cost = athenaRunCost(runs);
  report.bytes_read = report.cost.bytes_scanned;
  return report as QualityReport;
}

describe("the AWS parts of a report (version 2)", () => {
  it("bills a query as Athena does: 10 MiB at least, rounded up to the MiB, failed queries free, 5 USD per TiB", () => {
    expect(athenaBilledBytes(1, "SUCCEEDED")).to.equal(10 * MIB);
    expect(athenaBilledBytes(25 * MIB + 1, "SUCCEEDED")).to.equal(26 * MIB);
    expect(athenaBilledBytes(25 * MIB, "CANCELLED")).to.equal(25 * MIB);
    expect(athenaBilledBytes(25 * MIB, "FAILED")).to.equal(0);
    expect(athenaQueryCost(1024 * 1024 * MIB, "SUCCEEDED")).to.equal(5);
    const cost = athenaRunCost(athenaReport().datasets[2]!.query_runs);
    expect(cost.estimated_cost_usd).to.be.closeTo((36 * MIB * 5) / (MIB * MIB), 1e-12);
    expect(cost.bytes_scanned).to.equal(28 * MIB + 1);
  });

  it("validates against the schema", () => {
    expect(validateReport(athenaReport())).to.deep.equal([]);
  });

  it("shows the cost, every query, the missing Glue result and the disagreement in every rendering", () => {
    const report = athenaReport();
    const same = (text: string): string => text;
    for (const [name, text, as] of [["text", renderText(report), same], ["md", renderMarkdown(report), escapeMarkdown], ["html", renderHtml(report), same]] as const) {
      expect(text, name).to.match(/est\. 0\.00017 USD/);
      expect(text, name).to.include("q-2");
      expect(text, name).to.include("no Glue result for this load");
      expect(text, name).to.include(as(`Glue Data Quality disagrees with the counts on 1 rule (job run jr_1): ${report.datasets[2]!.rules[0]!.id} (Glue PASS, count ${report.datasets[2]!.rules[0]!.status.toUpperCase()})`));
    }
    expect(renderMarkdown(report)).to.include("Glue DQ: PASS, disagrees with the count");
    expect(renderJunit(report)).to.include("Glue DQ: PASS, disagrees with the count");
  });
});
