import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LAKE_RESULTS_PREFIX } from "../src/aws/governance-plan";
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
  /**
   * Further workgroups, same settings, each writing its results under its own prefix: one per
   * persona that may not read what the lake's workgroup returns (its results hold PII). @default []
   */
  readonly ownWorkgroups?: readonly { readonly persona: string; readonly name: string; readonly resultsPrefix: string }[];
}

/**
 * The Athena workgroups the lake is queried through: the lake's own (the pipeline's verification,
 * engineers) and one per persona of another access, each with settings enforced, results encrypted
 * with the lake key under its own prefix, a per-query scan cap; the business insights are saved
 * as named queries in the lake's workgroup.
 */
export class LakeAnalytics extends pulumi.ComponentResource {
  public readonly workgroup: aws.athena.Workgroup;
  /** Persona -> its workgroup, of {@link LakeAnalyticsArgs.ownWorkgroups}. */
  public readonly ownWorkgroups: Readonly<Record<string, aws.athena.Workgroup>>;
  public readonly namedQueries: Readonly<Record<string, aws.athena.NamedQuery>>;

  constructor(name: string, args: LakeAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeAnalytics", name, {}, opts);
    const cutoff = (args.bytesScannedCutoffMiB ?? 1024) * 1024 * 1024;
    if (cutoff < MIN_BYTES_SCANNED_CUTOFF) throw new Error(`${name}: bytesScannedCutoffMiB must be at least 10 (Athena's minimum)`);

    const workgroup = (id: string, workgroupName: string, description: string, resultsPrefix: string): aws.athena.Workgroup =>
      new aws.athena.Workgroup(
        id,
        {
          name: workgroupName,
          description,
          // A workgroup holding query history cannot be deleted without it.
          forceDestroy: true,
          configuration: {
            enforceWorkgroupConfiguration: true,
            publishCloudwatchMetricsEnabled: true,
            bytesScannedCutoffPerQuery: cutoff,
            engineVersion: { selectedEngineVersion: "Athena engine version 3" },
            resultConfiguration: {
              outputLocation: pulumi.interpolate`s3://${args.resultsBucket.bucket}/${resultsPrefix}`,
              encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.keyArn },
            },
          },
        },
        { parent: this },
      );
    this.workgroup = workgroup(`${name}-workgroup`, args.workgroupName, "energy-lake queries: enforced settings, encrypted results, scan cap", LAKE_RESULTS_PREFIX);
    this.ownWorkgroups = Object.fromEntries(
      (args.ownWorkgroups ?? []).map((w) => [w.persona, workgroup(`${name}-${w.persona}-workgroup`, w.name, `energy-lake queries of the ${w.persona} role: results under ${w.resultsPrefix} only`, w.resultsPrefix)]),
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

    this.registerOutputs({ workgroup: this.workgroup.name, ownWorkgroups: Object.fromEntries(Object.entries(this.ownWorkgroups).map(([p, w]) => [p, w.name])), namedQueries: Object.fromEntries(Object.entries(queries).map(([k, q]) => [k, q.id])) });
  }
}
