import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { CheckTarget } from "../sql/batch-source";
import { DatasetCheckResult, selectRuleSets } from "./check-run";
import { ResultRow, readCheckResults } from "./results";
import { CompiledChecks, compileChecks } from "./sql";

export interface RunChecksArgs {
  /** Created (in memory) when absent. */
  readonly connection?: DuckDBConnection;
  readonly target: CheckTarget;
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  readonly loadDate: string;
  readonly sampleSize?: number;
  /** Only these datasets; default: every rule set. */
  readonly datasets?: readonly string[];
}

async function runOne(connection: DuckDBConnection, sql: string): Promise<ResultRow | Error> {
  try {
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJson();
    if (rows.length !== 1) return new Error(`check query returned ${rows.length} rows instead of 1`);
    return rows[0] as ResultRow;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Runs one dataset's compiled checks; a query that fails marks its rules "error" instead of aborting the run. */
export async function runCompiledChecks(connection: DuckDBConnection, compiled: CompiledChecks): Promise<DatasetCheckResult> {
  const rows: (ResultRow | Error)[] = [];
  for (const query of compiled.queries) rows.push(await runOne(connection, query.sql));
  return { dataset: compiled.dataset, rules: readCheckResults(compiled, rows), queries: compiled.queries.length };
}

/** Checks a load's batch of every selected dataset on DuckDB: one aggregate scan per dataset, plus one anti-join per referenced dataset. */
export async function runChecks(args: RunChecksArgs): Promise<DatasetCheckResult[]> {
  const selected = selectRuleSets(args.ruleSets, args.datasets);
  let connection = args.connection;
  let instance: DuckDBInstance | undefined;
  if (connection === undefined) {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
  }
  try {
    const results: DatasetCheckResult[] = [];
    for (const ruleSet of selected) {
      const compiled = compileChecks(ruleSet, args.contracts, args.target, args.loadDate, { sampleSize: args.sampleSize });
      results.push(await runCompiledChecks(connection, compiled));
    }
    return results;
  } finally {
    if (instance !== undefined) {
      connection.closeSync();
      instance.closeSync();
    }
  }
}
