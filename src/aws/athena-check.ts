import { AthenaClient } from "@aws-sdk/client-athena";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { LakeInputError } from "../errors";
import { Contract, contractForLoad } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { isIsoDate } from "../model/text";
import { AthenaEngineOptions, AthenaQueryRecord, AthenaQueryRunner, loadDateParameters, mapConcurrently, runAthenaChecks } from "../quality/athena-engine";
import { buildReport, DatasetParts } from "../report/build";
import { sourceFilesOf } from "../quality/load-context";
import { athenaQueryCost } from "../report/cost";
import type { QualityReport, QueryRun } from "../report/types";
import { athenaLayerCountsSql, AthenaTables } from "../sql/batch-source";
import { compareWithGlue } from "./glue-results";
import { loadDatesInS3, readLoadOutcomes, readReportHistory } from "./lake-objects";
import { StackOutputs } from "./stack-outputs";

/**
 * The checks of one load of a deployed lake, the AWS counterpart of app/check-load.ts: the same
 * compiled one-scan checks run by Athena on the load's partitions, the layers counted by Athena,
 * the raw records as the transform counted them (its load record), and the Glue Data Quality
 * result of the load set next to each rule. `lake check --engine athena` and the report function
 * both call it, so the report is the same wherever it is made.
 */

/** Where a deployed lake is, as its stack outputs say. */
export interface AwsLake {
  readonly workGroup: string;
  readonly tables: AthenaTables;
  /** Holds the transform's load records (_quality/) and the quality reports (quality/). */
  readonly processedBucket: string;
  readonly transformJob: string;
  /** The stack's region: used only when the SDK configuration names none. */
  readonly region: string;
}

export function awsLakeFromOutputs(outputs: StackOutputs): AwsLake {
  const tables: AthenaTables = {
    processedDatabase: outputs.entry("databases", "processed"),
    quarantineDatabase: outputs.entry("databases", "quarantine"),
    curatedDatabase: outputs.entry("databases", "curated"),
  };
  return {
    workGroup: outputs.string("athenaWorkgroup"),
    tables,
    processedBucket: outputs.entry("buckets", "processed"),
    transformJob: outputs.entry("glueJobs", "transform"),
    region: outputs.string("region"),
  };
}

export interface AwsClients {
  readonly athena: AthenaClient;
  readonly glue: GlueClient;
  readonly s3: S3Client;
}

/**
 * SDK clients configured the standard way only (profiles, AWS_REGION, AWS_ENDPOINT_URL_ATHENA /
 * _GLUE / _S3, ...); the stack's region is the fallback when that configuration names none.
 */
export async function awsClients(fallbackRegion: string): Promise<AwsClients> {
  const probe = new AthenaClient({});
  let region: string | undefined;
  try {
    region = await probe.config.region();
  } catch {
    region = undefined;
  } finally {
    probe.destroy();
  }
  const config = region === undefined || region === "" ? { region: fallbackRegion } : {};
  return { athena: new AthenaClient(config), glue: new GlueClient(config), s3: new S3Client(config) };
}

export interface AwsCheckOptions extends Omit<AthenaEngineOptions, "client" | "workGroup"> {
  readonly lake: AwsLake;
  readonly clients: AwsClients;
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  /** Default: the latest load the transform recorded. */
  readonly loadDate?: string;
  /** Default: every dataset the load wrote. */
  readonly datasets?: readonly string[];
  readonly sampleSize?: number;
}

function queryRun(record: AthenaQueryRecord): QueryRun {
  return {
    purpose: record.purpose,
    referenced_dataset: record.referencedDataset,
    query_id: record.queryExecutionId,
    state: record.state,
    bytes_scanned: record.bytesScanned,
    estimated_cost_usd: athenaQueryCost(record.bytesScanned, record.state),
    seconds: record.seconds,
  };
}

function count(value: unknown, what: string): number {
  const n = Number(value);
  if (value === null || value === undefined || !Number.isInteger(n) || n < 0) throw new Error(`layer counts query returned ${JSON.stringify(value)} for ${what}`);
  return n;
}

/** Checks one load of a deployed lake and builds its quality report (not stored: the caller decides). */
export async function checkAwsLoad(options: AwsCheckOptions): Promise<QualityReport> {
  const started = Date.now();
  const { lake, clients, signal } = options;
  if (options.loadDate !== undefined && !isIsoDate(options.loadDate)) throw new LakeInputError(`load date "${options.loadDate}" is not a date; write it as yyyy-MM-dd`);
  let loadDate = options.loadDate;
  if (loadDate === undefined) {
    const dates = await loadDatesInS3(clients.s3, lake.processedBucket, signal);
    loadDate = dates[dates.length - 1];
    if (loadDate === undefined) throw new LakeInputError(`s3://${lake.processedBucket}: no loads recorded in this lake yet; upload exports and start a load (docs/aws.md)`);
  }
  let outcomes = await readLoadOutcomes(clients.s3, lake.processedBucket, loadDate, signal);
  if (options.datasets !== undefined) {
    const missing = options.datasets.filter((d) => !outcomes.some((o) => o.dataset === d));
    if (missing.length > 0) throw new LakeInputError(`the load of ${loadDate} has no ${missing.map((m) => `"${m}"`).join(", ")}; it loaded ${outcomes.map((o) => o.dataset).join(", ")}`);
    outcomes = outcomes.filter((o) => options.datasets?.includes(o.dataset));
  }
  const withRules = new Set(options.ruleSets.map((r) => r.dataset));
  const runner = new AthenaQueryRunner({ ...options, client: clients.athena, workGroup: lake.workGroup });
  // What the local engine reads from the lake: the headers of the load's files (schema rules) and, for baselines, the kept reports.
  const sources = new Map(outcomes.flatMap((o) => (o.files === undefined ? [] : [[o.dataset, sourceFilesOf({ files: o.files })] as const])));
  const history = options.ruleSets.some((r) => r.rules.some((rule) => rule.baseline !== null)) ? await readReportHistory(clients.s3, lake.processedBucket, signal) : undefined;
  // Each dataset as its load read it (the decimal separator its values showed), so the checks type values as the load did.
  const contracts = options.contracts.map((c) => contractForLoad(c, outcomes.find((o) => o.dataset === c.name)?.numbers));
  const checked = await runAthenaChecks(
    { ...options, contracts, client: clients.athena, workGroup: lake.workGroup, tables: lake.tables, loadDate, datasets: outcomes.map((o) => o.dataset).filter((d) => withRules.has(d)), sources, history },
    runner,
  );
  const parts = await mapConcurrently(outcomes, options.concurrency ?? 3, async (outcome): Promise<DatasetParts> => {
    const contract = options.contracts.find((c) => c.name === outcome.dataset);
    if (contract === undefined) throw new LakeInputError(`the load of ${loadDate} wrote "${outcome.dataset}", which has no contract; deploy and check with the same contracts`);
    const sql = athenaLayerCountsSql(lake.tables, contract);
    const counted = await runner.query(sql, loadDateParameters(sql, loadDate), { dataset: outcome.dataset, purpose: "layer_counts", referencedDataset: null });
    if ("error" in counted) throw new LakeInputError(`could not count the layers of ${outcome.dataset}: ${counted.error.message}; check the stack outputs and the workgroup's access to the Glue tables`);
    const row = counted.rows[0] ?? {};
    const result = checked.datasets.find((d) => d.dataset === outcome.dataset);
    const ruleSet = options.ruleSets.find((r) => r.dataset === outcome.dataset);
    const compared = ruleSet === undefined || result === undefined ? undefined : await compareWithGlue({ glue: clients.glue, transformJob: lake.transformJob, signal }, ruleSet, options.contracts, loadDate, result.rules);
    return {
      name: outcome.dataset,
      files: outcome.raw_files.map((key) => `raw/${key}`),
      rows: { raw: outcome.rows_raw, processed: count(row.processed, "processed"), quarantined: count(row.quarantined, "quarantined"), curated: count(row.curated, "curated") },
      rules: compared?.rules ?? result?.rules ?? [],
      queries: (result?.queries ?? 0) + 1,
      queryRuns: [...(result?.queryRecords ?? []), counted.record].map(queryRun),
      glue: compared?.dataset ?? null,
    };
  });
  const bytesRead = runner.records.reduce((sum, r) => sum + r.bytesScanned, 0);
  return buildReport({ engine: "athena", loadDate, lake: `s3://${lake.processedBucket}`, durationSeconds: (Date.now() - started) / 1000, bytesRead, datasets: parts });
}
