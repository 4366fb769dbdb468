import { expect } from "chai";
import type { DataQualityRuleResult } from "@aws-sdk/client-glue";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { compileDqdlRules } from "../../src/quality/dqdl";
import { glueOutcomesByRule } from "../../src/quality/glue-outcomes";

const contracts = loadContracts();
const providers = loadRuleSets(contracts).find((r) => r.dataset === "providers")!;
const compiled = compileDqdlRules(providers, contracts);
const dqdl = compiled.flatMap((c) => c.dqdl.map((text) => ({ ruleId: c.ruleId, text })));

/** RuleResults as GetDataQualityResult returns them (API reference: DataQualityRuleResult). */
function results(withLabels: boolean, outcome: (ruleId: string, index: number) => "PASS" | "FAIL" | "ERROR" = () => "PASS"): DataQualityRuleResult[] {
  return dqdl.map((d, i) => ({
    Name: `Rule_${i + 1}`,
    // Glue prints rules in its own canonical form; the mapping must not depend on it.
    Description: d.text.replace(/, /g, ","),
    EvaluatedRule: d.text.replace(/, /g, ","),
    Result: outcome(d.ruleId, i),
    EvaluationMessage: outcome(d.ruleId, i) === "PASS" ? undefined : "Value: 12000 does not meet the constraint requirement!",
    EvaluatedMetrics: { "Column.capacity_mw.Maximum": 12000 },
    ...(withLabels ? { Labels: { rule_id: d.ruleId, severity: "error" } } : {}),
  }));
}

describe("Glue Data Quality outcomes mapped back to rules", () => {
  it("maps each result by its rule_id label, whatever text Glue prints, in any order", () => {
    const shuffled = results(true, (id) => (id === "providers.capacity_mw.range" ? "FAIL" : "PASS")).reverse();
    const outcomes = glueOutcomesByRule(compiled, shuffled);
    expect(outcomes.unmatched).to.deep.equal([]);
    expect(outcomes.rules.map((r) => r.ruleId)).to.deep.equal(providers.rules.map((r) => r.id));
    const range = outcomes.rules.find((r) => r.ruleId === "providers.capacity_mw.range")!;
    expect(range).to.deep.include({ severity: "warn", status: "fail" });
    expect(range.results).to.have.length(2);
    expect(outcomes.rules.filter((r) => r.status !== "pass").map((r) => r.ruleId)).to.deep.equal(["providers.capacity_mw.range"]);
  });

  it("falls back to the Rule_N position when results carry no labels", () => {
    const failing = dqdl.findIndex((d) => d.ruleId === "providers.provider_id.unique");
    const outcomes = glueOutcomesByRule(compiled, results(false, (_, i) => (i === failing ? "ERROR" : "PASS")));
    expect(outcomes.rules.find((r) => r.ruleId === "providers.provider_id.unique")!.status).to.equal("error");
    expect(outcomes.rules.filter((r) => r.status === "pass")).to.have.length(compiled.length - 1);
  });

  it("reports a rule Glue returned nothing for as missing, and keeps results it cannot place", () => {
    const partial = results(true).filter((r) => r.Labels!.rule_id !== "providers.row_count");
    const stray: DataQualityRuleResult = { Name: "Rule_99", Result: "FAIL", Labels: { rule_id: "providers.gone" } };
    const unnamed: DataQualityRuleResult = { Name: "Rule_99", Result: "FAIL" };
    const outcomes = glueOutcomesByRule(compiled, [...partial, stray, unnamed]);
    expect(outcomes.rules.find((r) => r.ruleId === "providers.row_count")!.status).to.equal("missing");
    expect(outcomes.unmatched).to.deep.equal([stray, unnamed]);
    // One of a range's two DQDL rules missing: the rule is not judged passed.
    const half = results(true).filter((r, i) => !(r.Labels!.rule_id === "providers.capacity_mw.range" && dqdl[i - 1]?.ruleId === "providers.capacity_mw.range"));
    expect(glueOutcomesByRule(compiled, half).rules.find((r) => r.ruleId === "providers.capacity_mw.range")!.status).to.equal("missing");
  });
});
