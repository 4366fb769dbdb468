import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Contract } from "../src/model/contracts";
import { GlueTablePlan, TABLE_PLANNERS, tableParameters } from "../src/aws/catalog";
import { arn, ArnContext, bucketStatements, GLUE_CATALOG_READ, GLUE_CATALOG_WRITE, kmsStatement, policy, queueFromBucketPolicy, serviceTrust } from "../src/aws/iam";
import { LAYERS, Layer, LakeNames } from "../src/aws/naming";

export interface LakeCatalogArgs {
  readonly names: LakeNames;
  readonly contracts: readonly Contract[];
  readonly layerBuckets: Readonly<Record<Layer, aws.s3.Bucket>>;
  readonly keyArn: pulumi.Input<string>;
  readonly arnContext: pulumi.Input<ArnContext>;
  /** Also send the raw bucket's events to EventBridge (what starts a load on arrival). @default true */
  readonly rawEventsToEventBridge?: boolean;
  /**
   * What every database waits for: the account's Lake Formation settings when this stack owns
   * them, so no database is created under defaults that grant IAMAllowedPrincipals. @default []
   */
  readonly databasesAfter?: readonly pulumi.Resource[];
  /**
   * Schedule of the crawlers no load starts (the state machine crawls raw and curated itself).
   * @default "cron(15 * * * ? *)"
   */
  readonly crawlerSchedule?: string;
}

const FORMATS = {
  csv: {
    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serDeInfo: { serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde", parameters: { separatorChar: ",", quoteChar: '"', escapeChar: "\\" } },
  },
  parquet: {
    inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serDeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters: { "serialization.format": "1" } },
  },
} as const;

/** The layers the state machine crawls itself; the other crawlers run on {@link LakeCatalogArgs.crawlerSchedule}. */
const CRAWLED_BY_LOAD: ReadonlySet<Layer> = new Set(["raw", "curated"]);

/**
 * The Glue Data Catalog of the lake: a database per layer, every table declared from the contracts
 * (partition projection where partitioned), a crawler per layer in S3 event mode over those tables
 * (queue and queue policy exist before the bucket notification and the crawler), and the Glue
 * security configuration every job and crawler runs with.
 */
export class LakeCatalog extends pulumi.ComponentResource {
  public readonly databases: Readonly<Record<Layer, aws.glue.CatalogDatabase>>;
  /** layer -> dataset -> table. */
  public readonly tables: Readonly<Record<Layer, Readonly<Record<string, aws.glue.CatalogTable>>>>;
  public readonly crawlers: Readonly<Record<Layer, aws.glue.Crawler>>;
  public readonly crawlerRole: aws.iam.Role;
  public readonly securityConfiguration: aws.glue.SecurityConfiguration;

  constructor(name: string, args: LakeCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:LakeCatalog", name, {}, opts);
    const { names, contracts } = args;
    const ctx = pulumi.output(args.arnContext);
    const crawlerSchedule = args.crawlerSchedule ?? "cron(15 * * * ? *)";
    const rawToEventBridge = args.rawEventsToEventBridge ?? true;

    this.securityConfiguration = new aws.glue.SecurityConfiguration(
      `${name}-security`,
      {
        name: names.prefix,
        encryptionConfiguration: {
          s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: args.keyArn },
          cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: args.keyArn },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: args.keyArn },
        },
      },
      { parent: this },
    );

    const databases = {} as Record<Layer, aws.glue.CatalogDatabase>;
    const tables = {} as Record<Layer, Record<string, aws.glue.CatalogTable>>;
    for (const layer of LAYERS) {
      const bucket = args.layerBuckets[layer];
      databases[layer] = new aws.glue.CatalogDatabase(
        `${name}-${layer}`,
        {
          name: names.database(layer),
          description: `energy-lake ${layer} layer (${names.prefix})`,
          locationUri: pulumi.interpolate`s3://${bucket.bucket}/`,
          // No default grant on new tables: Lake Formation alone governs them (see docs/governance.md for the provider's limits).
          createTableDefaultPermissions: [],
        },
        { parent: this, dependsOn: [...(args.databasesAfter ?? [])] },
      );
      tables[layer] = {};
      for (const contract of contracts) {
        const plan = TABLE_PLANNERS[layer](contract);
        tables[layer][contract.name] = this.table(`${name}-${layer}-${contract.name}`, databases[layer], bucket, plan, names);
      }
    }
    this.databases = databases;
    this.tables = tables;

    const queues = {} as Record<Layer, aws.sqs.Queue>;
    const queuePolicies = {} as Record<Layer, aws.sqs.QueuePolicy>;
    for (const layer of LAYERS) {
      const bucket = args.layerBuckets[layer];
      queues[layer] = new aws.sqs.Queue(
        `${name}-${layer}-events`,
        { sqsManagedSseEnabled: true, messageRetentionSeconds: 14 * 24 * 3600 },
        { parent: this },
      );
      queuePolicies[layer] = new aws.sqs.QueuePolicy(
        `${name}-${layer}-events-policy`,
        {
          queueUrl: queues[layer].url,
          policy: pulumi.all([ctx, queues[layer].arn, bucket.bucket]).apply(([c, q, b]) => JSON.stringify(queueFromBucketPolicy(c, q, b))),
        },
        { parent: this },
      );
      new aws.s3.BucketNotification(
        `${name}-${layer}-notifications`,
        {
          bucket: bucket.id,
          eventbridge: layer === "raw" && rawToEventBridge,
          queues: [{ queueArn: queues[layer].arn, events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] }],
        },
        { parent: this, dependsOn: [queuePolicies[layer]] },
      );
    }

    this.crawlerRole = new aws.iam.Role(`${name}-crawler-role`, { assumeRolePolicy: JSON.stringify(serviceTrust("glue.amazonaws.com")) }, { parent: this });
    const crawlerPolicy = new aws.iam.RolePolicy(
      `${name}-crawler-policy`,
      {
        role: this.crawlerRole.id,
        policy: pulumi
          .all([ctx, args.keyArn, pulumi.all(LAYERS.map((l) => args.layerBuckets[l].bucket)), pulumi.all(LAYERS.map((l) => queues[l].arn))])
          .apply(([c, key, buckets, queueArns]) =>
            JSON.stringify(
              policy(
                {
                  Sid: "CatalogOfTheLake",
                  Effect: "Allow",
                  Action: [...GLUE_CATALOG_READ, ...GLUE_CATALOG_WRITE, "glue:GetSecurityConfiguration"],
                  Resource: [arn.glueCatalog(c), ...LAYERS.flatMap((l) => [arn.glueDatabase(c, names.database(l)), arn.glueTables(c, names.database(l))])],
                },
                ...bucketStatements(c, buckets.map((b) => ({ bucket: b, write: false }))),
                { Sid: "EventQueues", Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SetQueueAttributes", "sqs:PurgeQueue"], Resource: queueArns },
                { Sid: "CrawlerLogs", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"], Resource: arn.glueLogGroups(c) },
                kmsStatement(key),
              ),
            ),
          ),
      },
      { parent: this },
    );

    const crawlers = {} as Record<Layer, aws.glue.Crawler>;
    for (const layer of LAYERS) {
      crawlers[layer] = new aws.glue.Crawler(
        `${name}-${layer}-crawler`,
        {
          name: names.crawler(layer),
          role: this.crawlerRole.arn,
          databaseName: databases[layer].name,
          catalogTargets: [{ databaseName: databases[layer].name, tables: contracts.map((c) => tables[layer][c.name]!.name), eventQueueArn: queues[layer].arn }],
          recrawlPolicy: { recrawlBehavior: "CRAWL_EVENT_MODE" },
          // Catalog targets: the declared tables stay the schema of record; drift is logged, not applied.
          schemaChangePolicy: { deleteBehavior: "LOG", updateBehavior: "LOG" },
          configuration: JSON.stringify({ Version: 1.0, CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } } }),
          securityConfiguration: this.securityConfiguration.name,
          ...(CRAWLED_BY_LOAD.has(layer) ? {} : { schedule: crawlerSchedule }),
        },
        { parent: this, dependsOn: [queuePolicies[layer], crawlerPolicy, ...Object.values(tables[layer])] },
      );
    }
    this.crawlers = crawlers;

    this.registerOutputs({
      databases: Object.fromEntries(LAYERS.map((l) => [l, databases[l].name])),
      crawlers: Object.fromEntries(LAYERS.map((l) => [l, crawlers[l].name])),
      securityConfiguration: this.securityConfiguration.name,
    });
  }

  private table(id: string, database: aws.glue.CatalogDatabase, bucket: aws.s3.Bucket, plan: GlueTablePlan, names: LakeNames): aws.glue.CatalogTable {
    const format = FORMATS[plan.format];
    return new aws.glue.CatalogTable(
      id,
      {
        name: names.table(plan.name),
        databaseName: database.name,
        description: plan.description,
        tableType: "EXTERNAL_TABLE",
        parameters: bucket.bucket.apply((b) => ({ EXTERNAL: "TRUE", ...tableParameters(plan, b) })),
        partitionKeys: plan.partitionKeys.map((k) => ({ name: k.name, type: k.type })),
        storageDescriptor: {
          location: pulumi.interpolate`s3://${bucket.bucket}/${plan.prefix}`,
          columns: plan.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
          inputFormat: format.inputFormat,
          outputFormat: format.outputFormat,
          serDeInfo: format.serDeInfo,
          compressed: plan.format === "parquet",
        },
      },
      { parent: this },
    );
  }
}
