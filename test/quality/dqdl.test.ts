import { expect } from "chai";
import { LakeInputError } from "../../src/errors";
import { SparkSQL } from "dt-sql-parser";
import * as fs from "fs";
import * as path from "path";
import { Contract, columnOf, loadContracts } from "../../src/model/contracts";
import { Rule, RuleSet, loadRuleSets, parseRuleSet } from "../../src/model/rules";
import {
  compileDqdl,
  compileDqdlRules,
  dqdlComplement,
  dqdlCondition,
  dqdlFrameColumns,
  dqdlHistory,
  dqdlLabels,
  dqdlListString,
  dqdlNumber,
  dqdlOperand,
  dqdlRawString,
  dqdlReferenceAliases,
  dqdlReferenceSources,
} from "../../src/quality/dqdl";
import { DqdlRule, DqdlSyntaxError, readDqdl } from "../support/dqdl-grammar";
import { HOSTILE_NUMBERS, HOSTILE_STRINGS, adversarialRuleSets, caseContracts, hostileStrings } from "./dqdl-cases";

const contracts = caseContracts();
const shipped = loadRuleSets(loadContracts());
const adversarial = adversarialRuleSets();
const everyRuleSet = [...shipped, ...adversarial];
const base = { severity: "error", description: "test rule" };

interface RuleTypeConfig {
  rule_type_name: string;
  parameters: { name: string; is_var_arg?: boolean }[];
  return_type: string;
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

/** What Spark makes of a string literal (its unescapeSQLString for the escapes Spark knows). */
function sparkString(literal: string): string {
  const named: Record<string, string> = { "0": "\u0000", b: "\b", n: "\n", r: "\r", t: "\t", Z: "\u001a" };
  return literal.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|[0-3][0-7]{2}|[\s\S])/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e.length === 3) return String.fromCharCode(parseInt(e, 8));
    return e === "%" || e === "_" ? `\\${e}` : (named[e] ?? e);
  });
}

/** The string literals of a Spark SQL text, as Spark reads them. */
function sparkLiterals(sql: string): string[] {
  const tokens = (new SparkSQL() as unknown as { getAllTokens(sql: string): { text: string }[] }).getAllTokens(sql);
  return tokens.filter((t) => t.text.startsWith("'")).map((t) => sparkString(t.text));
}

const sparkErrors = (sql: string): string[] => new SparkSQL().validate(sql).map((e) => e.message);

/** The text Glue receives for a raw DQDL string: ours, with a backslash before each unescaped quote. */
const quotesEscaped = (text: string): string => text.replace(/(\\*)"/g, (m, b: string) => (b.length % 2 === 0 ? `${b}\\"` : m));

function compiledPairs(ruleSet: RuleSet): { rule: Rule; dqdl: DqdlRule }[] {
  const read = readDqdl(compileDqdl(ruleSet, contracts));
  const pairs = compileDqdlRules(ruleSet, contracts).flatMap((c, i) => c.dqdl.map(() => ({ rule: ruleSet.rules[i]! })));
  expect(read).to.have.length(pairs.length);
  return pairs.map((p, i) => ({ ...p, dqdl: read[i]! }));
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
    { id: "pt", kind: "pattern", column: "transaction_id", pattern: 'T\\d+"x\\\\', ...base },
    { id: "rf", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id" }], threshold: 0.1, ...base },
    { id: "rc", kind: "row_count", min: 1, max: 1000, where: { column: "transaction_type", equals: "sell" }, ...base },
    { id: "fr", kind: "freshness", column: "transaction_date", max_age_days: 3, where: { column: "transaction_type", equals: "sell" }, ...base },
    { id: "cp", kind: "completeness", column: "transaction_date", min_ratio: 0.9, ...base },
    { id: "rc-b", kind: "row_count", min: 1, baseline: { loads: 7, statistic: "median", min_factor: 0.5, max_factor: 1.5 }, ...base },
    { id: "cp-b", kind: "completeness", column: "transaction_date", baseline: { loads: 5, statistic: "min", min_factor: 1 }, ...base },
    { id: "nn-b", kind: "not_null", column: "price", where: { column: "transaction_type", equals: "buy" }, baseline: { loads: 10, min_loads: 3, statistic: "max", max_factor: 1 }, ...base },
    { id: "nn-bt", kind: "not_null", column: "price", threshold: 0.2, baseline: { loads: 4, statistic: "mean", max_factor: 2 }, ...base },
    { id: "rec", kind: "reconciliation", columns: ["quantity_kwh", "price"], ...base },
    { id: "col", kind: "column_present", column: "energy_type", ...base },
    { id: "known", kind: "known_columns", ...base },
  ],
}, contracts);

describe("DQDL compiler: what the official grammar accepts", () => {
  const config = ruleTypeConfig();

  it("writes rulesets the grammar reads, with only the rule types, parameter counts, where clauses and thresholds of the official rule list", () => {
    for (const ruleSet of [...everyRuleSet, everyKind]) {
      for (const { rule, dqdl } of compiledPairs(ruleSet)) {
        const variants = config.filter((c) => c.rule_type_name === dqdl.type);
        expect(variants, `${rule.id}: ${dqdl.type} is not a DQDL rule type`).to.not.be.empty;
        const fits = variants.filter((v) => (v.parameters.some((p) => p.is_var_arg === true) ? dqdl.parameters.length >= v.parameters.length : dqdl.parameters.length === v.parameters.length));
        expect(fits, `${rule.id}: ${dqdl.type} with ${dqdl.parameters.length} parameters`).to.not.be.empty;
        if (dqdl.where !== null) expect(fits.some((v) => v.is_where_clause_supported === true), `${rule.id}: ${dqdl.type} takes no where`).to.equal(true);
        const threshold = dqdl.tags.filter((t) => t.name === "threshold");
        expect(threshold.length, `${rule.id}: one threshold at most`).to.be.at.most(1);
        if (threshold.length > 0) expect(fits.some((v) => v.is_threshold_supported === true), `${rule.id}: ${dqdl.type} takes no threshold`).to.equal(true);
        // A rule whose return type is a number needs a number condition (CustomSql, RowCount, ...).
        if (fits.every((v) => v.return_type === "NUMBER" || v.return_type === "NUMBER|BOOLEAN")) expect(dqdl.condition?.kind, `${rule.id}: ${dqdl.type}`).to.equal("number");
      }
    }
  });

  it("labels every DQDL rule with its rule's id and severity, the key Glue outcomes are mapped back by", () => {
    for (const ruleSet of [...everyRuleSet, everyKind]) {
      for (const { rule, dqdl } of compiledPairs(ruleSet)) expect(dqdl.labels).to.deep.equal({ rule_id: rule.id, severity: rule.severity });
    }
  });

  it("compares each ColumnValues column as its type: strings as strings, numbers as numbers, dates as dates", () => {
    const expected: Record<string, string> = { string: "string", integer: "number", decimal: "number", date: "date", timestamp: "date" };
    let seen = 0;
    for (const ruleSet of [...everyRuleSet, everyKind]) {
      const contract = contracts.find((c) => c.name === ruleSet.dataset) as Contract;
      for (const { rule, dqdl } of compiledPairs(ruleSet)) {
        if (dqdl.type !== "ColumnValues") continue;
        seen++;
        const type = columnOf(contract, dqdl.parameters[0]!).type.kind;
        expect(dqdl.condition?.kind, `${rule.id} on a ${type} column`).to.equal(dqdl.condition?.operator === "matches" ? "string" : expected[type]);
      }
    }
    expect(seen).to.be.greaterThan(20);
  });

  it("keeps date- and time-shaped strings, NULL and keywords in a string list a string list, each value read back as written", () => {
    const values = HOSTILE_STRINGS;
    const rule = readDqdl(compileDqdl(adversarial[0]!, contracts)).find((r) => r.labels.rule_id === "strings.in")!;
    expect(rule.condition).to.deep.equal({ kind: "string", operator: "in", operands: [...values, "<NULL>"] });
    for (const s of [...values, ...hostileStrings(1, 400)]) {
      const [read] = readDqdl(`Rules = [ ColumnValues "c" in [${dqdlListString(s)}, NULL] ]`);
      expect(read!.condition, JSON.stringify(s)).to.deep.equal({ kind: "string", operator: "in", operands: [s, "<NULL>"] });
    }
    // What used to be written: a syntax error next to strings, a date condition on its own.
    expect(() => readDqdl('Rules = [ ColumnValues "c" in ["a", "2024-01-01"] ]')).to.throw(DqdlSyntaxError);
    expect(() => readDqdl('Rules = [ ColumnValues "c" in ["a", "1:30 PM"] ]')).to.throw(DqdlSyntaxError);
    expect(readDqdl('Rules = [ ColumnValues "c" in ["2024-01-01", NULL] ]')[0]!.condition?.kind).to.equal("date");
    expect(dqdlListString("2024-01-01")).to.equal('"2024\\-01-01"');
    expect(dqdlListString("12:30")).to.equal('"12\\:30"');
  });

  it("writes parameters, regexes, where filters and labels so Glue receives exactly the text meant", () => {
    for (const s of [...HOSTILE_STRINGS, ...hostileStrings(2, 400)]) {
      let raw: string;
      try {
        raw = dqdlRawString(s);
      } catch {
        // Refused only where no raw string can carry the text.
        expect(/^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}:[0-9]{2} (?:AM|PM)|[0-9]{2}:[0-9]{2})$/.test(s) || /(^|[^\\])(\\\\)*\\$/.test(s), JSON.stringify(s)).to.equal(true);
        continue;
      }
      const [custom, values] = readDqdl(`Rules = [ CustomSql ${raw} = 0, ColumnValues "c" matches ${raw} where ${s === "" ? '"x"' : raw} ]`);
      expect(custom!.parameters, JSON.stringify(s)).to.deep.equal([quotesEscaped(s)]);
      expect(values!.condition?.operands).to.deep.equal([quotesEscaped(s)]);
      if (s !== "") expect(values!.where).to.equal(quotesEscaped(s));
    }
    expect(() => dqdlRawString("ends in \\")).to.throw(/unpaired backslash/);
    expect(() => dqdlRawString("2024-01-01")).to.throw(/date or time/);
    expect(() => dqdlLabels({ rule_id: "x".repeat(257) })).to.throw(/1-256/);
    expect(() => dqdlLabels({})).to.throw(/1 to 10/);
  });

  it("passes regexes to the engine unchanged: no doubled backslashes, quotes escaped as the regex reads them", () => {
    const patterns = everyRuleSet.flatMap((rs) => rs.rules).filter((r): r is Extract<Rule, { kind: "pattern" }> => r.kind === "pattern");
    let native = 0;
    for (const ruleSet of [...everyRuleSet, everyKind]) {
      for (const { rule, dqdl } of compiledPairs(ruleSet)) {
        if (rule.kind !== "pattern") continue;
        const anchored = `^(?:${rule.pattern})$`;
        if (dqdl.type === "ColumnValues") {
          native++;
          expect(dqdl.condition?.operands, rule.id).to.deep.equal([quotesEscaped(anchored)]);
          // Java regexes (and JavaScript's outside unicode mode) read \" as a quote: the received regex matches what the rule's does.
          const regex = (source: string): RegExp => new RegExp(source, /\\p\{/.test(source) ? "u" : "");
          const received = regex(dqdl.condition!.operands[0]!);
          for (const probe of ['T12"x\\', 'a"b', "R123", "\\", '\\"', '\\\\"."', "ñ"]) expect(received.test(probe), `${rule.id} on ${probe}`).to.equal(regex(anchored).test(probe));
        } else {
          expect(sparkLiterals(dqdl.parameters[0]!), rule.id).to.include(anchored);
        }
      }
    }
    expect(native).to.be.greaterThan(4);
    expect(patterns.length).to.be.greaterThan(8);
  });

  it("writes where filters and custom SQL that Spark parses, whose string literals are the rules' values", () => {
    let checked = 0;
    for (const ruleSet of [...everyRuleSet, everyKind]) {
      for (const { rule, dqdl } of compiledPairs(ruleSet)) {
        const sql = dqdl.type === "CustomSql" ? dqdl.parameters[0]! : dqdl.where === null ? undefined : `SELECT * FROM primary WHERE ${dqdl.where}`;
        if (sql === undefined) continue;
        checked++;
        expect(sparkErrors(sql), `${rule.id}: ${sql}`).to.deep.equal([]);
        const literals = sparkLiterals(sql);
        for (const c of rule.where) for (const v of c.values) if (typeof v === "string" && columnOf(contracts.find((x) => x.name === ruleSet.dataset)!, c.column).type.kind === "string") expect(literals, `${rule.id}: ${sql}`).to.include(v);
      }
    }
    expect(checked).to.be.greaterThan(30);
    const quoted = readDqdl(compileDqdl(adversarial[1]!, contracts))[0]!;
    expect(sparkLiterals(`SELECT 1 WHERE ${quoted.where}`)).to.deep.equal(["O'Brien"]);
    const hostile = readDqdl(compileDqdl(adversarial[0]!, contracts)).find((r) => r.labels.rule_id === "where.strings")!;
    expect(sparkLiterals(hostile.parameters[0]!)).to.deep.equal([...HOSTILE_STRINGS]);
    expect(sparkErrors("SELECT * FROM primary WHERE (")).to.not.deep.equal([]);
  });

  it("writes every number as a plain decimal the grammar reads back as the same value", () => {
    let seed = 5;
    const random = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const numbers = [...HOSTILE_NUMBERS, ...Array.from({ length: 300 }, () => (random() - 0.5) * 10 ** (Math.floor(random() * 60) - 30))];
    for (const x of numbers) {
      const text = dqdlNumber(x);
      expect(text, String(x)).to.match(/^-?\d+(\.\d+)?$/);
      const [rule] = readDqdl(`Rules = [ ColumnValues "c" in [${text}] ]`);
      expect(Number(rule!.condition!.operands[0]), String(x)).to.equal(x);
    }
    expect(dqdlNumber(1e21)).to.equal("1000000000000000000000");
    expect(dqdlNumber(-1.5e-7)).to.equal("-0.00000015");
    expect(() => readDqdl('Rules = [ ColumnValues "c" >= 1e21 ]')).to.throw(DqdlSyntaxError);
    expect(() => dqdlNumber(Number.NaN)).to.throw(/finite/);
    expect([0.3, 0.05, 0.001, 1e-7, 0, 1, 0.7].map(dqdlComplement)).to.deep.equal(["0.7", "0.95", "0.999", "0.9999999", "1", "0", "0.3"]);
  });

  it("keeps a multi-line description on its comment line", () => {
    const text = compileDqdl(adversarial[1]!, contracts);
    expect(text).to.include("    # multi-line description # with a hash and more\n    ColumnValues");
    expect(readDqdl(text)).to.have.length(6);
    expect(text.split("\n").filter((l) => l.trimStart().startsWith("#"))).to.have.length(adversarial[1]!.rules.length);
    expect(text).to.not.match(/,\s*\]/);
    expect(text).to.not.include("\r");
  });
});

describe("DQDL compiler: what each rule means to Glue", () => {
  it("maps every kind to the DQDL that counts as the SQL engines do", () => {
    const byRule = Object.fromEntries(compileDqdlRules(everyKind, contracts).map((r) => [r.ruleId, r.dqdl.map((d) => d.replace(/ labels=\[[^\]]*\]/, ""))]));
    expect(byRule.nn).to.deep.equal(['CustomSql "SELECT count(*) FROM primary WHERE NOT `price__present`" = 0']);
    expect(byRule["nn-t"]).to.deep.equal(['CustomSql "SELECT count_if(NOT `price__present`) / greatest(count(*), 1) FROM primary WHERE (`transaction_type` = \'buy\')" <= 0.3']);
    expect(byRule.u).to.deep.equal(['CustomSql "SELECT count_if(`transaction_id` IS NOT NULL) - count(DISTINCT `transaction_id`) FROM primary" = 0']);
    expect(byRule["u-t"]).to.deep.equal(['CustomSql "SELECT (count_if(`transaction_type` IS NOT NULL AND `counterparty_id` IS NOT NULL) - count(DISTINCT `transaction_type`, `counterparty_id`)) / greatest(count(*), 1) FROM primary WHERE (`energy_type` IN (\'wind\', \'solar\'))" <= 0.01']);
    expect(byRule.ty).to.deep.equal(['CustomSql "SELECT count_if(`transaction_date__present` AND `transaction_date` IS NULL) / greatest(count(*), 1) FROM primary" <= 0.05']);
    expect(byRule.av).to.deep.equal(['ColumnValues "energy_type" in ["wind", "solar", NULL] where "(`quantity_kwh` = -1.5)" with threshold >= 0.8']);
    expect(byRule.rg).to.deep.equal(['ColumnValues "price" >= -10 where "`price` IS NOT NULL"', 'ColumnValues "price" <= 10.25 where "`price` IS NOT NULL"']);
    expect(byRule["rg-d"]![0]).to.equal('ColumnValues "transaction_date" >= "2020-01-01" where "`transaction_date` IS NOT NULL AND (`transaction_date` = DATE \'2024-05-01\')"');
    expect(byRule.pt).to.deep.equal(['ColumnValues "transaction_id" matches "^(?:T\\d+\\"x\\\\)$" where "`transaction_id` IS NOT NULL"']);
    // The job renames the referenced column after the checked one in the alias frame (see DqdlReferenceSource).
    expect(byRule.rf).to.deep.equal(['ReferentialIntegrity "counterparty_id" "providers.counterparty_id" >= 0.9']);
    expect(dqdlReferenceSources(everyKind)).to.deep.equal([{ alias: "providers", ruleId: "rf", columns: ["counterparty_id"], branches: [{ dataset: "providers", column: "provider_id", values: null }] }]);
    expect(byRule.rc).to.deep.equal(['RowCount >= 1 where "(`transaction_type` = \'sell\')"', 'RowCount <= 1000 where "(`transaction_type` = \'sell\')"']);
    expect(byRule.fr).to.deep.equal(['CustomSql "SELECT count(*) FROM primary WHERE (`transaction_type` = \'sell\') AND (CAST(`transaction_date` AS DATE) >= date_sub(`_load_date`, 3))" >= 1']);
    expect(byRule.cp).to.deep.equal(['CustomSql "SELECT CASE WHEN count(*) = 0 THEN 1 ELSE count_if(`transaction_date__present`) / count(*) END FROM primary" >= 0.9']);
    // Baselines as DQDL dynamic rules on the same metric: Glue keeps the history of earlier runs itself.
    expect(byRule["rc-b"]).to.deep.equal(["RowCount >= 1", "RowCount >= 0.5 * median(last(7))", "RowCount <= 1.5 * median(last(7))"]);
    expect(byRule["cp-b"]).to.deep.equal(['CustomSql "SELECT CASE WHEN count(*) = 0 THEN 1 ELSE count_if(`transaction_date__present`) / count(*) END FROM primary" >= min(last(5))']);
    // A not_null baseline compares the failed ratio; without a threshold it replaces "no failing row".
    expect(byRule["nn-b"]).to.deep.equal(['CustomSql "SELECT count_if(NOT `price__present`) / greatest(count(*), 1) FROM primary WHERE (`transaction_type` = \'buy\')" <= max(last(10))']);
    expect(byRule["nn-bt"]).to.deep.equal([
      'CustomSql "SELECT count_if(NOT `price__present`) / greatest(count(*), 1) FROM primary" <= 0.2',
      'CustomSql "SELECT count_if(NOT `price__present`) / greatest(count(*), 1) FROM primary" <= 2 * avg(last(4))',
    ]);
    // Judged by the check engines: reconciliation after curation, schema rules from the load record's headers.
    expect([byRule.rec, byRule.col, byRule.known]).to.deep.equal([[], [], []]);
    // The ruleset says so beside each of them, in a comment the grammar skips.
    const text = compileDqdl(everyKind, contracts);
    expect(text).to.include("    # rec: not evaluated by Glue: the job evaluates this ruleset before curated holds the load and never rereads raw;");
    expect(text).to.include("    # col: not evaluated by Glue: the job's frame carries every contract column whatever the export's header said");
    expect(text).to.include("    # known: not evaluated by Glue:");
    expect(readDqdl(text).map((r) => r.labels.rule_id)).to.not.include.members(["rec", "col", "known"]);
    const omitted = compileDqdlRules(everyKind, contracts).filter((r) => r.omitted !== null).map((r) => r.ruleId);
    expect(omitted).to.deep.equal(["rec", "col", "known"]);
  });

  it("puts labels after where and before the threshold, as the grammar orders them", () => {
    const [av] = compileDqdlRules(everyKind, contracts).find((r) => r.ruleId === "av")!.dqdl;
    expect(av).to.match(/where "\(`quantity_kwh` = -1\.5\)" labels=\["rule_id"="av", "severity"="error"\] with threshold >= 0\.8$/);
    expect(() => readDqdl('Rules = [ RowCount > 1 with threshold > 0.5 labels=["a"="b"] ]')).to.throw(DqdlSyntaxError);
  });

  it("evaluates on a frame of the typed view's columns, their presence flags and the load date", () => {
    const transactions = contracts.find((c) => c.name === "transactions")!;
    expect(dqdlFrameColumns(transactions)).to.deep.equal(["_source_file", "_row", "_load_date", ...transactions.columns.flatMap((c) => [c.name, `${c.name}__present`])]);
    const columns = new Set(dqdlFrameColumns(transactions));
    const used = compileDqdl(shipped.find((r) => r.dataset === "transactions")!, contracts).match(/`[a-z_]+`/g) ?? [];
    for (const u of used) expect(columns.has(u.slice(1, -1)), u).to.equal(true);
  });

  it("expresses a conditional reference as a composite key against an alias the Glue job builds", () => {
    const transactions = shipped.find((r) => r.dataset === "transactions")!;
    const rules = readDqdl(compileDqdl(transactions, contracts)).filter((r) => r.type === "ReferentialIntegrity");
    expect(rules).to.deep.equal([{
      type: "ReferentialIntegrity",
      parameters: ["transaction_type,counterparty_id", "transactions_counterparty_id_references_ref.{transaction_type,counterparty_id}"],
      condition: { kind: "number", operator: "=", operands: ["1.0"] },
      where: null,
      labels: { rule_id: "transactions.counterparty_id.references", severity: "error" },
      tags: [],
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

  it("refuses to write an empty ruleset, which Glue rejects", () => {
    const empty = parseRuleSet("/rules/providers.json", { dataset: "providers", rules: [] }, contracts);
    expect(() => compileDqdl(empty, contracts)).to.throw(LakeInputError, /providers\.json: a DQDL ruleset needs at least one rule/);
    // Rules Glue does not evaluate make an empty ruleset too: bad input (exit 2), not an internal error.
    const headersOnly = parseRuleSet("/rules/providers.json", { dataset: "providers", rules: [{ id: "known", kind: "known_columns", ...base }] }, contracts);
    expect(() => compileDqdl(headersOnly, contracts)).to.throw(LakeInputError, /\(no DQDL form: known\); add one/);
  });
});

describe("DQDL dynamic rules (history-aware comparisons)", () => {
  const h = dqdlHistory;

  it("renders comparisons with earlier runs that the grammar reads with the meaning built", () => {
    const cases: [string, string, string[]][] = [
      [dqdlCondition(">=", { op: "*", left: h.avg(h.last(10)), right: 0.8 }), ">= avg(last(10)) * 0.8", ["avg(last(10))*0.8"]],
      // One precedence for + - * /, left to right: nested arithmetic is parenthesised.
      [dqdlCondition("<", { op: "+", left: 1, right: { op: "*", left: 2, right: 3 } }), "< 1 + (2 * 3)", ["1+(2*3)"]],
      [dqdlCondition(">", { op: "-", left: h.max(h.last(5)), right: -1 }), "> max(last(5)) - (-1)", ["max(last(5))-(-1)"]],
      [dqdlCondition("between", { op: "-", left: h.min(h.last(5)), right: 1 }, { op: "+", left: h.max(h.last(5)), right: 1 }), "between min(last(5)) - 1 and max(last(5)) + 1", ["min(last(5))-1", "max(last(5))+1"]],
      [dqdlCondition("!=", h.index(h.last(3), 0)), "!= index(last(3), 0)", ["index(last(3),0)"]],
    ];
    for (const [text, expected, operands] of cases) {
      expect(text).to.equal(expected);
      const [rule] = readDqdl(`Rules = [ RowCount ${text} labels=["rule_id"="r"] ]`);
      expect(rule!.condition).to.deep.include({ kind: "number", operands });
    }
    expect(dqdlOperand({ op: "*", left: { op: "+", left: 1, right: 2 }, right: 3 })).to.equal("(1 + 2) * 3");
  });

  it("refuses windows and positions that mean nothing", () => {
    expect(() => h.last(0)).to.throw(/>= 1/);
    expect(() => h.last(2.5)).to.throw(/whole number/);
    expect(() => h.index(h.last(3), 3)).to.throw(/0\.\.2/);
  });
});
