import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accessLogDeliveryStatement, ArnContext, lakeKeyPolicy, tlsOnlyBucketPolicy } from "../src/aws/iam";
import { LAYERS, Layer } from "../src/aws/naming";

/** Buckets of the lake besides the layers. */
export type SupportBucket = "athena-results" | "artifacts" | "access-logs";

export interface LakeStorageArgs {
  /** Account, region and partition the policies are written for. */
  readonly arnContext: pulumi.Input<ArnContext>;
  /** Lets `pulumi destroy` delete non-empty buckets. @default false */
  readonly forceDestroy?: boolean;
  /** Days before raw files move to Glacier Instant Retrieval. @default 90 */
  readonly rawArchiveDays?: number;
  /** Days quarantined rows are kept. @default 90 */
  readonly quarantineExpirationDays?: number;
  /** Days Athena results are kept. @default 30 */
  readonly athenaResultsExpirationDays?: number;
  /** Days access logs are kept. @default 365 */
  readonly accessLogsExpirationDays?: number;
  /** Days overwritten or deleted object versions are kept. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** The load state machine, whose log delivery decrypts its execution data with the lake key. */
  readonly stateMachineName: string;
  /**
   * Protect the data (the layer buckets, the access logs and the lake key, without which no object
   * can be read) from deletion: `protect` and `retainOnDelete`. @default false
   */
  readonly protect?: boolean;
}

interface Lifecycle {
  readonly expirationDays?: number;
  readonly archiveDays?: number;
}

/**
 * The lake's storage: one bucket per layer plus Athena results, Glue artifacts and access logs;
 * all versioned, private, TLS-only and encrypted with the lake key (rotation on, bucket keys on).
 * The access-log bucket uses SSE-S3: S3 server access logging cannot deliver to SSE-KMS buckets.
 */
export class LakeStorage extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly keyArn: pulumi.Output<string>;
  public readonly layerBuckets: Readonly<Record<Layer, aws.s3.Bucket>>;
  public readonly supportBuckets: Readonly<Record<SupportBucket, aws.s3.Bucket>>;

  constructor(name: string, args: LakeStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeStorage", name, {}, opts);
    const forceDestroy = args.forceDestroy ?? false;
    const noncurrentDays = args.noncurrentVersionExpirationDays ?? 30;
    const ctx = pulumi.output(args.arnContext);
    const protect = args.protect ?? false;
    const keep = { protect, retainOnDelete: protect };

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `${name}: encrypts every layer, the Glue job output and logs, Athena results, the load alarms`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: ctx.apply((c) => JSON.stringify(lakeKeyPolicy(c, args.stateMachineName))),
      },
      { parent: this, ...keep },
    );
    new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${name}`, targetKeyId: this.key.keyId }, { parent: this });
    this.keyArn = this.key.arn;

    const logs = this.bucket(name, "access-logs", ctx, forceDestroy, noncurrentDays, { expirationDays: args.accessLogsExpirationDays ?? 365 }, undefined, protect);
    const lifecycles: Record<Layer, Lifecycle> = {
      raw: { archiveDays: args.rawArchiveDays ?? 90 },
      processed: {},
      curated: {},
      quarantine: { expirationDays: args.quarantineExpirationDays ?? 90 },
    };
    this.layerBuckets = Object.fromEntries(
      LAYERS.map((layer) => [layer, this.bucket(name, layer, ctx, forceDestroy, noncurrentDays, lifecycles[layer], logs, protect)]),
    ) as Record<Layer, aws.s3.Bucket>;
    this.supportBuckets = {
      "athena-results": this.bucket(name, "athena-results", ctx, forceDestroy, noncurrentDays, { expirationDays: args.athenaResultsExpirationDays ?? 30 }, logs, false),
      artifacts: this.bucket(name, "artifacts", ctx, forceDestroy, noncurrentDays, {}, logs, false),
      "access-logs": logs,
    };

    this.registerOutputs({
      keyArn: this.keyArn,
      layerBuckets: Object.fromEntries(LAYERS.map((l) => [l, this.layerBuckets[l].bucket])),
      supportBuckets: Object.fromEntries(Object.entries(this.supportBuckets).map(([k, b]) => [k, b.bucket])),
    });
  }

  /** One bucket (protected and kept on delete when it holds data of a production stack) with its versioning, encryption, public access block, ownership, logging, TLS-only policy and lifecycle. */
  private bucket(
    name: string,
    role: Layer | SupportBucket,
    ctx: pulumi.Output<ArnContext>,
    forceDestroy: boolean,
    noncurrentDays: number,
    lifecycle: Lifecycle,
    logTarget: aws.s3.Bucket | undefined,
    protect: boolean,
  ): aws.s3.Bucket {
    const id = `${name}-${role}`;
    const isLogBucket = logTarget === undefined;
    const bucket = new aws.s3.Bucket(id, { forceDestroy }, { parent: this, protect, retainOnDelete: protect });
    const opts = { parent: this };
    new aws.s3.BucketVersioning(`${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${id}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          isLogBucket
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true },
        ],
      },
      opts,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${id}-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      opts,
    );
    new aws.s3.BucketOwnershipControls(`${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    if (logTarget !== undefined) {
      new aws.s3.BucketLogging(`${id}-logging`, { bucket: bucket.id, targetBucket: logTarget.id, targetPrefix: `${role}/` }, opts);
    }
    new aws.s3.BucketPolicy(
      `${id}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.all([ctx, bucket.bucket]).apply(([c, b]) =>
          JSON.stringify(tlsOnlyBucketPolicy(c, b, isLogBucket ? [accessLogDeliveryStatement(c, b)] : [])),
        ),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
      {
        id: "tidy-versions-and-uploads",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ];
    if (lifecycle.expirationDays !== undefined) {
      rules.push({ id: "expire", status: "Enabled", filter: {}, expiration: { days: lifecycle.expirationDays } });
    }
    if (lifecycle.archiveDays !== undefined) {
      rules.push({ id: "archive", status: "Enabled", filter: {}, transitions: [{ days: lifecycle.archiveDays, storageClass: "GLACIER_IR" }] });
    }
    new aws.s3.BucketLifecycleConfiguration(`${id}-lifecycle`, { bucket: bucket.id, rules }, opts);
    return bucket;
  }
}
