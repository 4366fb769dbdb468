import { BatchCreatePartitionCommand, GetPartitionsCommand, GetTableCommand, GlueClient, StorageDescriptor } from "@aws-sdk/client-glue";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Contract } from "../model/contracts";

/**
 * Curated tables partitioned by a business period (transactions by trade_month) are read through
 * their registered partitions, not projected: trade dates are unbounded, and a projection range
 * would hide whatever falls outside it. After each curation the partition folders in S3 are
 * compared with the catalog and the new ones registered (BatchCreatePartition), with the table's
 * own storage descriptor at the folder's location. Registering is idempotent.
 */

/** BatchCreatePartition takes at most 100 partitions a call. */
const BATCH = 100;

export interface CuratedPartitionsArgs {
  readonly glue: GlueClient;
  readonly s3: S3Client;
  readonly database: string;
  readonly bucket: string;
  readonly contract: Contract;
  readonly signal?: AbortSignal;
}

/** Values of the period partitions found under curated/<dataset>/ in S3 (`trade_month=2026-01/` -> "2026-01"). */
export async function curatedPartitionValuesInS3(args: CuratedPartitionsArgs): Promise<string[]> {
  const partition = args.contract.curatedPartition;
  if (partition === undefined) return [];
  const prefix = `${args.contract.name}/`;
  const values: string[] = [];
  let token: string | undefined;
  do {
    const page = await args.s3.send(new ListObjectsV2Command({ Bucket: args.bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }), { abortSignal: args.signal });
    for (const p of page.CommonPrefixes ?? []) {
      const folder = p.Prefix?.slice(prefix.length, -1) ?? "";
      if (folder.startsWith(`${partition.name}=`)) values.push(folder.slice(partition.name.length + 1));
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return values.sort();
}

async function registeredValues(args: CuratedPartitionsArgs): Promise<Set<string>> {
  const values = new Set<string>();
  let token: string | undefined;
  do {
    const page = await args.glue.send(new GetPartitionsCommand({ DatabaseName: args.database, TableName: args.contract.name, NextToken: token, ExcludeColumnSchema: true }), { abortSignal: args.signal });
    for (const p of page.Partitions ?? []) if (p.Values?.[0] !== undefined) values.add(p.Values[0]);
    token = page.NextToken;
  } while (token !== undefined);
  return values;
}

/** Registers the curated period partitions S3 has and the catalog lacks; returns the values registered. */
export async function registerCuratedPartitions(args: CuratedPartitionsArgs): Promise<string[]> {
  const partition = args.contract.curatedPartition;
  if (partition === undefined) return [];
  const [inS3, registered] = await Promise.all([curatedPartitionValuesInS3(args), registeredValues(args)]);
  const missing = inS3.filter((v) => !registered.has(v));
  if (missing.length === 0) return [];
  const { Table } = await args.glue.send(new GetTableCommand({ DatabaseName: args.database, Name: args.contract.name }), { abortSignal: args.signal });
  const descriptor: StorageDescriptor = Table?.StorageDescriptor ?? {};
  for (let i = 0; i < missing.length; i += BATCH) {
    const batch = missing.slice(i, i + BATCH);
    const result = await args.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: args.database,
        TableName: args.contract.name,
        PartitionInputList: batch.map((value) => ({ Values: [value], StorageDescriptor: { ...descriptor, Location: `s3://${args.bucket}/${args.contract.name}/${partition.name}=${value}/` } })),
      }),
      { abortSignal: args.signal },
    );
    // A partition registered meanwhile (a concurrent run) is what was wanted; anything else is an error.
    const failed = (result.Errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== "AlreadyExistsException");
    if (failed.length > 0) {
      throw new Error(`registering curated partitions of ${args.database}.${args.contract.name} failed: ${failed.map((e) => `${e.PartitionValues?.join("/") ?? "?"}: ${e.ErrorDetail?.ErrorCode ?? ""} ${e.ErrorDetail?.ErrorMessage ?? ""}`).join("; ")}`);
    }
  }
  return missing;
}
