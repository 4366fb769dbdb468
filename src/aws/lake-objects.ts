import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LakeInputError } from "../errors";
import { isIsoDate } from "../model/text";
import type { NumberRecord } from "../model/contracts";
import { isLoadDateFolder, parseKeptReport, reportFiles } from "../report/kept";
import type { QualityReport } from "../report/types";

/**
 * The lake's own objects in S3 besides the data: what each load's transform recorded, and the
 * quality reports. Both live in the processed bucket, under the keys the local lake uses for the
 * same things where it has them (quality/<load_date>/...).
 */

/** Where the transform job writes a dataset's load record (raw files and counts, Glue's outcome). */
export const LOAD_OUTCOME_PREFIX = "_quality/";
export const loadOutcomeKey = (loadDate: string, dataset: string): string => `${LOAD_OUTCOME_PREFIX}load_date=${loadDate}/${dataset}.json`;

/** Where a load's quality report and its renderings are kept, as in the local lake. */
export const REPORTS_PREFIX = "quality/";
export const reportKey = (loadDate: string, file: string): string => `${REPORTS_PREFIX}${loadDate}/${file}`;

/** What the transform job recorded for one dataset of a load (glue/transform.py). */
export interface LoadOutcome {
  readonly dataset: string;
  readonly load_date: string;
  /** Keys in the raw bucket. */
  readonly raw_files: readonly string[];
  readonly rows_raw: number;
  readonly rows_processed: number;
  readonly rows_quarantined: number;
  /** Each export as the transform read it (glue/lake_common.py load_record): its raw key and header, what schema rules judge. */
  readonly files?: readonly { readonly raw_path: string; readonly headers: readonly string[] }[];
  /**
   * The decimal separator the transform read numbers with (as in a local load record); absent in
   * records of transforms that do not record it: the checks then read numbers by the contract alone.
   */
  readonly numbers?: NumberRecord;
}

async function listAll(s3: S3Client, bucket: string, prefix: string, delimiter: string | undefined, signal?: AbortSignal): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }), { abortSignal: signal });
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { keys, prefixes };
}

async function getText(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  return (await object.Body?.transformToString("utf-8")) ?? "";
}

/** The load dates the transform recorded, oldest first. */
export async function loadDatesInS3(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<string[]> {
  const { prefixes } = await listAll(s3, bucket, LOAD_OUTCOME_PREFIX, "/", signal);
  return prefixes
    .map((p) => /load_date=([^/]+)\/$/.exec(p)?.[1])
    .filter((d): d is string => d !== undefined && isIsoDate(d))
    .sort();
}

function parseOutcome(text: string, where: string): LoadOutcome {
  let parsed: Partial<LoadOutcome>;
  try {
    parsed = JSON.parse(text) as Partial<LoadOutcome>;
  } catch (err) {
    throw new LakeInputError(`${where}: is not JSON (${(err as Error).message}); run the load's transform again to rewrite it`);
  }
  const counts = ["rows_raw", "rows_processed", "rows_quarantined"] as const;
  if (typeof parsed.dataset !== "string" || !Array.isArray(parsed.raw_files) || counts.some((c) => !Number.isInteger(parsed[c]))) {
    throw new LakeInputError(`${where}: is not a transform load record (dataset, raw_files, ${counts.join(", ")}); run the load's transform again to rewrite it`);
  }
  const separator = parsed.numbers?.decimal_separator;
  if (parsed.numbers !== undefined && separator !== "." && separator !== "," && separator !== null) {
    throw new LakeInputError(`${where}: numbers.decimal_separator is ${JSON.stringify(separator)}, not ".", "," or null; run the load's transform again to rewrite it`);
  }
  return parsed as LoadOutcome;
}

/** The datasets one load wrote, from their load records; refuses a date with none, naming the loads there are. */
export async function readLoadOutcomes(s3: S3Client, bucket: string, loadDate: string, signal?: AbortSignal): Promise<LoadOutcome[]> {
  const prefix = `${LOAD_OUTCOME_PREFIX}load_date=${loadDate}/`;
  const { keys } = await listAll(s3, bucket, prefix, undefined, signal);
  const records = keys.filter((k) => k.endsWith(".json"));
  if (records.length === 0) {
    const dates = await loadDatesInS3(s3, bucket, signal);
    throw new LakeInputError(`s3://${bucket}/${prefix}: no load on ${loadDate}; loads in this lake: ${dates.join(", ") || "none yet (upload exports and start a load)"}`);
  }
  const outcomes: LoadOutcome[] = [];
  for (const key of records) outcomes.push(parseOutcome(await getText(s3, bucket, key, signal), `s3://${bucket}/${key}`));
  return outcomes.sort((a, b) => a.dataset.localeCompare(b.dataset));
}

/** Every report kept in the bucket, oldest load first. */
export async function readReportHistory(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<QualityReport[]> {
  const { prefixes } = await listAll(s3, bucket, REPORTS_PREFIX, "/", signal);
  const dates = prefixes.map((p) => p.slice(REPORTS_PREFIX.length, -1)).filter(isLoadDateFolder).sort();
  const reports: QualityReport[] = [];
  for (const date of dates) {
    const key = reportKey(date, "report.json");
    let text: string;
    try {
      text = await getText(s3, bucket, key, signal);
    } catch (err) {
      // A folder with renderings but no report.json yet: a report being written, or one left half; not a kept report.
      if ((err as { name?: string }).name === "NoSuchKey") continue;
      throw err;
    }
    reports.push(parseKeptReport(text, `s3://${bucket}/${key}`, date, `delete it or let the next load of ${date} rewrite it`));
  }
  return reports;
}

/**
 * Writes a report's four files under quality/<load_date>/; report.json last, so a reader that
 * finds it finds the renderings too. Returns the s3:// URIs written, report.json's first.
 */
export async function writeReportToS3(s3: S3Client, bucket: string, report: QualityReport, earlier: readonly QualityReport[], signal?: AbortSignal): Promise<string[]> {
  const files = reportFiles(report, earlier);
  const ordered = [...files.filter((f) => f.name !== "report.json"), ...files.filter((f) => f.name === "report.json")];
  for (const f of ordered) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: reportKey(report.load_date, f.name), Body: f.content, ContentType: f.contentType }), { abortSignal: signal });
  }
  return ordered.reverse().map((f) => `s3://${bucket}/${reportKey(report.load_date, f.name)}`);
}
