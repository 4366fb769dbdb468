import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Contract, loadContracts } from "../src/model/contracts";
import { loadRuleSets, RuleSet } from "../src/model/rules";
import { deploymentProblems, LakeStackConfig } from "../src/aws/config";
import { AccessPrincipals, ACCESS_ROLES, personaWorkgroups, tagKeysOf } from "../src/aws/governance-plan";
import { ArnContext } from "../src/aws/iam";
import { LAYERS, lakeNames, PERSONA_ROLES } from "../src/aws/naming";
import { LakeInputError } from "../src/errors";
import { LakeAccess } from "./lake-access";
import { referenceLevels } from "../src/aws/asl";
import { rulesetPlans, verificationPlans } from "../src/aws/quality-plan";
import { LakeAnalytics } from "./lake-analytics";
import { LakeCatalog } from "./lake-catalog";
import { LakeGovernance } from "./lake-governance";
import { LakeOrchestration } from "./lake-orchestration";
import { LakeVerification } from "./lake-verification";
import { LakeProcessing } from "./lake-processing";
import { LakeQuality } from "./lake-quality";
import { LakeStorage } from "./lake-storage";
import { LakeWarehouse } from "./lake-warehouse";

export interface EnergyDataLakeArgs {
  readonly config: LakeStackConfig;
  /** The dataset contracts. @default loadContracts() (contracts/) */
  readonly contracts?: readonly Contract[];
  /** The quality rules. @default loadRuleSets(contracts) (quality-rules/) */
  readonly ruleSets?: readonly RuleSet[];
}

/** What a stack exports: every name and ARN the CLI needs to run against AWS. */
export interface LakeStackOutputs {
  /** `<project>-<stack>`: every physical name and LF-tag key is derived from it. */
  readonly prefix: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;
  readonly buckets: Record<string, pulumi.Output<string>>;
  readonly bucketArns: Record<string, pulumi.Output<string>>;
  readonly databases: Record<string, pulumi.Output<string>>;
  readonly crawlers: Record<string, pulumi.Output<string>>;
  readonly glueJobs: Record<string, pulumi.Output<string>>;
  readonly glueSecurityConfiguration: pulumi.Output<string>;
  readonly rulesets: Record<string, pulumi.Output<string>>;
  readonly athenaWorkgroup: pulumi.Output<string>;
  readonly athenaWorkgroupArn: pulumi.Output<string>;
  readonly preparedStatements: Record<string, pulumi.Output<string>[]>;
  readonly namedQueries: Record<string, pulumi.Output<string>>;
  readonly stateMachineName: pulumi.Output<string>;
  readonly stateMachineArn: pulumi.Output<string>;
  readonly alarmTopicArn: pulumi.Output<string>;
  /** The raw-bucket key whose upload starts the load of a date (after its exports), YYYY-MM-DD standing for the date. */
  readonly loadMarker: pulumi.Output<string>;
  readonly reportFunctionName: pulumi.Output<string>;
  readonly reportFunctionArn: pulumi.Output<string>;
  /** Where each load's quality report is kept: s3://<processed bucket>/quality/<load_date>/. */
  readonly qualityReports: pulumi.Output<string>;
  readonly redshift: Record<string, pulumi.Output<string>>;
  readonly roles: Record<string, pulumi.Output<string>>;
  /** Persona -> the Athena workgroup it queries through. */
  readonly athenaWorkgroups: Record<string, pulumi.Output<string>>;
  /** Access role (engineer, analyst, auditor, pipeline, orchestration, warehouse) -> the principal ARNs granted its access: what a governance audit checks. */
  readonly accessPrincipals: Record<string, pulumi.Output<string[]>>;
  readonly lfTagKeys: Record<string, string>;
  /** The Lake Formation administrators this stack declares: both lists empty when another stack owns the account's settings. */
  readonly lakeFormationAdmins: { readonly admins: pulumi.Output<string[]>; readonly readOnlyAdmins: pulumi.Output<string[]> };
}

/**
 * The whole lake of one stack, wired from its components: storage, access (roles and the account's
 * Lake Formation settings, before any database), catalog, processing, analytics, quality,
 * orchestration, warehouse and governance.
 */
export class EnergyDataLake extends pulumi.ComponentResource {
  public readonly outputs: LakeStackOutputs;

  constructor(name: string, args: EnergyDataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("energy-lake:aws:EnergyDataLake", name, {}, opts);
    const { config } = args;
    const contracts = args.contracts ?? loadContracts();
    const ruleSets = args.ruleSets ?? loadRuleSets(contracts);
    const names = lakeNames(config.prefix);

    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const arnContext: pulumi.Output<ArnContext> = pulumi
      .all([identity.accountId, region.region, partition.partition])
      .apply(([accountId, regionName, partitionName]) => ({ accountId, region: regionName, partition: partitionName }));

    const storage = new LakeStorage(
      `${name}-storage`,
      {
        arnContext,
        forceDestroy: config.forceDestroy,
        rawArchiveDays: config.rawArchiveDays,
        quarantineExpirationDays: config.quarantineExpirationDays,
        athenaResultsExpirationDays: config.athenaResultsExpirationDays,
        accessLogsExpirationDays: config.accessLogsExpirationDays,
        noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
        stateMachineName: names.stateMachine,
        protect: config.production,
      },
      { parent: this },
    );
    const buckets = storage.layerBuckets;

    const access = new LakeAccess(
      `${name}-access`,
      {
        names,
        arnContext,
        keyArn: storage.keyArn,
        rawBucket: buckets.raw,
        athenaResultsBucket: storage.supportBuckets["athena-results"],
        manageSettings: config.manageLakeFormationSettings,
        admins: config.lakeFormationAdmins,
        readOnlyAdmins: config.lakeFormationReadOnlyAdmins,
        protect: config.production,
      },
      { parent: this },
    );

    const catalog = new LakeCatalog(
      `${name}-catalog`,
      { names, contracts, layerBuckets: buckets, keyArn: storage.keyArn, arnContext, databasesAfter: access.settings === undefined ? [] : [access.settings] },
      { parent: this },
    );

    const processing = new LakeProcessing(
      `${name}-processing`,
      {
        names,
        contracts,
        ruleSets,
        layerBuckets: buckets,
        artifactsBucket: storage.supportBuckets.artifacts,
        keyArn: storage.keyArn,
        securityConfiguration: catalog.securityConfiguration.name,
        arnContext,
        workerType: config.glueWorkerType,
        numberOfWorkers: config.glueNumberOfWorkers,
        timeoutMinutes: config.glueJobTimeoutMinutes,
        maxRetries: config.glueJobMaxRetries,
      },
      { parent: this },
    );

    const analytics = new LakeAnalytics(
      `${name}-analytics`,
      {
        workgroupName: names.workgroup,
        resultsBucket: storage.supportBuckets["athena-results"],
        keyArn: storage.keyArn,
        curatedDatabase: names.database("curated"),
        bytesScannedCutoffMiB: config.athenaBytesScannedCutoffMiB,
        ownWorkgroups: personaWorkgroups(names).filter((w) => w.own),
      },
      { parent: this },
    );

    const verificationStatements = verificationPlans(ruleSets, contracts, names);
    const quality = new LakeQuality(
      `${name}-quality`,
      { rulesets: rulesetPlans(ruleSets, contracts, names), verification: verificationStatements, processedTables: catalog.tables.processed, workgroup: analytics.workgroup.name },
      { parent: this },
    );

    const verification = new LakeVerification(
      `${name}-verification`,
      {
        names,
        contracts,
        ruleSets,
        rawBucket: buckets.raw,
        processedBucket: buckets.processed,
        curatedBucket: buckets.curated,
        athenaResultsBucket: storage.supportBuckets["athena-results"],
        workgroup: analytics.workgroup.name,
        keyArn: storage.keyArn,
        arnContext,
      },
      { parent: this },
    );

    const orchestration = new LakeOrchestration(
      `${name}-orchestration`,
      {
        names,
        levels: referenceLevels(contracts.map((c) => c.name), ruleSets),
        transformJob: processing.transformJob,
        curateJob: processing.curateJob,
        reportFunction: verification.function,
        rawBucket: buckets.raw,
        keyArn: storage.keyArn,
        arnContext,
        schedule: config.loadSchedule,
        alarmEmail: config.alarmEmail,
      },
      // The transform evaluates the deployed rulesets: they must exist before a load can run.
      { parent: this, dependsOn: [quality] },
    );

    const warehouse = new LakeWarehouse(
      `${name}-warehouse`,
      {
        names,
        curatedDatabase: catalog.databases.curated,
        keyArn: storage.keyArn,
        arnContext,
        database: config.redshiftDatabase,
        baseCapacity: config.redshiftBaseCapacity,
        subnetIds: config.redshiftSubnetIds,
        securityGroupIds: config.redshiftSecurityGroupIds,
      },
      { parent: this },
    );

    const principals: AccessPrincipals<pulumi.Output<string>> = {
      ...(Object.fromEntries(PERSONA_ROLES.map((p) => [p, [{ name: p, arn: access.personaRoles[p].arn }]])) as Record<(typeof PERSONA_ROLES)[number], { name: string; arn: pulumi.Output<string> }[]>),
      pipeline: [
        { name: "glue-jobs", arn: processing.role.arn },
        { name: "crawlers", arn: catalog.crawlerRole.arn },
      ],
      orchestration: [{ name: "report-function", arn: verification.role.arn }],
      warehouse: [{ name: "redshift", arn: warehouse.role.arn }],
    };
    const governance = new LakeGovernance(
      `${name}-governance`,
      { names, contracts, layerBuckets: buckets, keyArn: storage.keyArn, arnContext, principals, databases: catalog.databases, tables: catalog.tables, settings: access.settings },
      { parent: this },
    );

    const bucketEntries = [...LAYERS.map((l) => [l, buckets[l]] as const), ...Object.entries(storage.supportBuckets)];
    this.outputs = {
      prefix: pulumi.output(names.prefix),
      accountId: identity.accountId,
      region: region.region,
      keyArn: storage.keyArn,
      buckets: Object.fromEntries(bucketEntries.map(([k, b]) => [k, b.bucket])),
      bucketArns: Object.fromEntries(bucketEntries.map(([k, b]) => [k, b.arn])),
      databases: Object.fromEntries(LAYERS.map((l) => [l, catalog.databases[l].name])),
      crawlers: Object.fromEntries(LAYERS.map((l) => [l, catalog.crawlers[l].name])),
      glueJobs: { transform: processing.transformJob.name, curate: processing.curateJob.name },
      glueSecurityConfiguration: catalog.securityConfiguration.name,
      rulesets: Object.fromEntries(Object.entries(quality.rulesets).map(([d, r]) => [d, r.name])),
      athenaWorkgroup: analytics.workgroup.name,
      athenaWorkgroupArn: analytics.workgroup.arn,
      preparedStatements: Object.fromEntries(Object.entries(quality.preparedStatements).map(([d, list]) => [d, list.map((s) => s.name)])),
      namedQueries: Object.fromEntries(Object.entries(analytics.namedQueries).map(([k, q]) => [k, q.id])),
      stateMachineName: orchestration.stateMachine.name,
      stateMachineArn: orchestration.stateMachine.arn,
      alarmTopicArn: orchestration.alarmTopic.arn,
      loadMarker: orchestration.loadMarker,
      reportFunctionName: verification.function.name,
      reportFunctionArn: verification.function.arn,
      qualityReports: verification.reportsLocation,
      redshift: {
        namespace: warehouse.namespace.namespaceName,
        namespaceArn: warehouse.namespace.arn,
        workgroup: warehouse.workgroup.workgroupName,
        workgroupArn: warehouse.workgroup.arn,
        database: pulumi.output(config.redshiftDatabase),
        externalSchema: pulumi.output(names.spectrumSchema),
        roleArn: warehouse.role.arn,
        adminSecretArn: warehouse.namespace.adminPasswordSecretArn,
      },
      roles: {
        ...Object.fromEntries(PERSONA_ROLES.map((p) => [p, access.personaRoles[p].arn])),
        ingestion: access.ingestionRole.arn,
        glueJobs: processing.role.arn,
        crawlers: catalog.crawlerRole.arn,
        stateMachine: orchestration.role.arn,
        reportFunction: verification.role.arn,
        warehouse: warehouse.role.arn,
        lakeFormationLocation: governance.locationRole.arn,
      },
      athenaWorkgroups: Object.fromEntries(
        personaWorkgroups(names).map((w) => [w.persona, w.own ? analytics.ownWorkgroups[w.persona]!.name : analytics.workgroup.name]),
      ),
      accessPrincipals: Object.fromEntries(ACCESS_ROLES.map((role) => [role, pulumi.all(principals[role].map((p) => p.arn))])),
      lfTagKeys: { ...tagKeysOf(names) },
      lakeFormationAdmins:
        access.settings === undefined
          ? { admins: pulumi.output([]), readOnlyAdmins: pulumi.output([]) }
          : { admins: access.settings.admins.apply((a) => a ?? []), readOnlyAdmins: access.settings.readOnlyAdmins.apply((a) => a ?? []) },
    };
    this.registerOutputs({ ...this.outputs });
  }
}

/** Builds the lake of one stack from a config already checked against the deploying identity. */
export function createLake(config: LakeStackConfig, model: { contracts?: readonly Contract[]; ruleSets?: readonly RuleSet[] } = {}): EnergyDataLake {
  return new EnergyDataLake(config.prefix, { config, ...model });
}

/**
 * The Pulumi entry point (index.ts) and the mock runs: checks the config against who is deploying
 * (the account of every ARN; the deployer among the Lake Formation administrators when the stack
 * owns the settings), before anything is created, then builds the lake.
 */
export async function deployLake(config: LakeStackConfig, model: { contracts?: readonly Contract[]; ruleSets?: readonly RuleSet[] } = {}): Promise<EnergyDataLake> {
  const caller = await aws.getCallerIdentity({});
  // For an assumed role, the role (the session ARN is not a principal Lake Formation accepts).
  const session = await aws.iam.getSessionContext({ arn: caller.arn });
  const problems = deploymentProblems(config, { accountId: caller.accountId, arn: session.issuerArn });
  if (problems.length > 0) throw new LakeInputError(`stack ${config.project}/${config.stack} cannot be deployed by ${session.issuerArn} in account ${caller.accountId}:`, problems);
  return createLake(config, model);
}
