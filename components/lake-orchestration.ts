import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AslDataset, loadStateMachineDefinition } from "../src/aws/asl";
import { arn, ArnContext, ATHENA_QUERY, bucketStatements, GLUE_CATALOG_READ, kmsStatement, policy, serviceTrust } from "../src/aws/iam";
import { LakeNames } from "../src/aws/naming";

export interface LakeOrchestrationArgs {
  readonly names: LakeNames;
  /** Datasets of a load, each with its verification statements. */
  readonly datasets: readonly AslDataset[];
  readonly rawCrawler: aws.glue.Crawler;
  readonly curatedCrawler: aws.glue.Crawler;
  readonly transformJob: aws.glue.Job;
  readonly curateJob: aws.glue.Job;
  readonly workgroup: aws.athena.Workgroup;
  readonly rawBucket: aws.s3.Bucket;
  /** Where the transform job writes the Data Quality outcome the gate reads. */
  readonly processedBucket: aws.s3.Bucket;
  readonly quarantineBucket: aws.s3.Bucket;
  readonly athenaResultsBucket: aws.s3.Bucket;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** EventBridge schedule of the daily load. @default "cron(0 6 * * ? *)" */
  readonly schedule?: string;
  /** E-mail subscribed to the failure alarm; none when undefined. @default undefined */
  readonly alarmEmail?: string;
  /** Days the state machine's logs are kept. @default 90 */
  readonly logRetentionDays?: number;
}

/**
 * The load pipeline: a Step Functions state machine (crawl raw, transform, Data Quality gate,
 * Athena verification, curate, crawl curated), started when a raw file arrives (EventBridge) and
 * on a schedule; failed executions raise a CloudWatch alarm on an encrypted SNS topic.
 */
export class LakeOrchestration extends pulumi.ComponentResource {
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly role: aws.iam.Role;
  public readonly alarmTopic: aws.sns.Topic;
  public readonly failureAlarm: aws.cloudwatch.MetricAlarm;
  /** The ASL definition, as deployed. */
  public readonly definition: pulumi.Output<string>;

  constructor(name: string, args: LakeOrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeOrchestration", name, {}, opts);
    const { names } = args;
    const ctx = pulumi.output(args.arnContext);

    this.definition = pulumi
      .all([args.rawCrawler.name, args.curatedCrawler.name, args.transformJob.name, args.curateJob.name, args.workgroup.name, args.processedBucket.bucket])
      .apply(([rawCrawler, curatedCrawler, transformJob, curateJob, workgroup, qualityBucket]) =>
        JSON.stringify(loadStateMachineDefinition({ datasets: args.datasets, rawCrawler, curatedCrawler, transformJob, curateJob, workgroup, qualityBucket }), null, 2),
      );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/vendedlogs/states/${names.stateMachine}`, retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: args.keyArn },
      { parent: this },
    );

    this.role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: ctx.apply((c) => JSON.stringify(serviceTrust("states.amazonaws.com", c.accountId))) }, { parent: this });
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi
          .all([ctx, args.keyArn, args.processedBucket.bucket, args.quarantineBucket.bucket, args.athenaResultsBucket.bucket])
          .apply(([c, key, processed, quarantine, results]) =>
            JSON.stringify(
              policy(
                {
                  Sid: "RunJobs",
                  Effect: "Allow",
                  Action: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
                  Resource: [arn.glueJob(c, names.job("transform")), arn.glueJob(c, names.job("curate"))],
                },
                { Sid: "RunCrawlers", Effect: "Allow", Action: ["glue:StartCrawler", "glue:GetCrawler"], Resource: [arn.glueCrawler(c, names.crawler("raw")), arn.glueCrawler(c, names.crawler("curated"))] },
                { Sid: "RunVerification", Effect: "Allow", Action: ATHENA_QUERY, Resource: arn.athenaWorkgroup(c, names.workgroup) },
                {
                  Sid: "CatalogForVerification",
                  Effect: "Allow",
                  Action: GLUE_CATALOG_READ,
                  Resource: [arn.glueCatalog(c), ...(["processed", "quarantine"] as const).flatMap((l) => [arn.glueDatabase(c, names.database(l)), arn.glueTables(c, names.database(l))])],
                },
                ...bucketStatements(c, [
                  { bucket: processed, write: false },
                  { bucket: quarantine, write: false },
                  { bucket: results, prefix: "results/", write: true },
                ]),
                { Sid: "LakeFormationData", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" },
                {
                  Sid: "VendedLogs",
                  Effect: "Allow",
                  Action: ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
                  Resource: "*",
                },
                kmsStatement(key),
              ),
            ),
          ),
      },
      { parent: this },
    );

    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-load`,
      {
        name: names.stateMachine,
        type: "STANDARD",
        roleArn: this.role.arn,
        definition: this.definition,
        loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: pulumi.interpolate`${logGroup.arn}:*` },
        encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: args.keyArn, kmsDataKeyReusePeriodSeconds: 300 },
      },
      { parent: this, dependsOn: [rolePolicy] },
    );

    const eventsRole = new aws.iam.Role(`${name}-events-role`, { assumeRolePolicy: ctx.apply((c) => JSON.stringify(serviceTrust("events.amazonaws.com", c.accountId))) }, { parent: this });
    const eventsPolicy = new aws.iam.RolePolicy(
      `${name}-events-policy`,
      {
        role: eventsRole.id,
        policy: pulumi
          .all([this.stateMachine.arn, args.keyArn])
          .apply(([machine, key]) => JSON.stringify(policy({ Sid: "StartLoads", Effect: "Allow", Action: "states:StartExecution", Resource: machine }, kmsStatement(key)))),
      },
      { parent: this },
    );

    const arrival = new aws.cloudwatch.EventRule(
      `${name}-arrival`,
      {
        description: "A raw file arrived: load its dataset for its load date",
        eventPattern: args.rawBucket.bucket.apply((bucket) =>
          JSON.stringify({
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: { bucket: { name: [bucket] }, object: { key: [{ wildcard: "*/load_date=*/*" }] } },
          }),
        ),
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-arrival-target`, { rule: arrival.name, arn: this.stateMachine.arn, roleArn: eventsRole.arn }, { parent: this, dependsOn: [eventsPolicy] });

    const schedule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { description: "Daily load of every dataset", scheduleExpression: args.schedule ?? "cron(0 6 * * ? *)" },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-schedule-target`,
      { rule: schedule.name, arn: this.stateMachine.arn, roleArn: eventsRole.arn, input: JSON.stringify({ trigger: "schedule" }) },
      { parent: this, dependsOn: [eventsPolicy] },
    );

    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: args.keyArn }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alarms-policy`,
      {
        arn: this.alarmTopic.arn,
        policy: pulumi.all([ctx, this.alarmTopic.arn]).apply(([c, topic]) =>
          JSON.stringify(
            policy(
              { Sid: "AlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: topic, Condition: { StringEquals: { "aws:SourceAccount": c.accountId } } },
              { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topic, Condition: { Bool: { "aws:SecureTransport": false } } },
            ),
          ),
        ),
      },
      { parent: this },
    );
    if (args.alarmEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: this.alarmTopic.arn, protocol: "email", endpoint: args.alarmEmail }, { parent: this });
    }
    this.failureAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-failed`,
      {
        alarmDescription: `A load of ${names.prefix} failed (state machine ${names.stateMachine})`,
        namespace: "AWS/States",
        metricName: "ExecutionsFailed",
        dimensions: { StateMachineArn: this.stateMachine.arn },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [this.alarmTopic.arn],
      },
      { parent: this },
    );

    this.registerOutputs({ stateMachineArn: this.stateMachine.arn, alarmTopicArn: this.alarmTopic.arn });
  }
}
