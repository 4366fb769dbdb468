import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { arn, ArnContext, ATHENA_QUERY, bucketStatements, GLUE_CATALOG_READ, kmsStatement, policy, resultsStatements, serviceTrust } from "../src/aws/iam";
import { LakeNames } from "../src/aws/naming";
import { REPORT_FUNCTION_HANDLER, reportFunctionPackage } from "../src/aws/report-bundle";
import { reportFunctionEnvironment } from "../src/aws/report-function";
import { Contract } from "../src/model/contracts";
import { RuleSet } from "../src/model/rules";

export interface LakeVerificationArgs {
  readonly names: LakeNames;
  /** The model the function checks with: its files go into the function's package. */
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  readonly rawBucket: aws.s3.Bucket;
  /** Holds the transform's load records, the reports (quality/) and the load locks (_locks/). */
  readonly processedBucket: aws.s3.Bucket;
  readonly curatedBucket: aws.s3.Bucket;
  readonly athenaResultsBucket: aws.s3.Bucket;
  readonly workgroup: pulumi.Input<string>;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** MiB of memory (and the CPU share that comes with it). @default 1024 */
  readonly memoryMiB?: number;
  /** Days the function's logs are kept. @default 90 */
  readonly logRetentionDays?: number;
}

/**
 * The report function: a Lambda bundled from this project's own TypeScript (src/aws/report-bundle.ts:
 * the same check compiler, Athena engine, report builder and renderers as the CLI) that the load
 * state machine calls to plan a load, verify it (Athena counts, Glue Data Quality beside them, the
 * report's four files in S3), and finalize it after curation. Its role reads what the checks read
 * and writes only the reports and the load locks.
 */
export class LakeVerification extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  /** Where the reports are kept: s3://<processed bucket>/quality/. */
  public readonly reportsLocation: pulumi.Output<string>;

  constructor(name: string, args: LakeVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeVerification", name, {}, opts);
    const { names } = args;
    const ctx = pulumi.output(args.arnContext);
    const functionName = names.reportFunction;

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: args.keyArn },
      { parent: this },
    );

    this.role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: ctx.apply((c) => JSON.stringify(serviceTrust("lambda.amazonaws.com", c.accountId))) }, { parent: this });
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([ctx, args.keyArn, args.rawBucket.bucket, args.processedBucket.bucket, args.curatedBucket.bucket, args.athenaResultsBucket.bucket])
          .apply(([c, key, raw, processed, curated, results]) =>
            JSON.stringify(
              policy(
                { Sid: "RunChecks", Effect: "Allow", Action: ATHENA_QUERY, Resource: arn.athenaWorkgroup(c, names.workgroup) },
                {
                  Sid: "CatalogOfCheckedLayers",
                  Effect: "Allow",
                  Action: GLUE_CATALOG_READ,
                  Resource: [arn.glueCatalog(c), ...(["processed", "quarantine", "curated"] as const).flatMap((l) => [arn.glueDatabase(c, names.database(l)), arn.glueTables(c, names.database(l))])],
                },
                { Sid: "TransformRuns", Effect: "Allow", Action: ["glue:GetJobRuns"], Resource: arn.glueJob(c, names.job("transform")) },
                { Sid: "DataQualityResults", Effect: "Allow", Action: ["glue:GetDataQualityResult"], Resource: args.contracts.map((d) => arn.glueRuleset(c, names.ruleset(d.name))) },
                { Sid: "ListDataQualityResults", Effect: "Allow", Action: ["glue:ListDataQualityResults"], Resource: arn.glueRuleset(c, "*") },
                { Sid: "LockHolders", Effect: "Allow", Action: ["states:DescribeExecution"], Resource: arn.stateMachineExecutions(c, names.stateMachine) },
                // The layers' data Athena reads with credentials Lake Formation vends; S3 directly only for the lake's own objects.
                ...bucketStatements(c, [
                  { bucket: raw, prefix: "_loads/", write: false },
                  { bucket: processed, prefix: "_quality/", write: false },
                  { bucket: processed, prefix: "quality/", write: true },
                  { bucket: processed, prefix: "_locks/", write: true },
                  { bucket: curated, write: false },
                ]),
                ...resultsStatements(c, results, "results/"),
                { Sid: "LakeFormationData", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" },
                { Sid: "FunctionLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: arn.logStreams(c, `/aws/lambda/${functionName}`) },
                kmsStatement(key),
              ),
            ),
          ),
      },
      { parent: this },
    );

    const files = reportFunctionPackage(args.contracts, args.ruleSets);
    const code = new pulumi.asset.AssetArchive(
      Object.fromEntries(Object.entries(files).map(([p, f]) => [p, "text" in f ? new pulumi.asset.StringAsset(f.text) : new pulumi.asset.FileAsset(f.file)])),
    );

    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: `Quality report of each load of ${names.prefix}: Athena checks, Glue Data Quality beside them, the gate's verdict`,
        role: this.role.arn,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: REPORT_FUNCTION_HANDLER,
        code,
        // Lambda's ceiling; the engine stops its queries 30 s before it and reports them.
        timeout: 900,
        memorySize: args.memoryMiB ?? 1024,
        kmsKeyArn: args.keyArn,
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        environment: {
          variables: pulumi
            .all([args.workgroup, args.rawBucket.bucket, args.processedBucket.bucket, args.curatedBucket.bucket])
            .apply(([workGroup, rawBucket, processedBucket, curatedBucket]) =>
              reportFunctionEnvironment({
                workGroup,
                tables: { processedDatabase: names.database("processed"), quarantineDatabase: names.database("quarantine"), curatedDatabase: names.database("curated") },
                rawBucket,
                processedBucket,
                curatedBucket,
                transformJob: names.job("transform"),
                region: "",
              }),
            ),
        },
      },
      { parent: this, dependsOn: [rolePolicy, logGroup] },
    );
    this.reportsLocation = pulumi.interpolate`s3://${args.processedBucket.bucket}/quality/`;

    this.registerOutputs({ functionName: this.function.name, functionArn: this.function.arn, reportsLocation: this.reportsLocation });
  }
}
