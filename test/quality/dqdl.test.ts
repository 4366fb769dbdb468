import { expect } from "chai";
import { SparkSQL } from "dt-sql-parser";
import * as fs from "fs";
import * as path from "path";
import { loadContracts } from "../../src/model/contracts";
import { RuleSet, loadRuleSets, parseRuleSet } from "../../src/model/rules";
import { compileDqdl, compileDqdlRules, dqdlReferenceAliases, dqdlReferenceSources } from "../../src/quality/dqdl";

const contracts = loadContracts();
const shipped = loadRuleSets(contracts);
const base = { severity: "error", description: "test rule" };

interface RuleTypeConfig {
  rule_type_name: string;
  parameters: { name: string; is_var_arg?: boolean }[];
  is_threshold_supported?: boolean;
  is_where_clause_supported?: boolean;
}

/** The official DQDL rule list; shared/ sits next to the checkout. */
function ruleTypeConfig(): RuleTypeConfig[] {
  const candidates = [path.resolve(__dirname, "../../../shared/reference/dqdl-rules-config.json"), "/work/shared/reference/dqdl-rules-config.json"];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`dqdl-rules-config.json not found in ${candidates.join(" or ")}`);
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { rule_types: RuleTypeConfig[] }).rule_types;
}

// ---- A parser for the DQDL subset compileDqdl emits (tokens as in the DQDL ANTLR lexer). ----

interface Token { kind: "string" | "number" | "word" | "op" | "punct"; text: string }

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|#[^\n]*\n|"((?:\\"|\\\\|[^"\\]|\\(?!["\\]))*)"|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(>=|<=|=|>|<)|([[\],])/y;
  while (pattern.lastIndex < text.length) {
    const at = pattern.lastIndex;
    const m = pattern.exec(text);
    if (!m) throw new Error(`DQDL: unexpected character at ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
    if (m[1] !== undefined) tokens.push({ kind: "string", text: m[1].replace(/\\(["\\])/g, "$1") });
    else if (m[2] !== undefined) tokens.push({ kind: "number", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: "word", text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: "op", text: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: "punct", text: m[5] });
  }
  return tokens;
}

interface ParsedRule { type: string; parameters: string[]; condition: string; where: string | null; threshold: string | null }

function parseDqdl(text: string): ParsedRule[] {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const take = (kind: Token["kind"], value?: string): Token => {
    const t = tokens[i];
    if (!t || t.kind !== kind || (value !== undefined && t.text !== value)) throw new Error(`DQDL: expected ${value ?? kind} at token ${i}, got ${JSON.stringify(t)}`);
    i++;
    return t;
  };
  const value = (): string => {
    const t = peek();
    if (t?.kind === "number" || t?.kind === "string") return take(t.kind).text;
    return take("word", "NULL").text;
  };
  const comparison = (): string => `${take("op").text} ${take("number").text}`;
  take("word", "Rules");
  take("op", "=");
  take("punct", "[");
  const rules: ParsedRule[] = [];
  for (;;) {
    const type = take("word").text;
    const parameters: string[] = [];
    while (peek()?.kind === "string") parameters.push(take("string").text);
    let condition = "";
    const next = peek();
    if (next?.kind === "op") condition = `${take("op").text} ${value()}`;
    else if (next?.kind === "word" && next.text === "in") {
      take("word", "in");
      take("punct", "[");
      const values = [value()];
      while (peek()?.text === ",") {
        take("punct", ",");
        values.push(value());
      }
      take("punct", "]");
      condition = `in [${values.join(", ")}]`;
    } else if (next?.kind === "word" && next.text === "matches") {
      take("word", "matches");
      condition = `matches ${take("string").text}`;
    }
    let where: string | null = null;
    if (peek()?.text === "where") {
      take("word", "where");
      where = take("string").text;
    }
    let threshold: string | null = null;
    if (peek()?.text === "with") {
      take("word", "with");
      take("word", "threshold");
      threshold = comparison();
    }
    rules.push({ type, parameters, condition, where, threshold });
    if (peek()?.text === ",") take("punct", ",");
    else break;
  }
  take("punct", "]");
  if (i !== tokens.length) throw new Error(`DQDL: trailing tokens after the rule list`);
  return rules;
}

function assertAllowed(rules: ParsedRule[], config: RuleTypeConfig[]): void {
  for (const rule of rules) {
    const variants = config.filter((c) => c.rule_type_name === rule.type);
    expect(variants, `${rule.type} is not a DQDL rule type`).to.not.be.empty;
    const fits = variants.some((v) => {
      const varArg = v.parameters.some((p) => p.is_var_arg === true);
      return varArg ? rule.parameters.length >= v.parameters.length : rule.parameters.length === v.parameters.length;
    });
    expect(fits, `${rule.type} with ${rule.parameters.length} parameters`).to.equal(true);
    if (rule.where !== null) expect(variants.some((v) => v.is_where_clause_supported === true), `${rule.type} takes no where`).to.equal(true);
    if (rule.threshold !== null) expect(variants.some((v) => v.is_threshold_supported === true), `${rule.type} takes no threshold`).to.equal(true);
  }
}

function sparkErrors(sql: string): string[] {
  return new SparkSQL().validate(sql).map((e) => e.message);
}

/** Every kind, with thresholds and where filters wherever the rule format allows them. */
const everyKind: RuleSet = parseRuleSet("/rules/transactions.json", {
  dataset: "transactions",
  rules: [
    { id: "nn", kind: "not_null", column: "price", ...base },
    { id: "nn-t", kind: "not_null", column: "price", threshold: 0.3, where: { column: "transaction_type", equals: "buy" }, ...base },
    { id: "u", kind: "unique", columns: ["transaction_id"], ...base },
    { id: "u-t", kind: "unique", columns: ["transaction_type", "counterparty_id"], threshold: 0.01, where: { column: "energy_type", in: ["wind", "solar"] }, ...base },
    { id: "ty", kind: "type", column: "transaction_date", threshold: 0.05, ...base },
    { id: "av", kind: "accepted_values", column: "energy_type", values: ["wind", "solar"], threshold: 0.2, where: { column: "quantity_kwh", equals: -1.5 }, ...base },
    { id: "rg", kind: "range", column: "price", min: -10, max: 10.25, ...base },
    { id: "rg-d", kind: "range", column: "transaction_date", min: "2020-01-01", max: "2030-12-31", where: { column: "transaction_date", equals: "2024-05-01" }, ...base },
    { id: "pt", kind: "pattern", column: "transaction_id", pattern: 'T\\d+"x\\\\', threshold: 0.5, ...base },
    { id: "rf", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id" }], threshold: 0.1, ...base },
    { id: "rc", kind: "row_count", min: 1, max: 1000, where: { column: "transaction_type", equals: "sell" }, ...base },
    { id: "fr", kind: "freshness", column: "transaction_date", max_age_days: 3, where: { column: "transaction_type", equals: "sell" }, ...base },
    { id: "cp", kind: "completeness", column: "transaction_date", min_ratio: 0.9, ...base },
  ],
}, contracts);

describe("DQDL compiler", () => {
  const config = ruleTypeConfig();

  it("emits only rule types, parameter counts, where clauses and thresholds the official rule list allows", () => {
    for (const ruleSet of [...shipped, everyKind]) {
      const parsed = parseDqdl(compileDqdl(ruleSet, contracts));
      expect(parsed.length).to.be.at.least(ruleSet.rules.length);
      assertAllowed(parsed, config);
    }
  });

  it("maps every kind, moving thresholds into the comparison where DQDL has no threshold", () => {
    const byRule = Object.fromEntries(compileDqdlRules(everyKind, contracts).map((r) => [r.ruleId, r.dqdl]));
    expect(byRule.nn).to.deep.equal(['IsComplete "price"']);
    expect(byRule["nn-t"]).to.deep.equal(['Completeness "price" >= 0.7 where "`transaction_type` = \'buy\'"']);
    expect(byRule.u).to.deep.equal(['IsUnique "transaction_id"']);
    expect(byRule["u-t"][0]).to.match(/^CustomSql "SELECT \(count_if\(`transaction_type` IS NOT NULL AND `counterparty_id` IS NOT NULL\) - count\(DISTINCT `transaction_type`, `counterparty_id`\)\) \/ count\(\*\) FROM primary WHERE \(`energy_type` IN \('wind', 'solar'\)\)" <= 0\.01$/);
    expect(byRule.ty).to.deep.equal(['ColumnDataType "transaction_date" = "Date" with threshold >= 0.95']);
    expect(byRule.av).to.deep.equal(['ColumnValues "energy_type" in ["wind", "solar", NULL] where "`quantity_kwh` = -1.5" with threshold >= 0.8']);
    expect(byRule.rg).to.deep.equal(['ColumnValues "price" >= -10 where "`price` IS NOT NULL"', 'ColumnValues "price" <= 10.25 where "`price` IS NOT NULL"']);
    expect(byRule["rg-d"][0]).to.equal('ColumnValues "transaction_date" >= "2020-01-01" where "(`transaction_date` IS NOT NULL) AND (`transaction_date` = DATE \'2024-05-01\')"');
    // The job renames the referenced column after the checked one in the alias frame (see DqdlReferenceSource).
    expect(byRule.rf).to.deep.equal(['ReferentialIntegrity "counterparty_id" "providers.counterparty_id" >= 0.9']);
    expect(dqdlReferenceSources(everyKind)).to.deep.equal([{ alias: "providers", ruleId: "rf", columns: ["counterparty_id"], branches: [{ dataset: "providers", column: "provider_id", values: null }] }]);
    expect(byRule.rc).to.deep.equal(['RowCount >= 1 where "`transaction_type` = \'sell\'"', 'RowCount <= 1000 where "`transaction_type` = \'sell\'"']);
    expect(byRule.fr).to.deep.equal(['CustomSql "SELECT datediff(current_date(), CAST(max(`transaction_date`) AS DATE)) FROM primary WHERE (`transaction_type` = \'sell\')" <= 3']);
    expect(byRule.cp).to.deep.equal(['Completeness "transaction_date" >= 0.9']);
  });

  it("escapes quotes and backslashes inside DQDL strings, so a pattern stays one string", () => {
    const parsed = parseDqdl(compileDqdl(everyKind, contracts));
    const pattern = parsed.find((r) => r.condition.startsWith("matches"));
    expect(pattern?.condition).to.equal('matches ^(?:T\\d+"x\\\\)$');
    expect(pattern?.threshold).to.equal(">= 0.5");
  });

  it("writes where clauses and custom SQL that Spark SQL parses", () => {
    for (const ruleSet of [...shipped, everyKind]) {
      for (const rule of parseDqdl(compileDqdl(ruleSet, contracts))) {
        if (rule.where !== null) expect(sparkErrors(`SELECT * FROM primary WHERE ${rule.where}`), rule.where).to.deep.equal([]);
        if (rule.type === "CustomSql") expect(sparkErrors(rule.parameters[0]), rule.parameters[0]).to.deep.equal([]);
      }
    }
    expect(sparkErrors("SELECT * FROM primary WHERE (")).to.not.deep.equal([]);
  });

  it("labels each rule with its id and severity in a comment line", () => {
    const text = compileDqdl(shipped.find((r) => r.dataset === "providers")!, contracts);
    expect(text).to.match(/^Rules = \[\n {4}# providers\.row_count \(error\)\n {4}RowCount >= 1,\n/);
    expect(text).to.include("# providers.capacity_mw.range (warn)\n");
    expect(text.trimEnd().endsWith("]")).to.equal(true);
    expect(text).to.not.match(/,\s*\]/);
  });

  it("expresses a conditional reference as a composite key against an alias the Glue job builds", () => {
    const transactions = shipped.find((r) => r.dataset === "transactions")!;
    const rules = parseDqdl(compileDqdl(transactions, contracts)).filter((r) => r.type === "ReferentialIntegrity");
    expect(rules).to.deep.equal([{
      type: "ReferentialIntegrity",
      parameters: ["transaction_type,counterparty_id", "transactions_counterparty_id_references_ref.{transaction_type,counterparty_id}"],
      condition: "= 1.0",
      where: null,
      threshold: null,
    }]);
    expect(dqdlReferenceSources(transactions)).to.deep.equal([{
      alias: "transactions_counterparty_id_references_ref",
      ruleId: "transactions.counterparty_id.references",
      columns: ["transaction_type", "counterparty_id"],
      branches: [
        { dataset: "providers", column: "provider_id", values: ["buy"] },
        { dataset: "customers", column: "customer_id", values: ["sell"] },
      ],
    }]);
    expect(dqdlReferenceAliases(everyKind)).to.deep.equal(["providers"]);
    expect(dqdlReferenceAliases(shipped.find((r) => r.dataset === "providers")!)).to.deep.equal([]);
  });
});
