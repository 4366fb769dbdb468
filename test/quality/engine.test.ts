import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { expect } from "chai";
import { LakeInputError } from "../../src/errors";
import { Contract, loadContracts } from "../../src/model/contracts";
import { RuleSet, loadRuleSets, parseRuleSet } from "../../src/model/rules";
import { FailingSample, RuleResult } from "../../src/report/types";
import { runChecks } from "../../src/quality/engine";
import { ruleStatus } from "../../src/quality/results";
import { CheckTarget, duckdbTarget, retypedFromText } from "../../src/sql/batch-source";
import { LOAD_DATE, tempLake, writeCleanTransactions, writeDefectiveTransactions, writeProcessed, writeReferenceData } from "./lake-fixture";

const contracts = loadContracts();
const shipped = loadRuleSets(contracts);
const base = { severity: "error", description: "test rule" };

function ruleSet(dataset: string, rules: unknown[]): RuleSet {
  return parseRuleSet(`/rules/${dataset}.json`, { dataset, rules }, contracts);
}

const byId = (rules: readonly RuleResult[]): Record<string, RuleResult> => Object.fromEntries(rules.map((r) => [r.id, r]));

/** A failing row as the report gives it: key, the value that failed, file and line. */
const row = (key: string | null, value: string | null, line: number, file = "transactions.csv"): FailingSample => ({ key, value, file, line });

describe("DuckDB check engine", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let defectiveLake: string;
  let cleanLake: string;

  before(async () => {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
    defectiveLake = tempLake();
    await writeReferenceData(connection, defectiveLake, contracts);
    await writeDefectiveTransactions(connection, defectiveLake, contracts);
    cleanLake = tempLake();
    await writeReferenceData(connection, cleanLake, contracts);
    await writeCleanTransactions(connection, cleanLake, contracts);
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it("counts exactly the defects planted in a hand-built batch (processed and quarantined rows)", async () => {
    const [result] = await runChecks({ connection, target: duckdbTarget(defectiveLake), contracts, ruleSets: shipped, loadDate: LOAD_DATE, datasets: ["transactions"] });
    expect(result.dataset).to.equal("transactions");
    expect(result.queries).to.equal(3);
    const figures = Object.fromEntries(result.rules.map((r) => [r.id, [r.status, r.failed, r.total, r.samples]]));
    expect(figures).to.deep.equal({
      "transactions.row_count": ["pass", 0, 1, []],
      "transactions.transaction_id.not_null": ["fail", 1, 14, [row(null, "", 12)]],
      // Curated keeps line 7, the last T0000002 read; line 3 is the row deduplication drops.
      "transactions.transaction_id.unique": ["fail", 1, 14, [row("T0000002", "T0000002", 3)]],
      "transactions.transaction_id.pattern": ["warn", 1, 14, [row("X12", "X12", 10)]],
      "transactions.transaction_type.not_null": ["pass", 0, 14, []],
      "transactions.transaction_type.accepted_values": ["pass", 0, 14, []],
      "transactions.counterparty_id.not_null": ["pass", 0, 14, []],
      "transactions.counterparty_id.references": ["fail", 3, 14, [row("T0000003", "P0009", 4), row("T0000004", "C000009", 5), row("T0000005", "P0001", 6)]],
      "transactions.counterparty_id.pattern": ["pass", 0, 14, []],
      "transactions.quantity_kwh.not_null": ["pass", 0, 14, []],
      "transactions.quantity_kwh.type": ["fail", 1, 14, [row("T0000012", "#N/D", 13)]],
      "transactions.quantity_kwh.range": ["fail", 1, 14, [row("T0000007", "-5.000", 8)]],
      "transactions.quantity_kwh.large_sell": ["pass", 0, 5, []],
      "transactions.price.not_null": ["pass", 0, 14, []],
      "transactions.price.type": ["pass", 0, 14, []],
      "transactions.price.range": ["fail", 1, 14, [row("T0000008", "-0.2000", 9)]],
      "transactions.energy_type.not_null": ["pass", 0, 14, []],
      "transactions.energy_type.accepted_values": ["fail", 1, 14, [row("T0000013", "geotérmica", 14)]],
      "transactions.transaction_date.type": ["fail", 1, 14, [row("T0000014", "31/02/2024", 15)]],
      "transactions.transaction_date.range": ["pass", 0, 14, []],
      "transactions.transaction_date.completeness": ["warn", 1, 1, []],
      "transactions.transaction_date.freshness": ["pass", 0, 1, []],
    });
    const rules = byId(result.rules);
    expect(rules["transactions.transaction_date.completeness"].observed).to.be.closeTo(13 / 14, 1e-9);
    expect(rules["transactions.transaction_date.completeness"].message).to.match(/92\.86% of rows have transaction_date, less than 95\.00%/);
    expect(rules["transactions.transaction_date.freshness"].observed).to.equal(1);
    expect(rules["transactions.row_count"].observed).to.equal(14);
    expect(rules["transactions.counterparty_id.references"]).to.deep.include({ columns: ["counterparty_id"], severity: "error", threshold: null, ratio: 3 / 14 });
  });

  it("gives the same results whether processed rows are read typed or re-typed from text", async () => {
    const extra = ruleSet("transactions", [
      { id: "pair-unique", kind: "unique", columns: ["transaction_type", "counterparty_id"], ...base },
      { id: "sells", kind: "unique", columns: ["transaction_id"], where: { column: "transaction_type", equals: "sell" }, ...base },
    ]);
    // Typed numbers written back as text have a decimal point; undeclared, 100.000 would read two ways (100 or 100000).
    const pointDecimal = contracts.map((c) => ({ ...c, numbers: { ...c.numbers, decimal: "." as const } }));
    for (const lake of [defectiveLake, cleanLake, tempLake()]) {
      const generic = await runChecks({ connection, target: retypedFromText(duckdbTarget(lake)), contracts: pointDecimal, ruleSets: [...shipped, extra], loadDate: LOAD_DATE });
      const typed = await runChecks({ connection, target: duckdbTarget(lake), contracts: pointDecimal, ruleSets: [...shipped, extra], loadDate: LOAD_DATE });
      expect(typed).to.deep.equal(generic);
    }
  });

  it("finds zero failures on clean data, for every shipped rule set", async () => {
    const results = await runChecks({ connection, target: duckdbTarget(cleanLake), contracts, ruleSets: shipped, loadDate: LOAD_DATE });
    expect(results.map((r) => [r.dataset, r.queries])).to.deep.equal([["customers", 1], ["providers", 1], ["transactions", 3]]);
    for (const result of results) {
      for (const rule of result.rules) expect([rule.id, rule.status, rule.failed, rule.samples]).to.deep.equal([rule.id, "pass", 0, []]);
    }
  });

  it("fails error-severity and warns warn-severity rules over their threshold, and passes within it", async () => {
    const rules = ruleSet("transactions", [
      { id: "strict", kind: "range", column: "quantity_kwh", min: 0, ...base },
      { id: "tolerant", kind: "range", column: "quantity_kwh", min: 0, threshold: 0.1, ...base },
      { id: "exact-limit", kind: "range", column: "quantity_kwh", min: 0, threshold: 1 / 14, ...base },
      { id: "just-below", kind: "range", column: "quantity_kwh", min: 0, threshold: 0.07, ...base },
      { id: "warned", kind: "range", column: "quantity_kwh", min: 0, threshold: 0.05, severity: "warn", description: "w" },
      { id: "many-rows", kind: "row_count", max: 10, severity: "warn", description: "w" },
      { id: "stale", kind: "freshness", column: "transaction_date", max_age_days: 0, ...base },
    ]);
    const [result] = await runChecks({ connection, target: duckdbTarget(defectiveLake), contracts, ruleSets: [rules], loadDate: LOAD_DATE });
    const status = Object.fromEntries(result.rules.map((r) => [r.id, r.status]));
    expect(status).to.deep.equal({ strict: "fail", tolerant: "pass", "exact-limit": "pass", "just-below": "fail", warned: "warn", "many-rows": "warn", stale: "fail" });
    const rule = byId(result.rules);
    expect(rule["many-rows"]).to.deep.include({ failed: 1, observed: 14, threshold: null, message: "14 rows, more than 10" });
    expect(rule.stale).to.deep.include({ failed: 1, observed: 1 });
    expect(rule.tolerant).to.deep.include({ threshold: 0.1, failed: 1, total: 14 });
  });

  it("judges an empty batch with table-level rules as one unit: failed never exceeds total", async () => {
    const [result] = await runChecks({ connection, target: duckdbTarget(tempLake()), contracts, ruleSets: shipped, loadDate: LOAD_DATE, datasets: ["transactions"] });
    const rule = byId(result.rules);
    expect(rule["transactions.row_count"]).to.deep.include({ status: "fail", failed: 1, total: 1, ratio: 1, observed: 0, message: "0 rows, fewer than 1" });
    expect(rule["transactions.transaction_date.freshness"]).to.deep.include({ status: "warn", failed: 1, total: 1, observed: null });
    expect(rule["transactions.transaction_date.completeness"]).to.deep.include({ status: "pass", failed: 0, total: 1, observed: 1 });
    expect(rule["transactions.transaction_id.not_null"]).to.deep.include({ status: "pass", failed: 0, total: 0, ratio: 0 });
    for (const r of result.rules) expect(r.failed).to.be.at.most(r.total);
  });

  it("applies where filters to the rule's rows and conditional reference targets in order", async () => {
    const rules = ruleSet("transactions", [
      { id: "sells-unique", kind: "unique", columns: ["transaction_id"], where: { column: "transaction_type", equals: "sell" }, ...base },
      { id: "buys-unique", kind: "unique", columns: ["transaction_id"], where: { column: "transaction_type", equals: "buy" }, ...base },
      { id: "pair-unique", kind: "unique", columns: ["transaction_type", "counterparty_id"], ...base },
      { id: "cheap-buys", kind: "range", column: "price", min: 0, max: 1, where: [{ column: "transaction_type", in: ["buy"] }, { column: "energy_type", equals: "solar" }], ...base },
      { id: "buys-only", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id", when: { column: "transaction_type", equals: "buy" } }], ...base },
    ]);
    const [result] = await runChecks({ connection, target: duckdbTarget(defectiveLake), contracts, ruleSets: [rules], loadDate: LOAD_DATE });
    const rule = byId(result.rules);
    expect(rule["sells-unique"]).to.deep.include({ failed: 1, total: 5, samples: [row("T0000002", "T0000002", 3)] });
    expect(rule["buys-unique"]).to.deep.include({ failed: 0, total: 9 });
    // (buy,P0001) x5, (buy,P0002) x2, (sell,C000001) x2: 4 + 1 + 1 rows dedupe would drop.
    expect(rule["pair-unique"]).to.deep.include({ failed: 6 });
    expect(rule["cheap-buys"]).to.deep.include({ failed: 1, total: 2, samples: [row("T0000008", "-0.2000", 9)] });
    expect(rule["buys-only"]).to.deep.include({ failed: 1, samples: [row("T0000003", "P0009", 4)] });
    expect(result.queries).to.equal(2);
  });

  it("counts the same without samples as with them: unique rules counted in the scan, scoped or not, and grouped by key", async () => {
    const extra = ruleSet("transactions", [
      { id: "sells-unique", kind: "unique", columns: ["transaction_id"], where: { column: "transaction_type", equals: "sell" }, ...base },
      { id: "buys-unique", kind: "unique", columns: ["transaction_id"], where: { column: "transaction_type", equals: "buy" }, ...base },
      { id: "pair-unique", kind: "unique", columns: ["transaction_type", "counterparty_id"], ...base },
    ]);
    const transactions = shipped.find((r) => r.dataset === "transactions") as RuleSet;
    const rules: RuleSet = { ...transactions, rules: [...transactions.rules, ...extra.rules] };
    const figures = async (sampleSize?: number): Promise<unknown[][]> => {
      const [result] = await runChecks({ connection, target: duckdbTarget(defectiveLake), contracts, ruleSets: [rules], loadDate: LOAD_DATE, sampleSize });
      return result.rules.map((r) => [r.id, r.status, r.failed, r.total]);
    };
    const countsOnly = await figures(0);
    expect(countsOnly).to.deep.equal(await figures());
    expect(countsOnly).to.deep.include.members([["transactions.transaction_id.unique", "fail", 1, 14], ["sells-unique", "fail", 1, 5], ["buys-unique", "pass", 0, 9], ["pair-unique", "fail", 6, 14]]);
  });

  it("checks references the same whether a referenced dataset's query looks up one column or several", async () => {
    const rules = [
      { id: "buys-known", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id", when: { column: "transaction_type", equals: "buy" } }], ...base },
      { id: "sells-not-providers", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id", when: { column: "transaction_type", equals: "sell" } }], ...base },
      { id: "technology-supplied", kind: "references", column: "energy_type", targets: [{ dataset: "providers", column: "energy_type" }], ...base },
    ];
    const figures = async (set: RuleSet): Promise<unknown[][]> => {
      const [result] = await runChecks({ connection, target: duckdbTarget(defectiveLake), contracts, ruleSets: [set], loadDate: LOAD_DATE });
      return result.rules.map((r) => [r.id, r.failed, r.total, r.samples]);
    };
    const together = await figures(ruleSet("transactions", rules));
    const apart = (await Promise.all(rules.map((rule) => figures(ruleSet("transactions", [rule]))))).flat();
    expect(together).to.deep.equal(apart);
    expect(together[0]).to.deep.equal(["buys-known", 1, 14, [row("T0000003", "P0009", 4)]]);
    expect(together.map((r) => r[1])).to.satisfy((failed: number[]) => failed.every((n) => n > 0));
  });

  it("masks PII keys and values in samples", async () => {
    const customers = contracts.find((c) => c.name === "customers")!;
    const piiKeyed: Contract = { ...customers, name: "customers", key: ["id_number"] };
    const piiContracts = contracts.map((c) => (c.name === "customers" ? piiKeyed : c));
    const lake = tempLake();
    await writeProcessed(connection, lake, customers, [
      { line: 2, values: ["C000001", "cc", "10203040", "Ana", "Cali", "residential"] },
      { line: 3, values: ["C000002", "cc", "10203040", "Eva", "Cali", "residential"] },
      { line: 4, values: ["C000003", "cc", "77", "Leo", "Cali", "mayorista"] },
    ]);
    const rules = parseRuleSet("/rules/customers.json", {
      dataset: "customers",
      rules: [
        { id: "doc-unique", kind: "unique", columns: ["id_number"], ...base },
        { id: "segment", kind: "accepted_values", column: "segment", values: ["residential"], ...base },
        { id: "name-pattern", kind: "pattern", column: "customer_name", pattern: "[A-Z][a-z]+ [A-Z].*", ...base },
      ],
    }, piiContracts);
    const [result] = await runChecks({ connection, target: duckdbTarget(lake), contracts: piiContracts, ruleSets: [rules], loadDate: LOAD_DATE });
    const rule = byId(result.rules);
    // id_number is PII: masked as the key, and as the value a unique rule on it shows.
    expect(rule["doc-unique"].samples).to.deep.equal([row("1***0", "1***0", 2, "customers.csv")]);
    expect(rule.segment.samples).to.deep.equal([row("***", "mayorista", 4, "customers.csv")]);
    expect(rule["name-pattern"].samples).to.deep.equal([row("1***0", "***", 2, "customers.csv"), row("1***0", "***", 3, "customers.csv"), row("***", "***", 4, "customers.csv")]);
  });

  it("keeps at most sampleSize failing rows, earliest file and line first", async () => {
    const rules = ruleSet("transactions", [{ id: "all", kind: "not_null", column: "transaction_date", where: { column: "price", equals: 123456 }, ...base }, { id: "any", kind: "range", column: "quantity_kwh", min: 1000, ...base }]);
    const [result] = await runChecks({ connection, target: duckdbTarget(defectiveLake), contracts, ruleSets: [rules], loadDate: LOAD_DATE, sampleSize: 2 });
    const rule = byId(result.rules);
    expect(rule.any.samples).to.deep.equal([row("T0000001", "100.000", 2), row("T0000002", "50.000", 3)]);
    expect(rule.all).to.deep.include({ total: 0, failed: 0, ratio: 0, status: "pass" });
  });

  it("reports a query that cannot run as status error on its rules, not as a crash", async () => {
    const broken: CheckTarget = { ...duckdbTarget(defectiveLake), curatedSource: () => "read_parquet('/nonexistent/*.parquet')" };
    const [result] = await runChecks({ target: broken, contracts, ruleSets: shipped, loadDate: LOAD_DATE, datasets: ["transactions"] });
    const rule = byId(result.rules);
    expect(rule["transactions.counterparty_id.references"].status).to.equal("error");
    expect(rule["transactions.counterparty_id.references"].message).to.match(/could not be evaluated: .*nonexistent/);
    expect(rule["transactions.transaction_id.unique"].status).to.equal("fail");
  });

  it("refuses to check a dataset that has no rules", async () => {
    let error: unknown;
    try {
      await runChecks({ target: duckdbTarget(cleanLake), contracts, ruleSets: shipped, loadDate: LOAD_DATE, datasets: ["transaction"] });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(LakeInputError);
    expect((error as Error).message).to.match(/no quality rules for "transaction"; datasets with rules: customers, providers, transactions/);
  });

  it("decides statuses from figures: no threshold tolerates nothing, a threshold is a maximum failed ratio", () => {
    const [rule] = ruleSet("transactions", [{ id: "r", kind: "not_null", column: "price", threshold: 0.25, severity: "warn", description: "d" }]).rules;
    expect(ruleStatus(rule, 1, 4)).to.equal("pass");
    expect(ruleStatus(rule, 2, 4)).to.equal("warn");
    expect(ruleStatus(rule, 0, 0)).to.equal("pass");
    const [strict] = ruleSet("transactions", [{ id: "s", kind: "not_null", column: "price", ...base }]).rules;
    expect(ruleStatus(strict, 1, 1_000_000)).to.equal("fail");
  });
});
