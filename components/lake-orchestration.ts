import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadStateMachineDefinition } from "../src/aws/asl";
import { arn, ArnContext, kmsStatement, policy, serviceTrust } from "../src/aws/iam";
import { LakeNames } from "../src/aws/naming";
import { LOAD_MARKER_PREFIX } from "../src/aws/report-function";

export interface LakeOrchestrationArgs {
  readonly names: LakeNames;
  /** Datasets by transform level (referenceLevels): a level runs after the ones it references. */
  readonly levels: readonly (readonly string[])[];
  readonly transformJob: aws.glue.Job;
  readonly curateJob: aws.glue.Job;
  /** The report function: plans, verifies and finalizes each load. */
  readonly reportFunction: aws.lambda.Function;
  /** Where exports and load markers arrive. */
  readonly rawBucket: aws.s3.Bucket;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** EventBridge schedule of the daily load. @default "cron(0 6 * * ? *)" */
  readonly schedule?: string;
  /** E-mail subscribed to the failure alarm; none when undefined. @default undefined */
  readonly alarmEmail?: string;
  /** Days the state machine's logs are kept. @default 90 */
  readonly logRetentionDays?: number;
  /** A load still running after this long is stopped (and alarms). @default 360 */
  readonly timeoutMinutes?: number;
}

/**
 * The load pipeline: a Step Functions state machine (plan, transforms by reference level, verify,
 * gate, curate, finalize; see src/aws/asl.ts), started when a load marker lands in the raw bucket
 * (EventBridge; one execution per load date, the report function's lock serialising any two) and
 * on a schedule. Every failure publishes what happened, for a failed gate its verdict line and
 * where its report is, to an encrypted SNS topic; a load that times out raises a CloudWatch alarm
 * on the same topic.
 */
export class LakeOrchestration extends pulumi.ComponentResource {
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly role: aws.iam.Role;
  public readonly alarmTopic: aws.sns.Topic;
  public readonly timeoutAlarm: aws.cloudwatch.MetricAlarm;
  /** The ASL definition, as deployed. */
  public readonly definition: pulumi.Output<string>;
  /** The raw-bucket key a load marker is uploaded to, `YYYY-MM-DD` standing for the load date. */
  public readonly loadMarker: pulumi.Output<string>;

  constructor(name: string, args: LakeOrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeOrchestration", name, {}, opts);
    const { names } = args;
    const ctx = pulumi.output(args.arnContext);
    const timeoutSeconds = (args.timeoutMinutes ?? 360) * 60;

    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: args.keyArn }, { parent: this });

    this.definition = pulumi
      .all([args.transformJob.name, args.curateJob.name, args.reportFunction.arn, this.alarmTopic.arn])
      .apply(([transformJob, curateJob, reportFunction, alarmTopic]) =>
        JSON.stringify({ ...loadStateMachineDefinition({ levels: args.levels, transformJob, curateJob, reportFunction, alarmTopic, lakeName: names.prefix }), TimeoutSeconds: timeoutSeconds }, null, 2),
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
          .all([ctx, args.keyArn, args.reportFunction.arn, this.alarmTopic.arn])
          .apply(([c, key, reportFunction, topic]) =>
            JSON.stringify(
              policy(
                {
                  Sid: "RunJobs",
                  Effect: "Allow",
                  Action: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
                  Resource: [arn.glueJob(c, names.job("transform")), arn.glueJob(c, names.job("curate"))],
                },
                { Sid: "InvokeReportFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [reportFunction, `${reportFunction}:*`] },
                { Sid: "PublishAlarms", Effect: "Allow", Action: "sns:Publish", Resource: topic },
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
        description: `A load marker arrived (${LOAD_MARKER_PREFIX}load_date=YYYY-MM-DD, after the exports): load that date`,
        // A prefix without characters S3 URL-encodes in event keys: the marker matches however its key is encoded.
        eventPattern: args.rawBucket.bucket.apply((bucket) =>
          JSON.stringify({ source: ["aws.s3"], "detail-type": ["Object Created"], detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: LOAD_MARKER_PREFIX }] } } }),
        ),
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-arrival-target`, { rule: arrival.name, arn: this.stateMachine.arn, roleArn: eventsRole.arn }, { parent: this, dependsOn: [eventsPolicy] });

    const schedule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { description: "Daily load of every dataset with exports for today (UTC)", scheduleExpression: args.schedule ?? "cron(0 6 * * ? *)" },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-schedule-target`,
      { rule: schedule.name, arn: this.stateMachine.arn, roleArn: eventsRole.arn, input: JSON.stringify({ trigger: "schedule" }) },
      { parent: this, dependsOn: [eventsPolicy] },
    );

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
    // Every other failure is reported by the state machine itself, with what failed; a timeout cannot be.
    this.timeoutAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-timed-out`,
      {
        alarmDescription: `A load of ${names.prefix} ran longer than ${args.timeoutMinutes ?? 360} minutes and was stopped (state machine ${names.stateMachine})`,
        namespace: "AWS/States",
        metricName: "ExecutionsTimedOut",
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
    this.loadMarker = pulumi.interpolate`s3://${args.rawBucket.bucket}/${LOAD_MARKER_PREFIX}load_date=YYYY-MM-DD`;

    this.registerOutputs({ stateMachineArn: this.stateMachine.arn, alarmTopicArn: this.alarmTopic.arn, loadMarker: this.loadMarker });
  }
}
