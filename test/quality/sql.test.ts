import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { expect } from "chai";
import { TrinoSQL } from "dt-sql-parser";
import { loadContracts } from "../../src/model/contracts";
import { RuleSet, loadRuleSets, parseRuleSet, ruleFileProblems } from "../../src/model/rules";
import { runChecks } from "../../src/quality/engine";
import { compileAthenaVerification, compileChecks, sqlRuleNames } from "../../src/quality/sql";
import { athenaTarget, duckdbTarget, retypedFromText } from "../../src/sql/batch-source";
import { LOAD_DATE, tempLake, writeProcessed, writeReferenceData, writeDefectiveTransactions } from "./lake-fixture";

const contracts = loadContracts();
const shipped = loadRuleSets(contracts);
const tables = { processedDatabase: "lake_processed", quarantineDatabase: "lake_quarantine", curatedDatabase: "lake_curated" };
const base = { severity: "error", description: "test rule" };

function ruleSet(dataset: string, rules: unknown[]): RuleSet {
  return parseRuleSet(`/rules/${dataset}.json`, { dataset, rules }, contracts);
}

function trinoErrors(sql: string): string[] {
  return new TrinoSQL().validate(sql).map((e) => `${e.message} at ${e.startLine}:${e.startColumn}`);
}

/** The columns each parquet scan of a DuckDB plan reads. */
function scannedColumns(plan: unknown): string[][] {
  const scans: string[][] = [];
  const visit = (node: { name?: string; children?: unknown[]; extra_info?: Record<string, unknown> }): void => {
    if (node.name === "READ_PARQUET") {
      const projections = node.extra_info?.Projections;
      scans.push(Array.isArray(projections) ? projections.map(String) : String(projections).split("\n").filter((p) => p !== ""));
    }
    for (const child of node.children ?? []) visit(child as typeof node);
  };
  for (const root of plan as unknown[]) visit(root as never);
  return scans;
}

describe("check SQL compiler", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let lake: string;

  before(async () => {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
    lake = tempLake();
    await writeReferenceData(connection, lake, contracts);
    await writeDefectiveTransactions(connection, lake, contracts);
  });

  after(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it("issues one aggregate query per dataset plus one anti-join per referenced dataset", () => {
    const counts = Object.fromEntries(shipped.map((r) => [r.dataset, compileChecks(r, contracts, duckdbTarget(lake), LOAD_DATE).queries.length]));
    expect(counts).to.deep.equal({ customers: 1, providers: 1, transactions: 3 });
    const transactions = compileChecks(shipped.find((r) => r.dataset === "transactions")!, contracts, duckdbTarget(lake), LOAD_DATE);
    expect(transactions.queries.map((q) => [q.purpose, q.referencedDataset])).to.deep.equal([["aggregate", null], ["references", "customers"], ["references", "providers"]]);
    expect(transactions.queries[0].rules).to.have.length(transactions.rules.length);

    // Every kind at once, on either target: still one aggregate query plus one per referenced dataset.
    const everyKind = ruleSet("transactions", [
      { id: "nn", kind: "not_null", column: "price", baseline: { loads: 5, statistic: "max", max_factor: 1 }, ...base },
      { id: "ty", kind: "type", column: "quantity_kwh", ...base },
      { id: "un", kind: "unique", columns: ["transaction_id"], ...base },
      { id: "av", kind: "accepted_values", column: "energy_type", values: ["wind", "solar"], ...base },
      { id: "rg", kind: "range", column: "price", min: 0, ...base },
      { id: "pt", kind: "pattern", column: "transaction_id", pattern: "T[0-9]+", ...base },
      { id: "rf", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id", when: { column: "transaction_type", equals: "buy" } }, { dataset: "customers", column: "customer_id", when: { column: "transaction_type", equals: "sell" } }], ...base },
      { id: "rc", kind: "row_count", min: 1, baseline: { loads: 7, statistic: "median", min_factor: 0.5, max_factor: 1.5 }, ...base },
      { id: "fr", kind: "freshness", column: "transaction_date", max_age_days: 3, ...base },
      { id: "cp", kind: "completeness", column: "transaction_date", baseline: { loads: 5, statistic: "min", min_factor: 1 }, ...base },
      { id: "qr", kind: "reconciliation", columns: ["quantity_kwh"], ...base },
      { id: "ar", kind: "reconciliation", columns: ["quantity_kwh", "price"], ...base },
      { id: "ep", kind: "column_present", column: "energy_type", ...base },
      { id: "kc", kind: "known_columns", ...base },
    ]);
    const filesWithout = new Map([["energy_type", ["btg.csv"]]]);
    for (const [target, loadDate] of [[duckdbTarget(lake), LOAD_DATE], [athenaTarget(tables), "?"]] as const) {
      const every = compileChecks(everyKind, contracts, target, loadDate, { filesWithout });
      expect(every.queries.map((q) => [q.purpose, q.referencedDataset]), target.dialect.name).to.deep.equal([["aggregate", null], ["references", "customers"], ["references", "providers"]]);
      expect(every.queries[0].rules, "the aggregate query carries every rule").to.have.length(everyKind.rules.length);
    }

    // Two rules against the same dataset still share its single anti-join.
    const twoRules = ruleSet("transactions", [
      { id: "buy", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id" }], ...base },
      { id: "name", kind: "references", column: "transaction_id", targets: [{ dataset: "providers", column: "provider_name" }], ...base },
    ]);
    const compiled = compileChecks(twoRules, contracts, duckdbTarget(lake), LOAD_DATE);
    expect(compiled.queries).to.have.length(2);
    expect(compiled.queries[1].rules).to.deep.equal(["buy", "name"]);
  });

  for (const [name, makeTarget] of [["duckdbTarget", duckdbTarget], ["retypedFromText", (lakeDir: string) => retypedFromText(duckdbTarget(lakeDir))]] as const) {
    it(`reads only the columns its rules need, the key too when sampling (${name})`, async () => {
      const rules = ruleSet("transactions", [{ id: "p", kind: "not_null", column: "price", where: { column: "transaction_type", equals: "buy" }, ...base }]);
      const plan = async (sampleSize: number): Promise<string[][]> => {
        const sql = compileChecks(rules, contracts, makeTarget(lake), LOAD_DATE, { sampleSize }).queries[0].sql;
        const reader = await connection.runAndReadAll(`EXPLAIN (FORMAT json) ${sql}`);
        return scannedColumns(JSON.parse(String(reader.getRows()[0][1])));
      };
      const withoutSamples = await plan(0);
      expect(withoutSamples).to.have.length(2); // processed and quarantine files of the load
      for (const scan of withoutSamples) expect([...scan].sort()).to.deep.equal(["price", "transaction_type"]);
      for (const scan of await plan(5)) expect([...scan].sort()).to.deep.equal(["_row", "_source_file", "price", "transaction_id", "transaction_type"]);
    });
  }

  it("leaves unneeded columns out of the typed view", () => {
    const rules = ruleSet("transactions", [{ id: "p", kind: "not_null", column: "price", where: { column: "transaction_type", equals: "buy" }, ...base }]);
    for (const target of [duckdbTarget(lake), athenaTarget(tables)]) {
      const sql = compileChecks(rules, contracts, target, LOAD_DATE, { sampleSize: 0 }).queries[0].sql;
      for (const unneeded of ["transaction_id", "counterparty_id", "quantity_kwh", "energy_type", "transaction_date"]) expect(sql).to.not.include(`"${unneeded}`);
      expect(sql).to.include('"price"');
    }
  });

  it("lays the typed batch out a column per line, each step of the typed view on its own level, for a user to audit", () => {
    const transactions = shipped.find((r) => r.dataset === "transactions")!;
    const columns = contracts.find((c) => c.name === "transactions")!.columns.map((c) => c.name);
    for (const target of [duckdbTarget(lake), athenaTarget(tables)]) {
      const lines = compileChecks(transactions, contracts, target, LOAD_DATE).queries[0].sql.split("\n").map((l) => l.trim());
      for (const column of columns) {
        // Processed rows (typed by the load) and quarantined rows (typed here): one line each per column and step.
        expect(lines, `${column}: processed`).to.include(`(${JSON.stringify(column)} IS NOT NULL) AS "${column}__present",`);
        expect(lines, `${column}: quarantine`).to.include(`(${JSON.stringify(`${column}__clean`)} IS NOT NULL) AS "${column}__present",`);
        expect(lines.some((l) => l.startsWith(`"${column}" AS "${column}__raw", NULLIF(`)), `${column}: trimmed`).to.equal(true);
      }
      for (const step of [") AS trimmed", ") AS marked", ") AS cleaned", "UNION ALL"]) expect(lines, step).to.include(step);
    }
  });

  it("compiles every shipped rule set to Athena statements Trino's grammar accepts, with a literal or a parameter load date", () => {
    for (const rules of shipped) {
      for (const loadDate of [LOAD_DATE, "?"]) {
        const statements = compileAthenaVerification(rules, contracts, tables, loadDate);
        expect(statements.length).to.be.greaterThan(0);
        for (const sql of statements) {
          expect(trinoErrors(sql), sql).to.deep.equal([]);
          expect(sql).to.include('"lake_processed".');
        }
      }
    }
    // Counts only, unique rules are counted in the scan (count DISTINCT), scoped ones too.
    const scopedUnique = ruleSet("transactions", [{ id: "u", kind: "unique", columns: ["transaction_id"], where: { column: "transaction_type", equals: "sell" }, ...base }]);
    for (const rules of [...shipped, scopedUnique]) {
      for (const query of compileChecks(rules, contracts, athenaTarget(tables), "?", { sampleSize: 0 }).queries) expect(trinoErrors(query.sql), query.sql).to.deep.equal([]);
    }
    expect(compileChecks(scopedUnique, contracts, athenaTarget(tables), "?", { sampleSize: 0 }).queries[0].sql).to.include('count(DISTINCT CASE WHEN "u__in_scope" THEN "transaction_id" END)');
    // A referenced dataset looked up by two columns: one query, two missing-value CTEs.
    const twoLookups = ruleSet("transactions", [
      { id: "c", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id", when: { column: "transaction_type", equals: "buy" } }], ...base },
      { id: "e", kind: "references", column: "energy_type", targets: [{ dataset: "providers", column: "energy_type" }], ...base },
    ]);
    const [, lookups] = compileChecks(twoLookups, contracts, athenaTarget(tables), "?").queries;
    expect(trinoErrors(lookups.sql), lookups.sql).to.deep.equal([]);
    expect(lookups.sql).to.include('"missing_provider_id" AS (').and.include('"missing_energy_type_2" AS (');
    // The grammar check has teeth: a broken statement is reported.
    expect(trinoErrors("SELECT count_if( FROM t")).to.not.deep.equal([]);
    const parameterised = compileAthenaVerification(shipped.find((r) => r.dataset === "transactions")!, contracts, tables, "?");
    expect(parameterised[0]).to.not.include(LOAD_DATE);
    expect(parameterised[0].match(/\?/g)?.length).to.be.greaterThan(1);
  });

  it("writes Trino-specific aggregates for Athena and DuckDB ones locally", () => {
    const rules = shipped.find((r) => r.dataset === "transactions")!;
    const local = compileChecks(rules, contracts, duckdbTarget(lake), LOAD_DATE).queries[0].sql;
    const aws = compileChecks(rules, contracts, athenaTarget(tables), LOAD_DATE).queries[0].sql;
    expect(local).to.include("to_json(min(CASE WHEN");
    expect(aws).to.include("json_format(CAST(min(CASE WHEN");
    expect(aws).to.include("regexp_like(");
    expect(local).to.include("regexp_full_match(");
    // DuckDB would store a CTE read twice; Trino has no such keyword and always streams.
    expect(local).to.match(/^WITH "batch" AS NOT MATERIALIZED \(/);
    expect(aws).to.match(/^WITH "batch" AS \(/);
  });

  it("names one boolean per rule, after the rule, and counts it: no bit masks in any dialect", () => {
    for (const rules of shipped) {
      for (const target of [duckdbTarget(lake), athenaTarget(tables)]) {
        for (const query of compileChecks(rules, contracts, target, LOAD_DATE).queries) {
          expect(query.sql).to.not.match(/bitwise_and|"m\d+"|& \d|CAST\(\d+ AS BIGINT\)/);
        }
      }
    }
    const transactions = compileChecks(shipped.find((r) => r.dataset === "transactions")!, contracts, athenaTarget(tables), LOAD_DATE);
    const sql = transactions.queries[0].sql;
    expect(sql).to.include('  NOT "transaction_id__present" AS "transaction_id_not_null"');
    expect(sql).to.include('count_if("transaction_id_not_null") AS "transaction_id_not_null__failed"');
    expect(sql).to.include('COALESCE("transaction_type" = \'sell\', FALSE) AS "quantity_kwh_large_sell__in_scope"');
    expect(sql).to.include('count_if("quantity_kwh_large_sell__in_scope") AS "quantity_kwh_large_sell__total"');
    // A unique rule groups by its key instead of ranking every row.
    expect(sql).to.include('"transaction_id_unique__duplicates" AS (');
    expect(sql).to.include("HAVING count(*) > 1");
    expect(transactions.queries[1].sql).to.include('AS "counterparty_id_references__customers"');
  });

  it("compiles reconciliation rules and file-scoped rules to Athena statements Trino's grammar accepts", () => {
    const rules = ruleSet("transactions", [
      { id: "q", kind: "reconciliation", columns: ["quantity_kwh", "price"], ...base },
      { id: "e", kind: "not_null", column: "energy_type", ...base },
      { id: "c", kind: "column_present", column: "energy_type", ...base },
    ]);
    const filesWithout = new Map([["energy_type", ["btg.csv", "O'Brien.csv"]]]);
    const compiled = compileChecks(rules, contracts, athenaTarget(tables), "?", { filesWithout });
    expect(compiled.queries.map((q) => q.purpose)).to.deep.equal(["aggregate"]);
    for (const query of compiled.queries) expect(trinoErrors(query.sql), query.sql).to.deep.equal([]);
    expect(compiled.queries[0].sql).to.include(`"_source_file" NOT IN ('O''Brien.csv', 'btg.csv') AS "e__in_scope"`);
    expect(compiled.rules.map((r) => r.scoped)).to.deep.equal([false, true, false]);
  });

  it("compiles a rule set that reads no column (header rules only) to statements both engines accept", async () => {
    const rules = ruleSet("providers", [{ id: "k", kind: "known_columns", ...base }]);
    // Without samples not even the key is read.
    for (const query of compileChecks(rules, contracts, athenaTarget(tables), "?", { sampleSize: 0 }).queries) expect(trinoErrors(query.sql), query.sql).to.deep.equal([]);
    for (const query of compileChecks(rules, contracts, duckdbTarget(lake), LOAD_DATE, { sampleSize: 0 }).queries) await connection.run(query.sql);
  });

  it("derives SQL names from rule ids: without the dataset prefix, plain, never a column's or another rule's", () => {
    const rules = ruleSet("transactions", [
      { id: "transactions.price.not_null", kind: "not_null", column: "price", ...base },
      { id: "price-not-null", kind: "not_null", column: "price", ...base },
      { id: "price", kind: "not_null", column: "price", ...base },
      { id: "other.a..b--c", kind: "not_null", column: "price", ...base },
      { id: "counts", kind: "not_null", column: "price", ...base },
    ]);
    const transactions = contracts.find((c) => c.name === "transactions")!;
    expect(sqlRuleNames(rules, transactions)).to.deep.equal(["price_not_null", "price_not_null_2", "price_2", "other_a_b_c", "counts_2"]);
    for (const name of sqlRuleNames(shipped.find((r) => r.dataset === "transactions")!, transactions)) expect(name).to.match(/^[a-z][a-z0-9_]*$/).and.not.include("__");
  });

  describe("injection", () => {
    const hostile = "x'); DROP TABLE t; --";

    it("rejects hostile ids, columns and datasets in rule files", () => {
      const problems = ruleFileProblems("/rules/transactions.json", {
        dataset: "transactions",
        rules: [
          { id: `a"; DROP TABLE t; --`, kind: "not_null", column: "price", ...base },
          { id: "b", kind: "not_null", column: 'price"; DROP TABLE t; --', ...base },
          { id: "c", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers; DROP", column: "provider_id" }], ...base },
          { id: "d", kind: "not_null", column: "price", where: { column: "price) OR (1=1", equals: 1 }, ...base },
        ],
      }, contracts);
      expect(problems.filter((p) => p.includes("must match pattern"))).to.have.length(4);
    });

    it("refuses to compile an identifier that is not plain, even if validation was bypassed", () => {
      const forged: RuleSet = { dataset: "transactions", file: "forged", rules: [{ id: "x", kind: "not_null", column: 'price" OR 1=1 --', severity: "error", description: "", threshold: null, where: [], baseline: null }] };
      expect(() => compileChecks(forged, contracts, duckdbTarget(lake), LOAD_DATE)).to.throw(/refusing to quote identifier/);
    });

    it("quotes hostile values and patterns as data: counts stay exact on DuckDB and Athena SQL still parses", async () => {
      const customers = contracts.find((c) => c.name === "customers")!;
      const hostileLake = tempLake();
      await writeProcessed(connection, hostileLake, customers, [
        { line: 2, values: ["C000001", "cc", "1", "Ana", hostile, "residential"] },
        { line: 3, values: ["C000002", "cc", "2", "O'Brien", "Cali\u001f\"x\"", "residential"] },
        // A value with a line break: the layout of the SQL must not reach inside its literal.
        { line: 4, values: ["C000003", "cc", "3", "Ana", "Bogotá\n Norte", "residential"] },
      ]);
      const rules = ruleSet("customers", [
        { id: "where-hostile", kind: "not_null", column: "customer_id", where: { column: "city", equals: hostile }, ...base },
        { id: "values-hostile", kind: "accepted_values", column: "city", values: [hostile, "Cali\\'; --", "Bogotá\n Norte"], ...base },
        { id: "pattern-quote", kind: "pattern", column: "customer_name", pattern: "O'Brien|Ana", ...base },
        { id: "pattern-hostile", kind: "pattern", column: "customer_name", pattern: "x'\\)|;--", ...base },
      ]);
      const sql = compileChecks(rules, contracts, duckdbTarget(hostileLake), LOAD_DATE).queries[0].sql;
      expect(sql).to.include("'x''); DROP TABLE t; --'");
      const [result] = await runChecks({ connection, target: duckdbTarget(hostileLake), contracts, ruleSets: [rules], loadDate: LOAD_DATE });
      const byId = Object.fromEntries(result.rules.map((r) => [r.id, r]));
      expect(byId["where-hostile"]).to.deep.include({ status: "pass", total: 1, failed: 0 });
      expect(sql).to.include("'Bogotá\n Norte'");
      expect(byId["values-hostile"]).to.deep.include({ failed: 1 });
      // A sample survives quotes and the record separator in the value it shows.
      expect(byId["values-hostile"].samples).to.deep.equal([{ key: "C000002", value: "Cali\u001f\"x\"", file: "customers.csv", line: 3 }]);
      expect(byId["pattern-quote"]).to.deep.include({ failed: 0 });
      expect(byId["pattern-hostile"]).to.deep.include({ failed: 3 });
      for (const statement of compileAthenaVerification(rules, contracts, tables, LOAD_DATE)) expect(trinoErrors(statement)).to.deep.equal([]);
    });
  });
});
