import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  QueryExecutionState,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { isIsoDate } from "../model/text";
import { AthenaTables } from "../sql/batch-source";
import { DatasetCheckResult, selectRuleSets } from "./engine";
import { ResultRow, readCheckResults } from "./results";
import { compileChecks } from "./sql";
import { athenaTarget } from "../sql/batch-source";

/**
 * The same checks as engine.ts, run by Athena over the Glue tables of the processed and quarantine
 * layers: each compiled query is started in the workgroup, polled until it ends, and its single
 * result row read back. Bytes scanned are summed so the report can say what verification cost.
 */

export interface AthenaCheckArgs {
  readonly client: AthenaClient;
  readonly workGroup: string;
  readonly tables: AthenaTables;
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  readonly loadDate: string;
  readonly sampleSize?: number;
  readonly datasets?: readonly string[];
  /** Delay between status polls; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Give up on a query after this long; default 15 minutes. */
  readonly timeoutMs?: number;
  /** Waits between polls; tests pass one that returns at once. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface AthenaCheckRun {
  readonly datasets: DatasetCheckResult[];
  /** Sum of DataScannedInBytes over every query. */
  readonly bytesRead: number;
  readonly queries: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface QueryOutcome {
  readonly row: ResultRow | Error;
  readonly bytesScanned: number;
}

async function waitForQuery(args: AthenaCheckArgs, queryExecutionId: string): Promise<{ state: string; reason: string | undefined; bytesScanned: number }> {
  const sleep = args.sleep ?? defaultSleep;
  const interval = args.pollIntervalMs ?? 1000;
  const deadline = Date.now() + (args.timeoutMs ?? 15 * 60 * 1000);
  for (;;) {
    const { QueryExecution } = await args.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    const state = QueryExecution?.Status?.State;
    const bytesScanned = QueryExecution?.Statistics?.DataScannedInBytes ?? 0;
    if (state === QueryExecutionState.SUCCEEDED || state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED) {
      return { state, reason: QueryExecution?.Status?.StateChangeReason, bytesScanned };
    }
    if (Date.now() > deadline) return { state: "TIMED_OUT", reason: `still ${state ?? "unknown"} after the time limit`, bytesScanned };
    await sleep(interval);
  }
}

/** Reads every page of a query's results into row objects keyed by column name (all values are text). */
export async function readAthenaRows(client: AthenaClient, queryExecutionId: string): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let names: string[] | undefined;
  let nextToken: string | undefined;
  let headerSkipped = false;
  do {
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: nextToken }));
    names ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? "");
    for (const row of page.ResultSet?.Rows ?? []) {
      // A SELECT's first row repeats the column names.
      if (!headerSkipped) {
        headerSkipped = true;
        continue;
      }
      const values = row.Data ?? [];
      rows.push(Object.fromEntries(names.map((name, i) => [name, values[i]?.VarCharValue ?? null])));
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return rows;
}

async function runAthenaQuery(args: AthenaCheckArgs, sql: string): Promise<QueryOutcome> {
  let queryExecutionId: string | undefined;
  try {
    const started = await args.client.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: args.workGroup }));
    queryExecutionId = started.QueryExecutionId;
    if (queryExecutionId === undefined) return { row: new Error("Athena returned no QueryExecutionId"), bytesScanned: 0 };
    const done = await waitForQuery(args, queryExecutionId);
    if (done.state !== QueryExecutionState.SUCCEEDED) {
      return { row: new Error(`Athena query ${queryExecutionId} ${done.state}: ${done.reason ?? "no reason given"}`), bytesScanned: done.bytesScanned };
    }
    const rows = await readAthenaRows(args.client, queryExecutionId);
    const row = rows.length === 1 ? rows[0] : new Error(`Athena query ${queryExecutionId} returned ${rows.length} rows instead of 1`);
    return { row, bytesScanned: done.bytesScanned };
  } catch (err) {
    const where = queryExecutionId === undefined ? "" : ` (query ${queryExecutionId})`;
    return { row: new Error(`${err instanceof Error ? err.message : String(err)}${where}`), bytesScanned: 0 };
  }
}

/** Runs every selected rule set's compiled queries on Athena; a failed query marks its rules "error". */
export async function runAthenaChecks(args: AthenaCheckArgs): Promise<AthenaCheckRun> {
  if (!isIsoDate(args.loadDate)) throw new LakeInputError(`load date "${args.loadDate}" is not a date; write it as yyyy-MM-dd`);
  const target = athenaTarget(args.tables);
  const datasets: DatasetCheckResult[] = [];
  let bytesRead = 0;
  let queries = 0;
  for (const ruleSet of selectRuleSets(args.ruleSets, args.datasets)) {
    const compiled = compileChecks(ruleSet, args.contracts, target, args.loadDate, { sampleSize: args.sampleSize });
    const rows: (ResultRow | Error)[] = [];
    for (const query of compiled.queries) {
      const outcome = await runAthenaQuery(args, query.sql);
      rows.push(outcome.row);
      bytesRead += outcome.bytesScanned;
    }
    queries += compiled.queries.length;
    datasets.push({ dataset: ruleSet.dataset, rules: readCheckResults(compiled, rows), queries: compiled.queries.length });
  }
  return { datasets, bytesRead, queries };
}
