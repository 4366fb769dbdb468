import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { isIsoDate } from "../model/text";
import { AthenaQueryRunner } from "../quality/athena-engine";
import { exitCodeOf } from "../report/build";
import { athenaQueryCost, athenaRunCost } from "../report/cost";
import { verdictText } from "../report/format";
import type { QualityReport } from "../report/types";
import { AwsLake, checkAwsLoad } from "./athena-check";
import { readReportHistory, reportKey, writeReportToS3 } from "./lake-objects";
import { athena } from "../sql/dialect";

/**
 * The report function: the Lambda the load state machine calls around a load (bundled from this
 * library by src/aws/report-bundle.ts; the handler is report-function-entry.ts). Its actions:
 *
 * - plan: which load date (from the arrival of a load marker, a request or the schedule) and which
 *   datasets have raw files for it; takes the load date's lock, so one execution runs per date.
 * - verify: the load's checks on Athena and Glue's outcomes beside them (checkAwsLoad), the report
 *   written in four formats under quality/<load_date>/, and the gate's verdict.
 * - finalize: after curating, counts curated again, rewrites the report with those counts and
 *   releases the lock.
 * - release: releases the lock (the state machine's failure paths).
 */

/** Where a load's lock lives in the processed bucket. */
export const lockKey = (loadDate: string): string => `_locks/load_date=${loadDate}.json`;

/** Raw-bucket keys whose arrival starts a load: exports first, then this marker. */
export const LOAD_MARKER_PREFIX = "_loads/";
export const loadMarkerKey = (loadDate: string): string => `${LOAD_MARKER_PREFIX}load_date=${loadDate}`;

export interface ReportFunctionLake extends AwsLake {
  readonly rawBucket: string;
  readonly curatedBucket: string;
}

/** The function's configuration, as environment variables: what the component sets and the handler reads. */
const ENVIRONMENT = {
  LAKE_WORKGROUP: (l: ReportFunctionLake) => l.workGroup,
  LAKE_PROCESSED_DATABASE: (l: ReportFunctionLake) => l.tables.processedDatabase,
  LAKE_QUARANTINE_DATABASE: (l: ReportFunctionLake) => l.tables.quarantineDatabase,
  LAKE_CURATED_DATABASE: (l: ReportFunctionLake) => l.tables.curatedDatabase,
  LAKE_RAW_BUCKET: (l: ReportFunctionLake) => l.rawBucket,
  LAKE_PROCESSED_BUCKET: (l: ReportFunctionLake) => l.processedBucket,
  LAKE_CURATED_BUCKET: (l: ReportFunctionLake) => l.curatedBucket,
  LAKE_TRANSFORM_JOB: (l: ReportFunctionLake) => l.transformJob,
} as const;

export function reportFunctionEnvironment(lake: ReportFunctionLake): Record<keyof typeof ENVIRONMENT, string> {
  return Object.fromEntries(Object.entries(ENVIRONMENT).map(([k, get]) => [k, get(lake)])) as Record<keyof typeof ENVIRONMENT, string>;
}

/** The lake the function serves, from its environment (the region is the Lambda's own). */
export function lakeFromEnvironment(env: NodeJS.ProcessEnv): ReportFunctionLake {
  const missing = Object.keys(ENVIRONMENT).filter((k) => (env[k] ?? "") === "");
  if (missing.length > 0) throw new Error(`the report function lacks ${missing.join(", ")} in its environment; deploy it with the LakeVerification component`);
  const v = (k: keyof typeof ENVIRONMENT): string => env[k] as string;
  return {
    workGroup: v("LAKE_WORKGROUP"),
    tables: { processedDatabase: v("LAKE_PROCESSED_DATABASE"), quarantineDatabase: v("LAKE_QUARANTINE_DATABASE"), curatedDatabase: v("LAKE_CURATED_DATABASE") },
    rawBucket: v("LAKE_RAW_BUCKET"),
    processedBucket: v("LAKE_PROCESSED_BUCKET"),
    curatedBucket: v("LAKE_CURATED_BUCKET"),
    transformJob: v("LAKE_TRANSFORM_JOB"),
    region: env.AWS_REGION ?? "",
  };
}

export interface ReportFunctionDeps {
  readonly lake: ReportFunctionLake;
  readonly clients: { readonly athena: AthenaClient; readonly glue: GlueClient; readonly s3: S3Client; readonly sfn: SFNClient };
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  /** Epoch ms by which the function must have answered (its remaining time, minus a margin). */
  readonly deadline: number;
  readonly now?: () => Date;
}

/** The error the state machine retries: another execution holds the load date. */
export class LoadAlreadyRunningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadAlreadyRunning";
  }
}

export interface PlanResult {
  readonly load_date: string;
  readonly datasets: string[];
}

export interface VerifyResult {
  readonly load_date: string;
  /** pass: curate; fail: an error-severity rule failed or could not be evaluated, or counts do not reconcile. */
  readonly gate: "pass" | "fail";
  readonly status: QualityReport["status"];
  /** The report's verdict line, as every rendering ends with it. */
  readonly verdict: string;
  /** The HTML report's s3:// URI (report.json, report.md and junit.xml sit beside it). */
  readonly report: string;
}

/**
 * The load date an S3 key of the load marker names. S3 event keys arrive URL-encoded
 * (`_loads/load_date%3D2026-01-05`, spaces as `+`), so the key is decoded before it is read.
 */
export function loadDateOfMarker(key: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    throw new LakeInputError(`S3 key ${JSON.stringify(key)} is not valid URL encoding; name the load marker ${loadMarkerKey("YYYY-MM-DD")}`);
  }
  const match = /^_loads\/load_date=([^/.]+)(?:[./].*)?$/.exec(decoded);
  if (!match || !isIsoDate(match[1]!)) throw new LakeInputError(`S3 key ${JSON.stringify(decoded)} is not a load marker; upload the exports, then an object named ${loadMarkerKey("YYYY-MM-DD")}`);
  return match[1]!;
}

interface Trigger {
  readonly load_date?: unknown;
  readonly datasets?: unknown;
  readonly trigger?: unknown;
  readonly source?: unknown;
  readonly detail?: { readonly object?: { readonly key?: unknown } };
}

/** The load date and requested datasets of what started the execution: a marker's arrival, a request, or the schedule. */
export function resolveTrigger(trigger: Trigger, now: Date): { loadDate: string; datasets: string[] | undefined } {
  const key = trigger.detail?.object?.key;
  if (typeof key === "string") return { loadDate: loadDateOfMarker(key), datasets: undefined };
  if (trigger.load_date !== undefined) {
    if (typeof trigger.load_date !== "string" || !isIsoDate(trigger.load_date)) throw new LakeInputError(`load_date ${JSON.stringify(trigger.load_date)} is not a date; start the load with {"load_date": "YYYY-MM-DD"}`);
    if (trigger.datasets !== undefined && !(Array.isArray(trigger.datasets) && trigger.datasets.every((d) => typeof d === "string"))) {
      throw new LakeInputError(`datasets ${JSON.stringify(trigger.datasets)} should be a list of dataset names`);
    }
    return { loadDate: trigger.load_date, datasets: trigger.datasets as string[] | undefined };
  }
  if (trigger.trigger === "schedule" || trigger.source === "aws.events" || trigger.source === "aws.scheduler") return { loadDate: now.toISOString().slice(0, 10), datasets: undefined };
  throw new LakeInputError(`cannot tell which load to run from ${JSON.stringify(trigger).slice(0, 200)}; start it with {"load_date": "YYYY-MM-DD"}`);
}

const errorName = (err: unknown): string => (err as { name?: string })?.name ?? "";

async function hasObjects(s3: S3Client, bucket: string, prefix: string): Promise<boolean> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}

/** Takes the load date's lock for `execution`: free, or held by an execution that has ended; else LoadAlreadyRunning. */
export async function acquireLock(deps: ReportFunctionDeps, loadDate: string, execution: string): Promise<void> {
  const { s3, sfn } = deps.clients;
  const bucket = deps.lake.processedBucket;
  const body = JSON.stringify({ execution, acquired_at: (deps.now?.() ?? new Date()).toISOString() });
  const put = (condition: { IfNoneMatch: string } | { IfMatch: string }) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: lockKey(loadDate), Body: body, ContentType: "application/json", ...condition }));
  try {
    await put({ IfNoneMatch: "*" });
    return;
  } catch (err) {
    if (errorName(err) !== "PreconditionFailed" && (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412) throw err;
  }
  const held = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: lockKey(loadDate) }));
  const holder = (JSON.parse((await held.Body?.transformToString("utf-8")) ?? "{}") as { execution?: string }).execution ?? "";
  if (holder === execution) return;
  if (holder !== "") {
    let status: string | undefined;
    try {
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn: holder }))).status;
    } catch (err) {
      if (errorName(err) !== "ExecutionDoesNotExist") throw err;
    }
    if (status === "RUNNING" || status === "PENDING_REDRIVE") throw new LoadAlreadyRunningError(`the load of ${loadDate} is being run by ${holder}; this execution waits for it`);
  }
  // The holder ended without releasing (aborted, timed out): take the lock over, unless someone else just did.
  try {
    await put({ IfMatch: held.ETag ?? "" });
  } catch (err) {
    if (errorName(err) === "PreconditionFailed" || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) throw new LoadAlreadyRunningError(`the load of ${loadDate} was just taken by another execution`);
    throw err;
  }
}

/** Releases the load date's lock if `execution` holds it. */
export async function releaseLock(deps: ReportFunctionDeps, loadDate: string, execution: string): Promise<boolean> {
  const { s3 } = deps.clients;
  let holder: string | undefined;
  try {
    const held = await s3.send(new GetObjectCommand({ Bucket: deps.lake.processedBucket, Key: lockKey(loadDate) }));
    holder = (JSON.parse((await held.Body?.transformToString("utf-8")) ?? "{}") as { execution?: string }).execution;
  } catch (err) {
    if (errorName(err) === "NoSuchKey") return false;
    throw err;
  }
  if (holder !== execution) return false;
  await s3.send(new DeleteObjectCommand({ Bucket: deps.lake.processedBucket, Key: lockKey(loadDate) }));
  return true;
}

export async function planLoad(deps: ReportFunctionDeps, trigger: Trigger, execution: string): Promise<PlanResult> {
  const { loadDate, datasets: requested } = resolveTrigger(trigger, deps.now?.() ?? new Date());
  const known = deps.contracts.map((c) => c.name);
  const unknown = (requested ?? []).filter((d) => !known.includes(d));
  if (unknown.length > 0) throw new LakeInputError(`no dataset ${unknown.map((u) => `"${u}"`).join(", ")}; datasets: ${known.join(", ")}`);
  const candidates = requested ?? known;
  const present = await Promise.all(candidates.map((d) => hasObjects(deps.clients.s3, deps.lake.rawBucket, `${d}/load_date=${loadDate}/`)));
  const datasets = candidates.filter((_, i) => present[i]);
  if (datasets.length === 0) {
    throw new LakeInputError(`no raw files for the load of ${loadDate}: s3://${deps.lake.rawBucket}/<dataset>/load_date=${loadDate}/ is empty for ${candidates.join(", ")}; upload the exports, then the marker ${loadMarkerKey(loadDate)}`);
  }
  await acquireLock(deps, loadDate, execution);
  return { load_date: loadDate, datasets };
}

/** The gate's answer on a load's report kept in `bucket`: it passes exactly when `lake check` would exit 0. */
export function gateOf(report: QualityReport, bucket: string): VerifyResult {
  return {
    load_date: report.load_date,
    gate: exitCodeOf(report) === 0 ? "pass" : "fail",
    status: report.status,
    verdict: verdictText(report),
    report: `s3://${bucket}/${reportKey(report.load_date, "report.html")}`,
  };
}

export async function verifyLoad(deps: ReportFunctionDeps, loadDate: string): Promise<VerifyResult> {
  const report = await checkAwsLoad({ lake: deps.lake, clients: deps.clients, contracts: deps.contracts, ruleSets: deps.ruleSets, loadDate, deadline: deps.deadline });
  const earlier = await readReportHistory(deps.clients.s3, deps.lake.processedBucket);
  await writeReportToS3(deps.clients.s3, deps.lake.processedBucket, report, earlier);
  return gateOf(report, deps.lake.processedBucket);
}

/**
 * After curating (the curate job registers the partitions it adds): curated counted again, the
 * report rewritten with those counts, the lock released.
 */
export async function finalizeLoad(deps: ReportFunctionDeps, loadDate: string, execution: string): Promise<{ curated: Record<string, number> }> {
  const history = await readReportHistory(deps.clients.s3, deps.lake.processedBucket);
  const report = history.find((r) => r.load_date === loadDate);
  if (report === undefined) throw new Error(`no report of the load of ${loadDate} to finalize in s3://${deps.lake.processedBucket}/quality/; did Verify run?`);
  const runner = new AthenaQueryRunner({ client: deps.clients.athena, workGroup: deps.lake.workGroup, deadline: deps.deadline });
  const curated: Record<string, number> = {};
  const datasets = [];
  for (const dataset of report.datasets) {
    const sql = `SELECT count(*) AS "curated" FROM ${athena.ident(deps.lake.tables.curatedDatabase)}.${athena.ident(dataset.name)}`;
    const outcome = await runner.query(sql, [], { dataset: dataset.name, purpose: "layer_counts", referencedDataset: null });
    if ("error" in outcome) throw new Error(`could not count curated ${dataset.name} after curating: ${outcome.error.message}`);
    curated[dataset.name] = Number(outcome.rows[0]?.curated ?? Number.NaN);
    if (!Number.isInteger(curated[dataset.name])) throw new Error(`curated count of ${dataset.name} came back as ${JSON.stringify(outcome.rows[0])}`);
    const run = outcome.record;
    datasets.push({
      ...dataset,
      rows: { ...dataset.rows, curated: curated[dataset.name]! },
      queries: dataset.queries + 1,
      query_runs: [...dataset.query_runs, { purpose: "layer_counts" as const, referenced_dataset: null, query_id: run.queryExecutionId, state: run.state, bytes_scanned: run.bytesScanned, estimated_cost_usd: athenaQueryCost(run.bytesScanned, run.state), seconds: run.seconds }],
    });
  }
  const runs = datasets.flatMap((d) => d.query_runs);
  const final: QualityReport = { ...report, datasets, queries: report.queries + datasets.length, bytes_read: runs.reduce((s, r) => s + r.bytes_scanned, 0), cost: athenaRunCost(runs) };
  await writeReportToS3(deps.clients.s3, deps.lake.processedBucket, final, history.filter((r) => r.load_date < loadDate));
  await releaseLock(deps, loadDate, execution);
  return { curated };
}

export interface ReportFunctionEvent {
  readonly action: "plan" | "verify" | "finalize" | "release";
  readonly execution: string;
  readonly load_date?: string;
  readonly trigger?: Trigger;
}

function loadDateOf(event: ReportFunctionEvent): string {
  if (typeof event.load_date !== "string" || !isIsoDate(event.load_date)) throw new LakeInputError(`${event.action}: load_date ${JSON.stringify(event.load_date)} is not a date`);
  return event.load_date;
}

/** Runs one action of the report function; errors reach the state machine by name (LoadAlreadyRunning is retried). */
export async function handleReportEvent(event: ReportFunctionEvent, deps: ReportFunctionDeps): Promise<unknown> {
  if (typeof event.execution !== "string" || event.execution === "") throw new LakeInputError("the event names no execution; the state machine passes $$.Execution.Id");
  switch (event.action) {
    case "plan":
      return planLoad(deps, event.trigger ?? {}, event.execution);
    case "verify":
      return verifyLoad(deps, loadDateOf(event));
    case "finalize":
      return finalizeLoad(deps, loadDateOf(event), event.execution);
    case "release":
      return { released: await releaseLock(deps, loadDateOf(event), event.execution) };
    default:
      throw new LakeInputError(`unknown action ${JSON.stringify((event as { action?: unknown }).action)}; use plan, verify, finalize or release`);
  }
}

