import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets, parseRuleSet, ruleFileProblems, validateRuleFiles } from "../../src/model/rules";

const contracts = loadContracts();

function rulesDoc(rules: unknown[], dataset = "transactions"): unknown {
  return { dataset, rules };
}

const base = { severity: "error", description: "test rule" };

describe("quality rule files", () => {
  it("ships a valid rule set for every dataset, covering keys, enums, references and table-level checks", () => {
    const ruleSets = loadRuleSets(contracts);
    expect(ruleSets.map((r) => r.dataset)).to.deep.equal(["customers", "providers", "transactions"]);
    for (const ruleSet of ruleSets) {
      const contract = contracts.find((c) => c.name === ruleSet.dataset)!;
      const kindsOf = (column: string): string[] =>
        ruleSet.rules.filter((r) => ("column" in r && r.column === column) || ("columns" in r && r.columns.includes(column))).map((r) => r.kind);
      for (const key of contract.key) expect(kindsOf(key)).to.include.members(["not_null", "unique", "pattern"]);
      for (const column of contract.columns) {
        if (column.valueMap.size > 0) {
          const rule = ruleSet.rules.find((r) => r.kind === "accepted_values" && r.column === column.name);
          expect(rule, `${ruleSet.dataset}.${column.name} accepted_values`).to.not.equal(undefined);
          if (rule?.kind === "accepted_values") expect([...rule.values].sort()).to.deep.equal([...new Set(column.valueMap.values())].sort());
        }
        if (column.type.kind !== "string") expect(kindsOf(column.name), `${ruleSet.dataset}.${column.name}`).to.include("type");
      }
      expect(ruleSet.rules.some((r) => r.kind === "row_count" && r.min === 1)).to.equal(true);
      expect(ruleSet.rules.some((r) => r.severity === "warn")).to.equal(true);
    }
    const transactions = ruleSets.find((r) => r.dataset === "transactions")!;
    const references = transactions.rules.find((r) => r.kind === "references");
    expect(references).to.deep.include({ column: "counterparty_id" });
    expect(transactions.rules.some((r) => r.kind === "freshness" && r.column === "transaction_date")).to.equal(true);
  });

  it("lists every schema problem with the file, the JSON path and how to fix it", () => {
    const problems = ruleFileProblems("/rules/transactions.json", rulesDoc([
      { id: "Bad Id", kind: "not_null", column: "transaction_id", ...base },
      { id: "t.2", kind: "unique", column: "transaction_id", ...base },
      { id: "t.3", kind: "nonsense", ...base },
      { id: "t.4", kind: "range", column: "price", ...base },
      { id: "t.5", kind: "not_null", column: "price", severity: "fatal", description: "x", threshold: 2 },
    ]), contracts);
    const text = problems.join("\n");
    expect(text).to.include('/rules/0/id: must match pattern "^[a-z][a-z0-9_.-]*$"; make it match');
    expect(text).to.include('/rules/1/column: a unique rule does not take "column"; remove it');
    expect(text).to.include('/rules/1: must have required property \'columns\'; add the field "columns"');
    expect(text).to.include("/rules/2/kind: must be equal to one of the allowed values; use one of");
    expect(text).to.include('/rules/3: needs one of "min", "max"; add it');
    expect(text).to.include("/rules/4/severity: must be equal to one of the allowed values; use one of [\"error\",\"warn\"]");
    expect(text).to.include("/rules/4/threshold: must be <= 1; use a value <= 1");
    for (const p of problems) expect(p).to.match(/^\/rules\/transactions\.json: \/\S*: .+; .+/);
  });

  it("explains a malformed where filter once, at the filter", () => {
    const problems = ruleFileProblems("/rules/transactions.json", rulesDoc([
      { id: "a", kind: "not_null", column: "price", where: { column: "transaction_type" }, ...base },
      { id: "b", kind: "not_null", column: "price", where: { column: "transaction_type", equals: "buy", in: ["sell"] }, ...base },
      { id: "c", kind: "not_null", column: "price", where: [{ column: "transaction_type", equls: "buy" }], ...base },
      { id: "d", kind: "not_null", column: "price", where: "transaction_type = 'buy'", ...base },
    ]), contracts);
    expect(problems).to.deep.equal([
      '/rules/transactions.json: /rules/0/where: needs one of "equals", "in"; add it',
      '/rules/transactions.json: /rules/1/where: has both "equals" and "in"; keep one of them',
      '/rules/transactions.json: /rules/2/where/0: needs one of "equals", "in"; add it',
      '/rules/transactions.json: /rules/2/where/0: must NOT have additional properties; remove or rename the unknown field "equls"',
      '/rules/transactions.json: /rules/3/where: must be object,array; give a value of type object,array',
    ]);
  });

  it("checks what the schema cannot know, listing every problem with a fix", () => {
    const problems = ruleFileProblems("/rules/transactions.json", rulesDoc([
      { id: "a", kind: "not_null", column: "transacton_id", ...base },
      { id: "a", kind: "accepted_values", column: "energy_type", values: ["wind", "eolica"], ...base },
      { id: "c", kind: "pattern", column: "transaction_id", pattern: "T(?=1)[0-9", ...base },
      { id: "d", kind: "range", column: "energy_type", min: 0, ...base },
      { id: "e", kind: "freshness", column: "price", max_age_days: 3, ...base },
      { id: "f", kind: "type", column: "counterparty_id", ...base },
      { id: "g", kind: "range", column: "transaction_date", min: "2024-02-30", ...base },
      { id: "h", kind: "references", column: "counterparty_id", targets: [{ dataset: "provider", column: "provider_id" }], ...base },
      { id: "i", kind: "references", column: "quantity_kwh", targets: [{ dataset: "providers", column: "provider_id" }], ...base },
      { id: "j", kind: "not_null", column: "price", where: { column: "transaction_type", equals: "compra" }, ...base },
      { id: "k", kind: "range", column: "price", min: 10, max: 1, ...base },
    ]), contracts);
    const expected = [
      '/rules/0/column: dataset "transactions" has no column "transacton_id"; did you mean "transaction_id"?',
      '/rules/1/id: "a" is already the id of /rules/0; give every rule its own id',
      '/rules/1/values/1: "eolica" is not a canonical value of "energy_type", so it can never occur after normalisation; use one of wind, solar, hydro, nuclear, thermal',
      "/rules/2/pattern:",
      '/rules/3/column: range needs a numeric, date or timestamp column; "energy_type" is string',
      '/rules/4/column: freshness needs a date or timestamp column; "price" is decimal(18,4)',
      '/rules/5/column: "counterparty_id" is a string column, so every value casts and a type rule can never fail',
      '/rules/6/min: "transaction_date" is a date column; write min as an ISO date like "2024-05-01"',
      '/rules/7/targets/0/dataset: no contract "provider"; did you mean "providers"?',
      '/rules/8/targets/0/column: "providers.provider_id" is string but "quantity_kwh" is decimal(18,3); reference a column of the same type',
      '/rules/9/where/equals: "compra" is not a canonical value of "transaction_type"',
      "/rules/10/min: min (10) is greater than max (1); swap or fix them",
    ];
    for (const e of expected) expect(problems.some((p) => p.includes(e)), `missing: ${e}\n${problems.join("\n")}`).to.equal(true);
    expect(problems).to.have.length(expected.length + 0);
    expect(problems.find((p) => p.includes("/rules/2/pattern"))).to.match(/look-around is not supported/);
  });

  it("rejects a regex JavaScript cannot compile and a dataset that does not match the file name", () => {
    const problems = ruleFileProblems("/rules/providers.json", rulesDoc([{ id: "p", kind: "pattern", column: "transaction_id", pattern: "T[0-9", ...base }]), contracts);
    expect(problems[0]).to.match(/\/dataset: "transactions" does not match the file name; rename the file to transactions\.json or set dataset to "providers"/);
    expect(problems[1]).to.match(/\/rules\/0\/pattern: "T\[0-9" is not a valid regular expression/);
  });

  it("requires conditional reference targets to share one condition column", () => {
    const problems = ruleFileProblems("/rules/transactions.json", rulesDoc([{
      id: "r", kind: "references", column: "counterparty_id", ...base,
      targets: [
        { when: { column: "transaction_type", equals: "buy" }, dataset: "providers", column: "provider_id" },
        { when: { column: "energy_type", equals: "wind" }, dataset: "customers", column: "customer_id" },
        { dataset: "customers", column: "customer_id" },
      ],
    }]), contracts);
    expect(problems.join("\n")).to.include('the targets\' "when" filters use different columns (transaction_type, energy_type)');
    expect(problems.join("\n")).to.include('some targets have a "when" and some do not');
  });

  it("loadRuleSets throws one LakeInputError (exit 2) listing the problems of every file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
    fs.writeFileSync(path.join(dir, "providers.json"), JSON.stringify(rulesDoc([{ id: "x", kind: "not_null", column: "provider", ...base }], "providers")));
    fs.writeFileSync(path.join(dir, "customers.json"), "{ not json");
    fs.writeFileSync(path.join(dir, "transactions.json"), JSON.stringify(rulesDoc([{ id: "ok", kind: "row_count", min: 1, ...base }])));
    let error: unknown;
    try {
      loadRuleSets(contracts, dir);
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(LakeInputError);
    const problems = (error as LakeInputError).problems;
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/customers\.json: is not valid JSON/);
    expect(problems[1]).to.match(/providers\.json: \/rules\/0\/column: dataset "providers" has no column "provider"; did you mean "provider_id"\?/);
    const invalid = validateRuleFiles([path.join(dir, "transactions.json"), path.join(dir, "providers.json")], contracts);
    expect(invalid.map((i) => path.basename(i.file))).to.deep.equal(["providers.json"]);
  });

  it("parses structured filters and conditional targets into the typed model", () => {
    const ruleSet = parseRuleSet("/rules/transactions.json", rulesDoc([
      { id: "w", kind: "not_null", column: "price", where: [{ column: "transaction_type", in: ["buy", "sell"] }, { column: "quantity_kwh", equals: 5 }], threshold: 0.5, ...base },
    ]), contracts);
    expect(ruleSet.rules[0]).to.deep.include({
      kind: "not_null",
      threshold: 0.5,
      where: [{ column: "transaction_type", values: ["buy", "sell"] }, { column: "quantity_kwh", values: [5] }],
    });
  });
});
