import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Contract, PROJECT_ROOT } from "../src/model/contracts";
import { RuleSet } from "../src/model/rules";
import { compileGluePlan } from "../src/aws/glue-plan";
import { arn, ArnContext, bucketStatements, GLUE_CATALOG_READ, kmsStatement, policy, serviceTrust } from "../src/aws/iam";
import { Layer, LakeNames } from "../src/aws/naming";

export interface LakeProcessingArgs {
  readonly names: LakeNames;
  readonly contracts: readonly Contract[];
  /** The quality rules: their DQDL and reference frames go into the plan the transform job reads. */
  readonly ruleSets: readonly RuleSet[];
  readonly layerBuckets: Readonly<Record<Layer, aws.s3.Bucket>>;
  /** Bucket the scripts, the plan and Glue's temporary files go to. */
  readonly artifactsBucket: aws.s3.Bucket;
  readonly keyArn: pulumi.Input<string>;
  readonly securityConfiguration: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** @default "G.1X" */
  readonly workerType?: string;
  /** @default 2 */
  readonly numberOfWorkers?: number;
  /** Minutes before a run is stopped (AWS's own default is 48 hours). @default 60 */
  readonly timeoutMinutes?: number;
  /** @default 1 */
  readonly maxRetries?: number;
  /** Folder holding transform.py, curate.py and their modules lake_common.py and lake_csv.py. @default "<project>/glue" */
  readonly scriptsDir?: string;
}

/** Where the Glue scripts live in the artifacts bucket. */
export const GLUE_SCRIPTS_PREFIX = "glue/";

/**
 * The Glue 5.0 Spark jobs: raw -> processed (+ quarantine, + Data Quality) and processed ->
 * curated, with their scripts and the plan compiled from the contracts uploaded next to them.
 * The jobs take explicit --dataset and --load_date arguments (no bookmarks), so re-running a load
 * replaces it.
 */
export class LakeProcessing extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly transformJob: aws.glue.Job;
  public readonly curateJob: aws.glue.Job;
  /** The s3:// location of the uploaded plan. */
  public readonly planLocation: pulumi.Output<string>;

  constructor(name: string, args: LakeProcessingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeProcessing", name, {}, opts);
    const { names, contracts, layerBuckets } = args;
    const ctx = pulumi.output(args.arnContext);
    const scriptsDir = args.scriptsDir ?? path.join(PROJECT_ROOT, "glue");
    const artifacts = args.artifactsBucket;

    const upload = (file: string): aws.s3.BucketObjectv2 =>
      new aws.s3.BucketObjectv2(
        `${name}-${file.replace(/[._]/g, "-")}`,
        { bucket: artifacts.id, key: `${GLUE_SCRIPTS_PREFIX}${file}`, source: new pulumi.asset.FileAsset(path.join(scriptsDir, file)), serverSideEncryption: "aws:kms", kmsKeyId: args.keyArn },
        { parent: this },
      );
    const transformScript = upload("transform.py");
    const curateScript = upload("curate.py");
    const modules = [upload("lake_common.py"), upload("lake_csv.py")];
    const plan = new aws.s3.BucketObjectv2(
      `${name}-plan`,
      {
        bucket: artifacts.id,
        key: `${GLUE_SCRIPTS_PREFIX}plan.json`,
        content: JSON.stringify(compileGluePlan(contracts, args.ruleSets, names), null, 2),
        contentType: "application/json",
        serverSideEncryption: "aws:kms",
        kmsKeyId: args.keyArn,
      },
      { parent: this },
    );
    const s3Uri = (o: aws.s3.BucketObjectv2): pulumi.Output<string> => pulumi.interpolate`s3://${artifacts.bucket}/${o.key}`;
    this.planLocation = s3Uri(plan);

    this.role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(serviceTrust("glue.amazonaws.com")) }, { parent: this });
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([ctx, args.keyArn, layerBuckets.raw.bucket, layerBuckets.processed.bucket, layerBuckets.quarantine.bucket, layerBuckets.curated.bucket, artifacts.bucket])
          .apply(([c, key, raw, processed, quarantine, curated, artifactBucket]) =>
            JSON.stringify(
              policy(
                ...bucketStatements(c, [
                  { bucket: raw, write: false },
                  { bucket: processed, write: true },
                  { bucket: quarantine, write: true },
                  { bucket: curated, write: true },
                  { bucket: artifactBucket, prefix: GLUE_SCRIPTS_PREFIX, write: false },
                  { bucket: artifactBucket, prefix: "tmp/", write: true },
                ]),
                {
                  Sid: "CatalogOfProcessedAndCurated",
                  Effect: "Allow",
                  Action: GLUE_CATALOG_READ,
                  Resource: [arn.glueCatalog(c), ...(["processed", "curated"] as const).flatMap((l) => [arn.glueDatabase(c, names.database(l)), arn.glueTables(c, names.database(l))])],
                },
                {
                  // Curated partitions by business period are registered as the curate job writes them.
                  Sid: "CuratedPartitions",
                  Effect: "Allow",
                  Action: ["glue:BatchCreatePartition", "glue:BatchDeletePartition", "glue:CreatePartition", "glue:DeletePartition"],
                  Resource: [arn.glueCatalog(c), arn.glueDatabase(c, names.database("curated")), arn.glueTables(c, names.database("curated"))],
                },
                {
                  // A run's lock names its job run; another run reads that run's state to tell a live lock from a stale one.
                  Sid: "JobRunStates",
                  Effect: "Allow",
                  Action: "glue:GetJobRun",
                  Resource: [arn.glueJob(c, names.job("transform")), arn.glueJob(c, names.job("curate"))],
                },
                {
                  Sid: "DataQualityRulesets",
                  Effect: "Allow",
                  Action: ["glue:GetDataQualityRuleset", "glue:PublishDataQuality"],
                  Resource: contracts.map((d) => arn.glueRuleset(c, names.ruleset(d.name))),
                },
                {
                  Sid: "JobMetrics",
                  Effect: "Allow",
                  Action: "cloudwatch:PutMetricData",
                  Resource: "*",
                  Condition: { StringLike: { "cloudwatch:namespace": ["Glue", "Glue Data Quality"] } },
                },
                { Sid: "JobLogs", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"], Resource: arn.glueLogGroups(c) },
                { Sid: "LakeFormationData", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" },
                kmsStatement(key),
              ),
            ),
          ),
      },
      { parent: this },
    );

    const common = {
      roleArn: this.role.arn,
      glueVersion: "5.0",
      workerType: args.workerType ?? "G.1X",
      numberOfWorkers: args.numberOfWorkers ?? 2,
      timeout: args.timeoutMinutes ?? 60,
      maxRetries: args.maxRetries ?? 1,
      securityConfiguration: args.securityConfiguration,
      // One run per dataset of a load may run at once.
      executionProperty: { maxConcurrentRuns: Math.max(contracts.length, 1) },
    };
    const defaultArguments = {
      "--job-language": "python",
      "--job-bookmark-option": "job-bookmark-disable",
      "--enable-metrics": "true",
      "--enable-continuous-cloudwatch-log": "true",
      "--extra-py-files": pulumi.all(modules.map(s3Uri)).apply((uris) => uris.join(",")),
      "--plan": this.planLocation,
      "--TempDir": pulumi.interpolate`s3://${artifacts.bucket}/tmp/`,
      "--raw_bucket": layerBuckets.raw.bucket,
      "--processed_bucket": layerBuckets.processed.bucket,
      "--quarantine_bucket": layerBuckets.quarantine.bucket,
      "--curated_bucket": layerBuckets.curated.bucket,
      "--curated_database": names.database("curated"),
    };
    const jobOpts = { parent: this, dependsOn: [rolePolicy, plan, ...modules] };
    this.transformJob = new aws.glue.Job(
      `${name}-transform`,
      {
        ...common,
        name: names.job("transform"),
        description: "raw -> processed (typed, partitioned) + quarantine, then Glue Data Quality on the load's batch",
        command: { name: "glueetl", pythonVersion: "3", scriptLocation: s3Uri(transformScript) },
        defaultArguments,
      },
      jobOpts,
    );
    this.curateJob = new aws.glue.Job(
      `${name}-curate`,
      {
        ...common,
        name: names.job("curate"),
        description: "processed -> curated: one row per key, latest load wins, merged into the partitions the load touches",
        command: { name: "glueetl", pythonVersion: "3", scriptLocation: s3Uri(curateScript) },
        defaultArguments,
      },
      jobOpts,
    );

    this.registerOutputs({ roleArn: this.role.arn, transformJob: this.transformJob.name, curateJob: this.curateJob.name, planLocation: this.planLocation });
  }
}
