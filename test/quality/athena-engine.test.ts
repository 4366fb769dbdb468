import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { LakeInputError } from "../../src/errors";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { readAthenaRows, runAthenaChecks } from "../../src/quality/athena-engine";
import { ROWS_COLUMN, SAMPLE_FIELD_SEPARATOR, resultColumn, sqlRuleNames } from "../../src/quality/sql";

const contracts = loadContracts();
const shipped = loadRuleSets(contracts);
const tables = { processedDatabase: "lake_processed", quarantineDatabase: "lake_quarantine", curatedDatabase: "lake_curated" };
const noWait = async (): Promise<void> => undefined;

/** A GetQueryResults page: the header row first (as Athena sends it on the first page), then values as text. */
function page(names: string[], values: (string | null)[][], nextToken?: string, withHeader = true): object {
  const toRow = (cells: (string | null)[]): object => ({ Data: cells.map((v) => (v === null ? {} : { VarCharValue: v })) });
  return {
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: names.map((Name) => ({ Name, Type: "varchar" })) },
      Rows: [...(withHeader ? [toRow(names)] : []), ...values.map(toRow)],
    },
    NextToken: nextToken,
  };
}

const contractOf = (dataset: string) => contracts.find((c) => c.name === dataset)!;

/** A `__samples` value as Athena returns it: a JSON array of "file␟line␟key␟value" records, key and value JSON-encoded. */
function samplesText(rows: { file: string; line: number; key: string | null; value: string | null }[]): string {
  const sep = SAMPLE_FIELD_SEPARATOR;
  return JSON.stringify(rows.map((r) => `${r.file}${sep}${String(r.line).padStart(12, "0")}${sep}${JSON.stringify(r.key)}${sep}${JSON.stringify(r.value)}`));
}

/** The one-row result Athena would give for the providers aggregate query: every rule clean, except the pattern. */
function providersResult(): { names: string[]; values: (string | null)[] } {
  const ruleSet = shipped.find((r) => r.dataset === "providers")!;
  const names = [ROWS_COLUMN];
  const values: (string | null)[] = ["3"];
  sqlRuleNames(ruleSet, contractOf("providers")).forEach((name, i) => {
    const rule = ruleSet.rules[i];
    if (rule.kind === "row_count") return;
    names.push(resultColumn.failed(name), resultColumn.samples(name));
    const badPattern = rule.kind === "pattern";
    values.push(badPattern ? "2" : "0", badPattern ? samplesText([{ file: "providers.csv", line: 2, key: "X1", value: "X1" }, { file: "providers.csv", line: 7, key: "X2", value: "X2" }]) : null);
  });
  return { names, values };
}

describe("Athena check engine", () => {
  // mockClient patches every AthenaClient in the process: only while these tests run, never while other files' wire tests do.
  let athena: ReturnType<typeof mockClient>;
  before(() => {
    athena = mockClient(AthenaClient);
  });
  afterEach(() => athena.reset());
  after(() => athena.restore());

  it("starts each query in the workgroup, polls until it ends, reads the row back and sums the bytes scanned", async () => {
    const { names, values } = providersResult();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: "QUEUED" } } })
      .resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } })
      .resolves({ QueryExecution: { Status: { State: "SUCCEEDED" }, Statistics: { DataScannedInBytes: 1234 } } });
    athena.on(GetQueryResultsCommand).resolves(page(names, [values]));

    const run = await runAthenaChecks({
      client: new AthenaClient({ region: "eu-west-1" }),
      workGroup: "lake-verification",
      tables,
      contracts,
      ruleSets: shipped,
      loadDate: "2024-05-01",
      datasets: ["providers"],
      sleep: noWait,
    });

    expect(run.queries).to.equal(1);
    expect(run.bytesRead).to.equal(1234);
    const starts = athena.commandCalls(StartQueryExecutionCommand);
    expect(starts).to.have.length(1);
    expect(starts[0].args[0].input.WorkGroup).to.equal("lake-verification");
    expect(starts[0].args[0].input.QueryString).to.include('"lake_processed"."providers"');
    // The load date travels as execution parameters, the statement text is the prepared statements' one.
    expect(starts[0].args[0].input.QueryString).to.not.include("2024-05-01");
    expect(starts[0].args[0].input.ExecutionParameters).to.deep.equal(["'2024-05-01'", "'2024-05-01'"]);
    expect(starts[0].args[0].input.ClientRequestToken).to.match(/^[0-9a-f-]{36}$/);
    expect(athena.commandCalls(GetQueryExecutionCommand)).to.have.length(3);
    const [providers] = run.datasets;
    const pattern = providers.rules.find((r) => r.kind === "pattern")!;
    expect(pattern).to.deep.include({ status: "warn", failed: 2, total: 3 });
    expect(pattern.samples).to.deep.equal([{ key: "X1", value: "X1", file: "providers.csv", line: 2 }, { key: "X2", value: "X2", file: "providers.csv", line: 7 }]);
    expect(providers.rules.filter((r) => r.status === "pass")).to.have.length(providers.rules.length - 1);
  });

  it("marks the rules of a failed query as error, names the query, and still counts its bytes", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-broken" });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND: lake_processed.providers" }, Statistics: { DataScannedInBytes: 10 } },
    });
    const run = await runAthenaChecks({ client: new AthenaClient({ region: "eu-west-1" }), workGroup: "wg", tables, contracts, ruleSets: shipped, loadDate: "2024-05-01", datasets: ["providers"], sleep: noWait });
    expect(run.bytesRead).to.equal(10);
    for (const rule of run.datasets[0].rules) {
      expect(rule.status).to.equal("error");
      expect(rule.message).to.match(/Athena query q-broken \(providers rule counts\) FAILED: TABLE_NOT_FOUND/);
    }
    expect(athena.commandCalls(GetQueryResultsCommand)).to.have.length(0);
    // A query that ended needs no stopping.
    expect(athena.commandCalls(StopQueryExecutionCommand)).to.have.length(0);
  });

  it("issues 1 + referenced-datasets queries for transactions and combines the reference figures", async () => {
    const transactions = shipped.find((r) => r.dataset === "transactions")!;
    const refIndex = transactions.rules.findIndex((r) => r.kind === "references");
    let started = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++started}` }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" }, Statistics: { DataScannedInBytes: 100 } } });
    const names = sqlRuleNames(transactions, contractOf("transactions"));
    const aggregateNames = [ROWS_COLUMN, ...transactions.rules.flatMap((rule, i) => {
      if (rule.kind === "row_count" || rule.kind === "references") return [];
      if (rule.kind === "freshness") return [resultColumn.newest(names[i])];
      return [...(rule.where.length > 0 ? [resultColumn.total(names[i])] : []), resultColumn.failed(names[i]), ...(rule.kind === "completeness" ? [] : [resultColumn.samples(names[i])])];
    })];
    const aggregateValues = aggregateNames.map((n) => (n.endsWith("__samples") ? null : n.endsWith("__newest") ? "2024-04-30" : n.endsWith("__failed") ? "0" : "10"));
    const reference = names[refIndex];
    const sample = (line: number, key: string, value: string) => ({ file: "transactions.csv", line, key, value });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: "q-1" }).resolves(page(aggregateNames, [aggregateValues]))
      .on(GetQueryResultsCommand, { QueryExecutionId: "q-2" }).resolves(page([resultColumn.targetFailed(reference, "customers"), resultColumn.targetSamples(reference, "customers")], [["1", samplesText([sample(9, "T9", "C9")])]]))
      .on(GetQueryResultsCommand, { QueryExecutionId: "q-3" }).resolves(page([resultColumn.targetFailed(reference, "providers"), resultColumn.targetSamples(reference, "providers")], [["2", samplesText([sample(1, "T1", "P1"), sample(12, "T2", "P2")])]]));
    const run = await runAthenaChecks({ client: new AthenaClient({ region: "eu-west-1" }), workGroup: "wg", tables, contracts, ruleSets: shipped, loadDate: "2024-05-01", datasets: ["transactions"], sleep: noWait });
    expect(run.queries).to.equal(3);
    expect(run.bytesRead).to.equal(300);
    const result = run.datasets[0].rules[refIndex];
    expect(result).to.deep.include({ status: "fail", failed: 3, total: 10 });
    // Both targets' failing rows, merged in file and line order.
    expect(result.samples.map((s) => [s.key, s.value, s.line])).to.deep.equal([["T1", "P1", 1], ["T9", "C9", 9], ["T2", "P2", 12]]);
    const statements = athena.commandCalls(StartQueryExecutionCommand).map((c) => String(c.args[0].input.QueryString));
    expect(statements[1]).to.include('"lake_curated"."customers"');
    expect(statements[2]).to.include('"lake_curated"."providers"');
  });

  it("reads every page of a result", async () => {
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: "q", NextToken: undefined }).resolves(page(["a", "b"], [["1", "x"]], "next"))
      .on(GetQueryResultsCommand, { QueryExecutionId: "q", NextToken: "next" }).resolves(page(["a", "b"], [["2", null]], undefined, false));
    const rows = await readAthenaRows(new AthenaClient({ region: "eu-west-1" }), "q");
    expect(rows).to.deep.equal([{ a: "1", b: "x" }, { a: "2", b: null }]);
  });

  it("refuses a load date that is not a date before calling AWS", async () => {
    let error: unknown;
    try {
      await runAthenaChecks({ client: new AthenaClient({ region: "eu-west-1" }), workGroup: "wg", tables, contracts, ruleSets: shipped, loadDate: "2024-5-1' OR 1=1", sleep: noWait });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(LakeInputError);
    expect(athena.commandCalls(StartQueryExecutionCommand)).to.have.length(0);
  });
});
