import { expect } from "chai";
import * as fs from "fs";
import { REPORT_SCHEMA_FILE, upgradeReport, validateReport } from "../../src/report/validate";
import { mutableSample, sampleReport } from "./helpers";

interface ObjectSchema {
  required: string[];
  properties: Record<string, unknown>;
  additionalProperties: boolean;
}

describe("report schema", () => {
  const schema = JSON.parse(fs.readFileSync(REPORT_SCHEMA_FILE, "utf8")) as ObjectSchema & { $defs: Record<string, ObjectSchema>; properties: { summary: ObjectSchema } };

  it("accepts the realistic sample report", () => {
    expect(validateReport(sampleReport())).to.deep.equal([]);
  });

  it("requires exactly the fields of every object of the report type, and no others", () => {
    const report = sampleReport();
    const pairs: [string, ObjectSchema, object][] = [
      ["report", schema, report],
      ["summary", schema.properties.summary, report.summary],
      ["dataset", schema.$defs.dataset, report.datasets[0]],
      ["rows", schema.$defs.rowCounts, report.datasets[0].rows],
      ["rule", schema.$defs.rule, report.datasets[0].rules[0]],
    ];
    for (const [name, objectSchema, value] of pairs) {
      const fields = Object.keys(value).sort();
      expect([...objectSchema.required].sort(), `${name} required`).to.deep.equal(fields);
      expect(Object.keys(objectSchema.properties).sort(), `${name} properties`).to.deep.equal(fields);
      expect(objectSchema.additionalProperties, `${name} additionalProperties`).to.equal(false);
    }
  });

  it("names the path and the fix of a missing field", () => {
    const report = mutableSample() as unknown as Record<string, unknown>;
    delete report.load_date;
    expect(validateReport(report, "q.json")).to.deep.equal([`q.json: /: must have required property 'load_date'; add the field "load_date"`]);
  });

  it("rejects unknown fields, statuses outside the enum, ratios above 1 and malformed dates", () => {
    const report = mutableSample();
    (report.datasets[0].rules[0] as unknown as Record<string, unknown>).owner = "someone";
    (report.datasets[1].rules[0] as { status: string }).status = "passed";
    report.datasets[2].rules[0].ratio = 1.5;
    report.load_date = "20/11/2026";
    const problems = validateReport(report);
    expect(problems.join("\n")).to.include("/datasets/0/rules/0: must NOT have additional properties; remove or rename the unknown field \"owner\"");
    expect(problems.join("\n")).to.include("/datasets/1/rules/0/status: must be equal to one of the allowed values");
    expect(problems.join("\n")).to.include("/datasets/2/rules/0/ratio: must be <= 1");
    expect(problems.join("\n")).to.include("/load_date: must match pattern");
  });

  it("rejects a report version it does not know and a negative count", () => {
    const report = mutableSample() as unknown as { report_version: number; datasets: { rows: { raw: number } }[] };
    report.report_version = 3;
    report.datasets[0].rows.raw = -1;
    const problems = validateReport(report);
    expect(problems.some((p) => p.includes("/report_version: must be equal to constant"))).to.equal(true);
    expect(problems.some((p) => p.includes("/datasets/0/rows/raw: must be >= 0"))).to.equal(true);
  });

  it("rejects a summary that disagrees with the rules, and more failed rows than rows looked at", () => {
    const report = mutableSample();
    report.summary.passed += 1;
    report.datasets[0].rules[1].failed = report.datasets[0].rules[1].total + 1;
    expect(validateReport(report, "q.json")).to.deep.equal([
      `q.json: /datasets/0/rules/1: failed (306) exceeds total (305); failed counts rows among those looked at`,
      `q.json: /summary/passed: is 13 but the rules give 12; rebuild the summary with summarise()`,
    ]);
  });

  it("reads a kept version 1 report as version 2, the AWS fields empty", () => {
    const v1 = JSON.parse(JSON.stringify(sampleReport())) as Record<string, unknown> & { datasets: Record<string, unknown>[] };
    v1.report_version = 1;
    delete v1.cost;
    for (const d of v1.datasets) {
      delete d.query_runs;
      delete d.glue_data_quality;
      for (const r of d.rules as Record<string, unknown>[]) delete r.glue;
    }
    expect(validateReport(v1).length).to.be.greaterThan(0);
    expect(upgradeReport(v1)).to.deep.equal(sampleReport());
    expect(validateReport(upgradeReport(v1))).to.deep.equal([]);
  });

  it("rejects something that is not a report at all", () => {
    expect(validateReport([])).to.deep.equal([`report: /: must be object; give a value of type object`]);
  });
});
