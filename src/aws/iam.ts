import { AUDIT_ACTIONS, catalogActions, policyOf, personaWorkgroup } from "./governance-plan";
import { LakeNames, PersonaRole } from "./naming";

/**
 * IAM and resource policy documents as pure functions of ARNs, so the tests and the policy module
 * read exactly what the components deploy. Allow statements name their actions one by one (no
 * wildcards) and scope resources to ARNs; the few actions AWS cannot scope are listed in
 * {@link UNSCOPABLE_ACTIONS}, the only ones allowed on `"*"`.
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** Actions with no resource-level permissions: AWS only accepts `"*"` for them. */
export const UNSCOPABLE_ACTIONS: ReadonlySet<string> = new Set([
  "cloudwatch:PutMetricData",
  "lakeformation:GetDataAccess",
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  ...AUDIT_ACTIONS,
]);

export const policy = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** ARN builders for one account and region. */
export interface ArnContext {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

export const arn = {
  glueCatalog: (c: ArnContext): string => `arn:${c.partition}:glue:${c.region}:${c.accountId}:catalog`,
  glueDatabase: (c: ArnContext, db: string): string => `arn:${c.partition}:glue:${c.region}:${c.accountId}:database/${db}`,
  glueTables: (c: ArnContext, db: string): string => `arn:${c.partition}:glue:${c.region}:${c.accountId}:table/${db}/*`,
  glueCrawler: (c: ArnContext, name: string): string => `arn:${c.partition}:glue:${c.region}:${c.accountId}:crawler/${name}`,
  glueJob: (c: ArnContext, name: string): string => `arn:${c.partition}:glue:${c.region}:${c.accountId}:job/${name}`,
  glueRuleset: (c: ArnContext, name: string): string => `arn:${c.partition}:glue:${c.region}:${c.accountId}:dataQualityRuleset/${name}`,
  glueLogGroups: (c: ArnContext): string => `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:/aws-glue/*`,
  athenaWorkgroup: (c: ArnContext, name: string): string => `arn:${c.partition}:athena:${c.region}:${c.accountId}:workgroup/${name}`,
  stateMachine: (c: ArnContext, name: string): string => `arn:${c.partition}:states:${c.region}:${c.accountId}:stateMachine:${name}`,
  stateMachineExecutions: (c: ArnContext, name: string): string => `arn:${c.partition}:states:${c.region}:${c.accountId}:execution:${name}:*`,
  logStreams: (c: ArnContext, logGroup: string): string => `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:${logGroup}:*`,
  accountRoot: (c: ArnContext): string => `arn:${c.partition}:iam::${c.accountId}:root`,
  bucket: (c: ArnContext, bucket: string): string => `arn:${c.partition}:s3:::${bucket}`,
  objects: (c: ArnContext, bucket: string, prefix = ""): string => `arn:${c.partition}:s3:::${bucket}/${prefix}*`,
};

export const S3_READ = ["s3:GetObject", "s3:GetObjectVersion"];
export const S3_WRITE = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"];
export const S3_LIST = ["s3:ListBucket", "s3:GetBucketLocation"];
export const KMS_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"];
export const GLUE_CATALOG_READ = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
export const GLUE_CATALOG_WRITE = ["glue:UpdateTable", "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition"];
export const ATHENA_QUERY = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup", "athena:GetPreparedStatement", "athena:GetNamedQuery", "athena:ListNamedQueries"];

/**
 * A role trust policy for AWS services. With `accountId`, only on behalf of this account
 * (aws:SourceAccount): pass it for services that send that key (Step Functions, EventBridge).
 */
export function serviceTrust(service: string | readonly string[], accountId?: string): PolicyDocument {
  return policy({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(accountId === undefined ? {} : { Condition: { StringEquals: { "aws:SourceAccount": accountId } } }),
  });
}

/** Trust for the people's roles: principals of this account whose own IAM policy lets them assume it. */
export function accountTrust(c: ArnContext): PolicyDocument {
  return policy({ Effect: "Allow", Principal: { AWS: arn.accountRoot(c) }, Action: "sts:AssumeRole" });
}

export interface BucketAccess {
  readonly bucket: string;
  /** Object key prefix the access is limited to ("" = whole bucket). */
  readonly prefix?: string;
  readonly write: boolean;
}

/** s3 list on the buckets, read (and write) on their objects. */
export function bucketStatements(c: ArnContext, access: readonly BucketAccess[]): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    { Sid: "ListBuckets", Effect: "Allow", Action: S3_LIST, Resource: [...new Set(access.map((a) => arn.bucket(c, a.bucket)))] },
    { Sid: "ReadObjects", Effect: "Allow", Action: S3_READ, Resource: access.map((a) => arn.objects(c, a.bucket, a.prefix)) },
  ];
  const writable = access.filter((a) => a.write);
  if (writable.length > 0) statements.push({ Sid: "WriteObjects", Effect: "Allow", Action: S3_WRITE, Resource: writable.map((a) => arn.objects(c, a.bucket, a.prefix)) });
  return statements;
}

export const kmsStatement = (keyArn: string): PolicyStatement => ({ Sid: "UseLakeKey", Effect: "Allow", Action: KMS_USE, Resource: keyArn });

/** TLS-only: every request over plain HTTP is denied, whoever makes it. */
export function tlsOnlyBucketPolicy(c: ArnContext, bucket: string, extra: readonly PolicyStatement[] = []): PolicyDocument {
  return policy(
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [arn.bucket(c, bucket), arn.objects(c, bucket)],
      Condition: { Bool: { "aws:SecureTransport": false } },
    },
    ...extra,
  );
}

/** Lets S3 server access logging write into the log bucket, only from this account's buckets. */
export function accessLogDeliveryStatement(c: ArnContext, logBucket: string): PolicyStatement {
  return {
    Sid: "S3ServerAccessLogs",
    Effect: "Allow",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: arn.objects(c, logBucket),
    Condition: { StringEquals: { "aws:SourceAccount": c.accountId } },
  };
}

/** Key administration for the account, spelled out (no `kms:*`) and including PutKeyPolicy so the key can never lock its owners out. */
export const KMS_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey",
  "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt",
  "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
  "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListResourceTags", "kms:PutKeyPolicy",
  "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion",
  "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
];

/**
 * The lake key's policy. In a key policy `"*"` as resource means "this key". The account keeps
 * administration (IAM policies then grant use); CloudWatch Logs (Glue and Step Functions logs) and
 * CloudWatch alarms (publishing to the encrypted SNS topic) get use of it, scoped to this account;
 * log delivery decrypts the state machine's execution data (encrypted with this key) to write it
 * to the state machine's log group, for that state machine only.
 */
export function lakeKeyPolicy(c: ArnContext, stateMachineName: string): PolicyDocument {
  return policy(
    { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: arn.accountRoot(c) }, Action: KMS_ADMIN_ACTIONS, Resource: "*" },
    {
      Sid: "CloudWatchLogsEncrypt",
      Effect: "Allow",
      Principal: { Service: `logs.${c.region}.amazonaws.com` },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${c.partition}:logs:${c.region}:${c.accountId}:log-group:*` } },
    },
    {
      Sid: "StateMachineLogDelivery",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": arn.stateMachine(c, stateMachineName) } },
    },
    {
      Sid: "AlarmsPublishToEncryptedTopic",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": c.accountId } },
    },
  );
}

/** Lets one bucket's S3 notifications reach the crawler queue (created before the notification: pitfall). */
export function queueFromBucketPolicy(c: ArnContext, queueArn: string, bucket: string): PolicyDocument {
  return policy({
    Sid: "BucketNotifications",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "sqs:SendMessage",
    Resource: queueArn,
    Condition: { ArnEquals: { "aws:SourceArn": arn.bucket(c, bucket) }, StringEquals: { "aws:SourceAccount": c.accountId } },
  });
}

/** Athena results under one prefix: listed, read and written there only. */
export function resultsStatements(c: ArnContext, bucket: string, prefix: string): PolicyStatement[] {
  return [
    { Sid: "LocateResults", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: arn.bucket(c, bucket) },
    { Sid: "ListOwnResults", Effect: "Allow", Action: "s3:ListBucket", Resource: arn.bucket(c, bucket), Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } },
    { Sid: "ReadWriteOwnResults", Effect: "Allow", Action: [...S3_READ, ...S3_WRITE], Resource: arn.objects(c, bucket, prefix) },
  ];
}

/** The catalog of the layers a role is granted: the catalog, those databases and their tables. */
export const catalogResources = (c: ArnContext, databases: readonly string[]): string[] => [arn.glueCatalog(c), ...databases.flatMap((db) => [arn.glueDatabase(c, db), arn.glueTables(c, db)])];

export interface PersonaPolicyArgs {
  readonly names: LakeNames;
  readonly persona: PersonaRole;
  readonly keyArn: string;
  readonly resultsBucket: string;
}

/**
 * A persona's IAM policy, from the governance plan: Athena through its workgroup (and reading the
 * lake's saved queries when it has a workgroup of its own), the Glue catalog calls its grants are
 * used through on the layers it is granted, Lake Formation data access (no S3 read of the layers:
 * Athena reads them with credentials Lake Formation vends), its own query results, the lake key;
 * the auditor also the read-only Lake Formation and CloudTrail calls of `lake audit`.
 */
export function personaPolicy(c: ArnContext, args: PersonaPolicyArgs): PolicyDocument {
  const { names, persona } = args;
  const p = policyOf(persona);
  const workgroup = personaWorkgroup(persona, names);
  return policy(
    { Sid: "QueryThroughItsWorkgroup", Effect: "Allow", Action: ATHENA_QUERY, Resource: arn.athenaWorkgroup(c, workgroup.name) },
    ...(workgroup.own ? [{ Sid: "ReadTheLakeSavedQueries", Effect: "Allow" as const, Action: ["athena:GetNamedQuery", "athena:ListNamedQueries", "athena:BatchGetNamedQuery"], Resource: arn.athenaWorkgroup(c, names.workgroup) }] : []),
    { Sid: "CatalogOfItsLayers", Effect: "Allow", Action: catalogActions(persona), Resource: catalogResources(c, p.layers.map((l) => names.database(l))) },
    { Sid: "LakeFormationData", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" },
    ...(p.auditsGrants ? [{ Sid: "AuditGrants", Effect: "Allow" as const, Action: [...AUDIT_ACTIONS], Resource: "*" }] : []),
    ...resultsStatements(c, args.resultsBucket, workgroup.resultsPrefix),
    kmsStatement(args.keyArn),
  );
}

/**
 * The ingestion role's policy: upload exports to the raw bucket, nothing else. No read: it cannot
 * download what it (or anyone) uploaded. SSE-KMS multipart uploads need kms:Decrypt as well.
 */
export function ingestionPolicy(c: ArnContext, rawBucket: string, keyArn: string): PolicyDocument {
  return policy(
    { Sid: "ListRaw", Effect: "Allow", Action: S3_LIST, Resource: arn.bucket(c, rawBucket) },
    { Sid: "UploadExports", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: arn.objects(c, rawBucket) },
    { Sid: "EncryptUploads", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: keyArn },
  );
}
