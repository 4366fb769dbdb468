import { SparkSQL } from "dt-sql-parser";
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compileGluePlan } from "../../src/aws/glue-plan";
import { lakeNames } from "../../src/aws/naming";
import { Contract, contractForLoad, decideNumbersFromEvidence, loadContracts, NumberEvidence, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { spark } from "../../src/sql/dialect";
import { rowProblemsSql, typedViewSql } from "../../src/sql/typed-view";

/**
 * The Glue transform reads numbers and null markers as the local load does: it decides the decimal
 * separator from the same evidence the same way (glue/lake_common.py decide_numbers vs
 * decideNumbersFromEvidence), and types the load with the typed view of that reading, compiled
 * from the same contract (plan.json readings).
 */
const EVIDENCE: Record<string, NumberEvidence[] | undefined> = {
  "nothing to decide from": undefined,
  "no file shows a decimal": [{ file: "a.csv", point: 0, comma: 0 }],
  "a decimal comma": [{ file: "a.csv", point: 0, comma: 12 }],
  "a decimal point": [{ file: "a.csv", point: 3, comma: 0 }, { file: "b.csv", point: 0, comma: 0 }],
  "one file mixes both": [{ file: "a.csv", point: 2, comma: 5 }, { file: "b.csv", point: 0, comma: 4 }],
  "files disagree": [{ file: "a.csv", point: 7, comma: 0 }, { file: "b.csv", point: 0, comma: 1 }],
  "mixed and disagreeing": [{ file: "a.csv", point: 1, comma: 1 }, { file: "b.csv", point: 0, comma: 1 }, { file: "c.csv", point: 3, comma: 0 }],
};

describe("Glue numbers parity with the local load (lake_common.decide_numbers, plan readings)", () => {
  const contracts = loadContracts();
  const transactions = contracts.find((c) => c.name === "transactions")!;
  const variants: Contract[] = [transactions, { ...transactions, numbers: { ...transactions.numbers, decimal: "," } }, { ...transactions, numbers: { decimal: ".", grouping: "" } }];
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-numbers-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  variants.forEach((contract, index) => {
    it(`decides the decimal separator as the local load does (contract numbers ${JSON.stringify(contract.numbers)})`, () => {
      const plan = compileGluePlan([contract], loadRuleSets(contracts).filter((r) => r.dataset === contract.name), lakeNames("energy-lake-test")).datasets[contract.name]!;
      const file = path.join(dir, `plan-${index}.json`);
      fs.writeFileSync(file, JSON.stringify(plan));
      const cases = Object.entries(EVIDENCE).map(([name, files]) => ({ name, evidence: files?.map((f) => ({ _source_file: f.file, point: f.point, comma: f.comma })) ?? null }));
      const code =
        `import json, sys; sys.path.insert(0, ${JSON.stringify(path.join(PROJECT_ROOT, "glue"))}); import lake_common as lc; ` +
        `plan = json.load(open(sys.argv[1])); cases = json.loads(sys.argv[2]); ` +
        `print(json.dumps({c["name"]: dict(zip(["record", "warnings", "typed"], [*lc.decide_numbers(plan, c["evidence"]), lc.typed_view_for(plan, lc.decide_numbers(plan, c["evidence"])[0])])) for c in cases}))`;
      const glue = JSON.parse(execFileSync("python3", ["-c", code, file, JSON.stringify(cases)], { encoding: "utf8" })) as Record<string, { record: unknown; warnings: string[]; typed: [string, string] }>;
      for (const [name, files] of Object.entries(EVIDENCE)) {
        const local = decideNumbersFromEvidence(contract, files);
        expect(glue[name]!.record, name).to.deep.equal(local.record);
        expect(glue[name]!.warnings, name).to.deep.equal(local.warnings);
        // The load is typed by the contract as the local load reads it with that decision.
        const reading = contractForLoad(contract, local.record);
        expect(glue[name]!.typed, name).to.deep.equal([typedViewSql(spark, reading, plan.batch_view), rowProblemsSql(spark, reading)]);
      }
    });
  });

  it("compiles every reading, and the evidence query, to Spark SQL that parses", () => {
    const plan = compileGluePlan(contracts, loadRuleSets(contracts), lakeNames("energy-lake-test"));
    const parser = new SparkSQL();
    let texts = 0;
    for (const dataset of Object.values(plan.datasets)) {
      const sqls = [dataset.decimal_evidence_sql, ...Object.values(dataset.readings).map((r) => `SELECT *, ${r.row_problems_sql} AS _reason FROM (${r.typed_view_sql}) AS typed`)];
      for (const sql of sqls.filter((s): s is string => s !== null)) {
        expect(parser.validate(sql).map((e) => e.message), sql.slice(0, 200)).to.deep.equal([]);
        texts++;
      }
    }
    expect(plan.datasets.transactions!.decimal_evidence_sql).to.include("<= 100000");
    expect(Object.keys(plan.datasets.transactions!.readings)).to.deep.equal([".", ","]);
    expect(plan.datasets.customers!.decimal_evidence_sql, "no decimal column, nothing to decide").to.equal(null);
    expect(texts).to.be.greaterThan(4);
  });

  it("types null markers in the Glue typed view as the contract declares them", () => {
    const plan = compileGluePlan(contracts, loadRuleSets(contracts), lakeNames("energy-lake-test"));
    for (const contract of contracts) {
      const sql = plan.datasets[contract.name]!.typed_view_sql;
      expect(sql).to.equal(typedViewSql(spark, contract, "batch_input"));
      for (const column of contract.columns) for (const marker of column.nullMarkers) expect(sql, `${contract.name}.${column.name}`).to.include(spark.str(marker));
    }
  });
});
