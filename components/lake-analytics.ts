import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { insightQueries } from "../src/aws/insights";

/** Athena refuses a per-query scan cap below 10 MiB. */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;

export interface LakeAnalyticsArgs {
  readonly workgroupName: string;
  readonly resultsBucket: aws.s3.Bucket;
  readonly keyArn: pulumi.Input<string>;
  /** The curated database the insight queries read. */
  readonly curatedDatabase: string;
  /** Per-query scan cap in MiB (at least 10). @default 1024 */
  readonly bytesScannedCutoffMiB?: number;
}

/**
 * The Athena workgroup everyone queries the lake through: settings enforced, results encrypted
 * with the lake key, a per-query scan cap, and the business insights saved as named queries.
 */
export class LakeAnalytics extends pulumi.ComponentResource {
  public readonly workgroup: aws.athena.Workgroup;
  public readonly namedQueries: Readonly<Record<string, aws.athena.NamedQuery>>;

  constructor(name: string, args: LakeAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeAnalytics", name, {}, opts);
    const cutoff = (args.bytesScannedCutoffMiB ?? 1024) * 1024 * 1024;
    if (cutoff < MIN_BYTES_SCANNED_CUTOFF) throw new Error(`${name}: bytesScannedCutoffMiB must be at least 10 (Athena's minimum)`);

    this.workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: args.workgroupName,
        description: "energy-lake queries: enforced settings, encrypted results, scan cap",
        // A workgroup holding query history cannot be deleted without it.
        forceDestroy: true,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: cutoff,
          engineVersion: { selectedEngineVersion: "Athena engine version 3" },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${args.resultsBucket.bucket}/results/`,
            encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.keyArn },
          },
        },
      },
      { parent: this },
    );

    const queries: Record<string, aws.athena.NamedQuery> = {};
    for (const query of insightQueries(args.curatedDatabase)) {
      queries[query.id] = new aws.athena.NamedQuery(
        `${name}-${query.id}`,
        { name: query.id, description: query.title, database: args.curatedDatabase, workgroup: this.workgroup.name, query: query.sql },
        { parent: this },
      );
    }
    this.namedQueries = queries;

    this.registerOutputs({ workgroup: this.workgroup.name, namedQueries: Object.fromEntries(Object.entries(queries).map(([k, q]) => [k, q.id])) });
  }
}
