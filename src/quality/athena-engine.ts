import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { randomUUID } from "crypto";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { isIsoDate } from "../model/text";
import { athena } from "../sql/dialect";
import { countParameters } from "../sql/parameters";
import { AthenaTables, athenaTarget } from "../sql/batch-source";
import { DatasetCheckResult, selectRuleSets } from "./check-run";
import { LoadInputs, datasetInputs } from "./load-context";
import { ResultRow, readCheckResults } from "./results";
import { compileChecks, QueryPurpose } from "./sql";

/**
 * The same checks as engine.ts, run by Athena over the Glue tables of the lake. Every compiled
 * query is started with the load date as its execution parameters (the text is the one the
 * prepared statements hold), polled until it ends and its single row read back. A query this
 * engine stops waiting for is stopped: on its timeout, on an error after it started, and when the
 * caller aborts (Ctrl-C). Throttling beyond the SDK's own retries is retried with backoff and
 * jitter, up to a bound, then reported on the rules of that query. Datasets run concurrently, a
 * few at a time; each query's bytes scanned are kept so the report can say what verification cost.
 */

/** What the engine does with one query: the counts of a dataset's rules, its reference anti-joins, or its layer counts. */
export type AthenaQueryPurpose = QueryPurpose | "layer_counts";

/** One query as the engine ran it, for the report. */
export interface AthenaQueryRecord {
  readonly dataset: string;
  readonly purpose: AthenaQueryPurpose;
  /** The dataset a references query anti-joins with, else null. */
  readonly referencedDataset: string | null;
  /** Null when the query could not be started. */
  readonly queryExecutionId: string | null;
  /** Athena's final state (SUCCEEDED, FAILED, CANCELLED), or TIMED_OUT / NOT_STARTED / ERROR when the engine gave up. */
  readonly state: string;
  /** DataScannedInBytes as Athena reported it. */
  readonly bytesScanned: number;
  /** From start to result, as the engine waited. */
  readonly seconds: number;
}

export interface AthenaEngineOptions {
  readonly client: AthenaClient;
  readonly workGroup: string;
  /** Longest wait between two status polls (polls start at a quarter of it and grow). @default 2000 */
  readonly pollIntervalMs?: number;
  /** A query still running after this long is stopped and its rules reported as errors. @default 600000 (10 minutes) */
  readonly timeoutMs?: number;
  /** No query runs past this instant (epoch ms): the report function passes its own deadline. @default none */
  readonly deadline?: number;
  /** Aborting stops every running query and rejects with the signal's reason. @default none */
  readonly signal?: AbortSignal;
  /** Throttled calls retried by the engine after the SDK's own retries gave up. @default 6 */
  readonly throttleRetries?: number;
  /** First backoff delay; each retry doubles it, up to backoffMaxMs, and waits a random part of it (full jitter). @default 500 */
  readonly backoffBaseMs?: number;
  /** @default 20000 */
  readonly backoffMaxMs?: number;
  /** Datasets checked at once. @default 3 */
  readonly concurrency?: number;
  /** Waits; tests pass one that returns at once. @default setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** `sources` and `history` as the report function reads them from S3 (load records, kept reports); raw files are not read by Athena. */
export interface AthenaCheckArgs extends AthenaEngineOptions, Omit<LoadInputs, "rawExports"> {
  readonly tables: AthenaTables;
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  readonly loadDate: string;
  readonly sampleSize?: number;
  readonly datasets?: readonly string[];
}

export interface AthenaDatasetResult extends DatasetCheckResult {
  readonly queryRecords: readonly AthenaQueryRecord[];
}

export interface AthenaCheckRun {
  readonly datasets: AthenaDatasetResult[];
  /** Sum of DataScannedInBytes over every query. */
  readonly bytesRead: number;
  readonly queries: number;
}

const DEFAULTS = { pollIntervalMs: 2000, timeoutMs: 10 * 60 * 1000, throttleRetries: 6, backoffBaseMs: 500, backoffMaxMs: 20_000, concurrency: 3 };

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new QueriesAbortedError(String(signal.reason ?? "aborted"));
}

/** The run was aborted by its caller; every query it had started was asked to stop. */
export class QueriesAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbortError";
  }
}

const THROTTLING = new Set(["ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded", "SlowDown"]);

function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return THROTTLING.has(e?.name ?? "") || e?.$metadata?.httpStatusCode === 429 || e?.$retryable?.throttling === true;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How a query is named in messages: "transactions references to providers (query 1a2b...)". */
interface QueryLabel {
  readonly dataset: string;
  readonly purpose: AthenaQueryPurpose;
  readonly referencedDataset: string | null;
}

function describe(label: QueryLabel): string {
  const what = label.purpose === "references" ? `references to ${label.referencedDataset}` : label.purpose === "layer_counts" ? "layer counts" : "rule counts";
  return `${label.dataset} ${what}`;
}

export type QueryOutcome = { readonly rows: ResultRow[]; readonly record: AthenaQueryRecord } | { readonly error: Error; readonly record: AthenaQueryRecord };

/**
 * Runs queries in one workgroup on behalf of one caller: every query it starts is either read to
 * its end or stopped. Errors come back as values naming the query, never thrown, except an abort.
 */
export class AthenaQueryRunner {
  private readonly options: Required<Omit<AthenaEngineOptions, "deadline" | "signal">> & Pick<AthenaEngineOptions, "deadline" | "signal">;
  readonly records: AthenaQueryRecord[] = [];

  constructor(options: AthenaEngineOptions) {
    this.options = {
      ...DEFAULTS,
      sleep: abortableSleep,
      random: Math.random,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as AthenaQueryRunner["options"];
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** Runs `sql` with its `?` bound to `parameters` (Athena execution parameters: SQL literals, e.g. `'2026-01-05'`). */
  async query(sql: string, parameters: readonly string[], label: QueryLabel): Promise<QueryOutcome> {
    const started = Date.now();
    const { client, signal } = this.options;
    let queryExecutionId: string | null = null;
    let bytesScanned = 0;
    const finish = (state: string): AthenaQueryRecord => {
      const record = { ...label, queryExecutionId, state, bytesScanned, seconds: (Date.now() - started) / 1000 };
      this.records.push(record);
      return record;
    };
    const named = (text: string): Error => new Error(`Athena query ${queryExecutionId ?? "(not started)"} (${describe(label)}) ${text}`);
    try {
      if (signal?.aborted) throw abortReason(signal);
      const token = randomUUID();
      // Not aborted midway: a start whose answer is dropped would leave a query running that nobody can stop.
      const start = await this.withThrottleRetries(
        () => client.send(new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.options.workGroup,
          ClientRequestToken: token,
          ...(parameters.length > 0 ? { ExecutionParameters: [...parameters] } : {}),
        })),
        "StartQueryExecution",
      );
      queryExecutionId = start.QueryExecutionId ?? null;
      if (signal?.aborted) throw abortReason(signal);
      if (queryExecutionId === null) return { error: named("was not started: Athena returned no QueryExecutionId"), record: finish("NOT_STARTED") };
      const done = await this.waitForQuery(queryExecutionId);
      bytesScanned = done.bytesScanned;
      if (done.state !== QueryExecutionState.SUCCEEDED) {
        if (done.state === "TIMED_OUT") await this.stop(queryExecutionId);
        return { error: named(`${done.state}: ${done.reason}`), record: finish(done.state) };
      }
      const rows = await readAthenaRows(client, queryExecutionId, signal, (call, name) => this.withThrottleRetries(call, name));
      return { rows, record: finish(done.state) };
    } catch (err) {
      if (queryExecutionId !== null) await this.stop(queryExecutionId);
      if (signal?.aborted) {
        finish("CANCELLED");
        throw abortReason(signal);
      }
      const throttled = err instanceof ThrottledError;
      return { error: named(throttled ? err.message : `failed: ${messageOf(err)}${queryExecutionId === null ? "" : "; the query was stopped"}`), record: finish(queryExecutionId === null ? "NOT_STARTED" : "ERROR") };
    }
  }

  /** Asks Athena to stop a query this engine no longer waits for; a failure to stop is not worth more than the original error. */
  private async stop(queryExecutionId: string): Promise<void> {
    try {
      await this.options.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }), { abortSignal: AbortSignal.timeout(10_000) });
    } catch {
      // Already finished, or Athena unreachable: either way nothing more can be done from here.
    }
  }

  private async waitForQuery(queryExecutionId: string): Promise<{ state: string; reason: string; bytesScanned: number }> {
    const { client, signal, sleep } = this.options;
    const limit = Math.min(Date.now() + this.options.timeoutMs, this.options.deadline ?? Number.POSITIVE_INFINITY);
    let interval = Math.max(1, Math.floor(this.options.pollIntervalMs / 4));
    for (;;) {
      const { QueryExecution } = await this.withThrottleRetries(
        () => client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }), { abortSignal: signal }),
        "GetQueryExecution",
      );
      const state = QueryExecution?.Status?.State ?? "UNKNOWN";
      const bytesScanned = QueryExecution?.Statistics?.DataScannedInBytes ?? 0;
      if (state === QueryExecutionState.SUCCEEDED || state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED) {
        return { state, reason: QueryExecution?.Status?.StateChangeReason ?? QueryExecution?.Status?.AthenaError?.ErrorMessage ?? "no reason given", bytesScanned };
      }
      if (Date.now() >= limit) {
        return { state: "TIMED_OUT", reason: `still ${state} after ${((Date.now() - (limit - this.options.timeoutMs)) / 1000).toFixed(0)} s; stopped it`, bytesScanned };
      }
      await sleep(Math.min(interval, Math.max(0, limit - Date.now())), signal);
      interval = Math.min(this.options.pollIntervalMs, Math.ceil(interval * 1.5));
    }
  }

  /** Retries a throttled call with exponential backoff and full jitter, up to `throttleRetries` times. */
  async withThrottleRetries<T>(call: () => Promise<T>, name: string): Promise<T> {
    const { sleep, signal, random } = this.options;
    for (let retry = 0; ; retry++) {
      try {
        return await call();
      } catch (err) {
        if (!isThrottling(err) || signal?.aborted) throw err;
        if (retry >= this.options.throttleRetries) throw new ThrottledError(`was throttled: ${name} still refused after ${retry + 1} attempts (${messageOf(err)})`);
        const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** retry);
        await sleep(Math.floor(random() * ceiling), signal);
      }
    }
  }
}

class ThrottledError extends Error {}

type Call = <T>(call: () => Promise<T>, name: string) => Promise<T>;

/** Reads every page of a query's results into row objects keyed by column name (all values are text). */
export async function readAthenaRows(client: AthenaClient, queryExecutionId: string, signal?: AbortSignal, retrying: Call = (call) => call()): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let names: string[] | undefined;
  let nextToken: string | undefined;
  let headerSkipped = false;
  do {
    const token = nextToken;
    const page = await retrying(() => client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: token }), { abortSignal: signal }), "GetQueryResults");
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

/** The execution parameters of a statement compiled with "?" for the load date: the date as a SQL literal, once per `?`. */
export function loadDateParameters(sql: string, loadDate: string): string[] {
  return Array.from({ length: countParameters(sql) }, () => athena.str(loadDate));
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the items' order in the results. */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && failures.length === 0) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failures.length > 0) throw failures[0];
  return results;
}

/** Runs every selected rule set's compiled queries on Athena; a failed query marks its rules "error". */
export async function runAthenaChecks(args: AthenaCheckArgs, runner: AthenaQueryRunner = new AthenaQueryRunner(args)): Promise<AthenaCheckRun> {
  if (!isIsoDate(args.loadDate)) throw new LakeInputError(`load date "${args.loadDate}" is not a date; write it as yyyy-MM-dd`);
  const target = athenaTarget(args.tables);
  const selected = selectRuleSets(args.ruleSets, args.datasets);
  const datasets = await mapConcurrently(selected, args.concurrency ?? DEFAULTS.concurrency, async (ruleSet): Promise<AthenaDatasetResult> => {
    const contract = args.contracts.find((c) => c.name === ruleSet.dataset);
    if (contract === undefined) throw new Error(`no contract "${ruleSet.dataset}" (rule files are validated before checking)`);
    const { filesWithout, context } = datasetInputs(contract, args);
    const compiled = compileChecks(ruleSet, args.contracts, target, "?", { sampleSize: args.sampleSize, filesWithout });
    const rows: (ResultRow | Error)[] = [];
    const records: AthenaQueryRecord[] = [];
    for (const query of compiled.queries) {
      const outcome = await runner.query(query.sql, loadDateParameters(query.sql, args.loadDate), { dataset: ruleSet.dataset, purpose: query.purpose, referencedDataset: query.referencedDataset });
      records.push(outcome.record);
      if ("error" in outcome) rows.push(outcome.error);
      else rows.push(outcome.rows.length === 1 ? outcome.rows[0]! : new Error(`Athena query ${outcome.record.queryExecutionId} (${describe(outcome.record)}) returned ${outcome.rows.length} rows instead of 1`));
    }
    return { dataset: ruleSet.dataset, rules: readCheckResults(compiled, rows, args.loadDate, context), queries: compiled.queries.length, queryRecords: records };
  });
  const all = datasets.flatMap((d) => d.queryRecords);
  return { datasets, bytesRead: all.reduce((sum, r) => sum + r.bytesScanned, 0), queries: all.length };
}
