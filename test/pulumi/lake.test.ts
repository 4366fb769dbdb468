import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { compileDqdl } from "../../src/quality/dqdl";
import { aslProblems, aslReferences, referenceLevels } from "../../src/aws/asl";
import { glueType, LINEAGE_COLUMNS, QUARANTINE_EXTRA_COLUMNS } from "../../src/aws/catalog";
import { PolicyDocument } from "../../src/aws/iam";
import { MockRun, RecordedResource } from "../../src/aws/mock-run";
import { LAYERS, lakeNames } from "../../src/aws/naming";
import { checkPolicies } from "../../src/aws/policy";
import { countParameters, parameterProblems } from "../../src/sql/parameters";
import { mockRun, ofType, one, stackConfig, STACKS } from "./stacks";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);

const doc = (r: RecordedResource, prop: string): PolicyDocument => JSON.parse(String(r.props[prop])) as PolicyDocument;

for (const stack of STACKS) {
  describe(`the ${stack} stack under mocks`, () => {
    const config = stackConfig(stack);
    const names = lakeNames(config.prefix);
    const lake = config.prefix;
    let run: MockRun;

    before(async function () {
      this.timeout(120_000);
      run = await mockRun(stack);
    });

    it("builds every component under the EnergyDataLake root", () => {
      const root = one(run, "energy-lake:aws:EnergyDataLake", lake);
      expect(root.parent?.type).to.equal("pulumi:pulumi:Stack");
      for (const component of ["Storage", "Access", "Catalog", "Processing", "Quality", "Verification", "Orchestration", "Governance", "Warehouse", "Analytics"]) {
        const r = one(run, `energy-lake:aws:Lake${component}`, `${lake}-${component.toLowerCase()}`);
        expect(r.parent).to.deep.equal({ type: "energy-lake:aws:EnergyDataLake", name: lake });
      }
    });

    it("has a bucket, a database, a crawler and tables per layer", () => {
      for (const layer of LAYERS) {
        one(run, "aws:s3/bucket:Bucket", `${lake}-storage-${layer}`);
        expect(one(run, "aws:glue/catalogDatabase:CatalogDatabase", `${lake}-catalog-${layer}`).props.name).to.equal(names.database(layer));
        const crawler = one(run, "aws:glue/crawler:Crawler", `${lake}-catalog-${layer}-crawler`);
        expect(crawler.props.recrawlPolicy).to.deep.equal({ recrawlBehavior: "CRAWL_EVENT_MODE" });
        const target = (crawler.props.catalogTargets as { tables: string[]; eventQueueArn: string }[])[0]!;
        expect(target.tables).to.have.members(contracts.map((c) => c.name));
        expect(target.eventQueueArn).to.match(/^arn:aws:sqs:/);
        for (const c of contracts) one(run, "aws:glue/catalogTable:CatalogTable", `${lake}-catalog-${layer}-${c.name}`);
      }
      for (const extra of ["athena-results", "artifacts", "access-logs"]) one(run, "aws:s3/bucket:Bucket", `${lake}-storage-${extra}`);
      expect(one(run, "aws:s3/bucketNotification:BucketNotification", `${lake}-catalog-raw-notifications`).props.eventbridge).to.equal(true);
    });

    it("passes every resource and stack policy of src/aws/policy.ts", () => {
      expect(checkPolicies(run.resources)).to.deep.equal([]);
    });

    it("keeps every Allow statement free of wildcard actions", () => {
      const documents = [...ofType(run, "aws:iam/rolePolicy:RolePolicy").map((r) => doc(r, "policy")), doc(ofType(run, "aws:kms/key:Key")[0]!, "policy")];
      expect(documents.length).to.be.greaterThan(8);
      for (const d of documents) for (const s of d.Statement) if (s.Effect === "Allow") for (const a of [s.Action].flat()) expect(a).to.not.include("*");
    });

    it("encrypts buckets with the rotating lake key, with bucket keys; only the access-log bucket uses SSE-S3", () => {
      expect(one(run, "aws:kms/key:Key", `${lake}-storage-key`).props.enableKeyRotation).to.equal(true);
      for (const r of ofType(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
        const rule = (r.props.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string }; bucketKeyEnabled?: boolean }[])[0]!;
        if (r.name === `${lake}-storage-access-logs-encryption`) expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
        else expect([rule.applyServerSideEncryptionByDefault.sseAlgorithm, rule.bucketKeyEnabled]).to.deep.equal(["aws:kms", true]);
      }
      for (const r of ofType(run, "aws:s3/bucketPolicy:BucketPolicy")) {
        const deny = doc(r, "policy").Statement.find((s) => s.Sid === "DenyInsecureTransport");
        expect(deny?.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
      }
    });

    it("declares the Glue tables from the contracts", () => {
      for (const c of contracts) {
        const processed = one(run, "aws:glue/catalogTable:CatalogTable", `${lake}-catalog-processed-${c.name}`);
        const sd = processed.props.storageDescriptor as { columns: { name: string; type: string }[]; location: string };
        expect(sd.columns.map((x) => [x.name, x.type])).to.deep.equal([...c.columns.map((x) => [x.name, glueType(x.type)]), ...LINEAGE_COLUMNS.map((x) => [x.name, x.type])]);
        expect(processed.props.partitionKeys).to.deep.equal([{ name: "load_date", type: "string" }]);
        const params = processed.props.parameters as Record<string, string>;
        expect(params["projection.enabled"]).to.equal("true");
        expect(params["storage.location.template"]).to.equal(`s3://${lake}-storage-processed-mock/${c.name}/load_date=\${load_date}/`);
        const curated = one(run, "aws:glue/catalogTable:CatalogTable", `${lake}-catalog-curated-${c.name}`);
        expect((curated.props.partitionKeys as { name: string }[]).map((k) => k.name)).to.deep.equal(c.curatedPartition === undefined ? [] : [c.curatedPartition.name]);
        expect((curated.props.parameters as Record<string, string>)["projection.enabled"]).to.equal(undefined);
        const quarantine = one(run, "aws:glue/catalogTable:CatalogTable", `${lake}-catalog-quarantine-${c.name}`);
        const q = quarantine.props.storageDescriptor as { columns: { name: string; type: string }[] };
        expect(q.columns.map((x) => [x.name, x.type])).to.deep.equal([...c.columns.map((x) => [x.name, "string"]), ...QUARANTINE_EXTRA_COLUMNS.map((x) => [x.name, x.type])]);
        expect(quarantine.props.partitionKeys).to.deep.equal([{ name: "load_date", type: "string" }]);
        const raw = one(run, "aws:glue/catalogTable:CatalogTable", `${lake}-catalog-raw-${c.name}`).props.storageDescriptor as { serDeInfo: { serializationLibrary: string } };
        expect(raw.serDeInfo.serializationLibrary).to.equal("org.apache.hadoop.hive.serde2.OpenCSVSerde");
      }
    });

    it("compiles one Data Quality ruleset per dataset, equal to the CLI's DQDL, on the declared processed table", () => {
      const rulesets = ofType(run, "aws:glue/dataQualityRuleset:DataQualityRuleset");
      expect(rulesets).to.have.length(ruleSets.length);
      for (const ruleSet of ruleSets) {
        const r = one(run, "aws:glue/dataQualityRuleset:DataQualityRuleset", `${lake}-quality-${ruleSet.dataset}`);
        expect(r.props.ruleset).to.equal(compileDqdl(ruleSet, contracts));
        expect(r.props.targetTable).to.deep.equal({ databaseName: names.database("processed"), tableName: ruleSet.dataset });
      }
    });

    it("prepares the Athena verification with the load date as its only parameter", () => {
      for (const s of ofType(run, "aws:athena/preparedStatement:PreparedStatement")) {
        expect(s.props.workgroup).to.equal(names.workgroup);
        expect(countParameters(String(s.props.queryStatement))).to.be.greaterThan(0);
        expect(parameterProblems(String(s.props.queryStatement)), String(s.props.name)).to.deep.equal([]);
        expect(String(s.props.queryStatement)).to.include(names.database("processed"));
      }
    });

    it("defines a valid state machine that references the real jobs, the report function and the alarm topic", () => {
      const machine = one(run, "aws:sfn/stateMachine:StateMachine", `${lake}-orchestration-load`);
      const definition = JSON.parse(String(machine.props.definition)) as Record<string, unknown>;
      expect(aslProblems(definition)).to.deep.equal([]);
      const refs = aslReferences(definition);
      expect([...refs.jobs].sort()).to.deep.equal(ofType(run, "aws:glue/job:Job").map((j) => j.props.name).sort());
      expect([...refs.functions]).to.deep.equal([`arn:aws:lambda:eu-west-1:123456789012:function:${names.reportFunction}`]);
      expect([...refs.topics]).to.have.length(1);
      expect([...refs.topics][0]).to.match(/^arn:aws:sns:/);
      // Transactions reference providers and customers: they transform in a later level.
      expect(referenceLevels(contracts.map((c) => c.name), ruleSets)).to.deep.equal([["customers", "providers"], ["transactions"]]);
      const states = definition.States as Record<string, { Branches?: unknown[] }>;
      expect(states.TransformLevel1!.Branches).to.have.length(2);
      expect(states.TransformLevel2!.Branches).to.have.length(1);
      expect(definition.TimeoutSeconds).to.equal(360 * 60);
    });

    it("deploys the report function bundled from this library, with the model it checks with and a role that may write only reports and locks", () => {
      const fn = one(run, "aws:lambda/function:Function", `${lake}-verification-function`);
      expect(fn.props).to.deep.include({ name: names.reportFunction, runtime: "nodejs22.x", handler: "lambda/quality-report/index.handler", timeout: 900 });
      const env = (fn.props.environment as { variables: Record<string, string> }).variables;
      expect(env).to.deep.include({ LAKE_WORKGROUP: names.workgroup, LAKE_PROCESSED_DATABASE: names.database("processed"), LAKE_CURATED_DATABASE: names.database("curated"), LAKE_TRANSFORM_JOB: names.job("transform") });
      const policyDoc = doc(one(run, "aws:iam/rolePolicy:RolePolicy", `${lake}-verification-policy`), "policy");
      const writes = policyDoc.Statement.filter((s) => [s.Action].flat().includes("s3:PutObject")).flatMap((s) => [s.Resource].flat());
      expect(writes.sort()).to.deep.equal([`arn:aws:s3:::${lake}-storage-athena-results-mock/results/*`, `arn:aws:s3:::${lake}-storage-processed-mock/_locks/*`, `arn:aws:s3:::${lake}-storage-processed-mock/quality/*`].sort());
    });

    it("starts a load when its marker arrives (one execution per load date) and on the schedule, and reports failures to an encrypted topic", () => {
      const arrival = one(run, "aws:cloudwatch/eventRule:EventRule", `${lake}-orchestration-arrival`);
      const pattern = JSON.parse(String(arrival.props.eventPattern));
      expect(pattern.detail.bucket.name).to.deep.equal([`${lake}-storage-raw-mock`]);
      expect(pattern.detail.object.key).to.deep.equal([{ prefix: "_loads/" }]);
      expect(run.outputs.loadMarker).to.equal(`s3://${lake}-storage-raw-mock/_loads/load_date=YYYY-MM-DD`);
      expect(one(run, "aws:cloudwatch/eventRule:EventRule", `${lake}-orchestration-schedule`).props.scheduleExpression).to.equal(config.loadSchedule);
      const alarm = one(run, "aws:cloudwatch/metricAlarm:MetricAlarm", `${lake}-orchestration-timed-out`);
      expect([alarm.props.namespace, alarm.props.metricName]).to.deep.equal(["AWS/States", "ExecutionsTimedOut"]);
      expect(one(run, "aws:sns/topic:Topic", `${lake}-orchestration-alarms`).props.kmsMasterKeyId).to.be.a("string");
      expect(ofType(run, "aws:sns/topicSubscription:TopicSubscription")).to.have.length(config.alarmEmail === undefined ? 0 : 1);
    });

    it("sets the Athena scan cap from the config and enforces the workgroup", () => {
      const wg = one(run, "aws:athena/workgroup:Workgroup", `${lake}-analytics-workgroup`);
      const c = wg.props.configuration as { bytesScannedCutoffPerQuery: number; enforceWorkgroupConfiguration: boolean };
      expect(c.bytesScannedCutoffPerQuery).to.equal(config.athenaBytesScannedCutoffMiB * 1024 * 1024);
      expect(c.enforceWorkgroupConfiguration).to.equal(true);
      expect(ofType(run, "aws:athena/namedQuery:NamedQuery").map((q) => q.props.name)).to.have.members(["energy-sold-by-type", "top-customers-by-consumption", "provider-performance"]);
    });

    it("runs Glue 5 jobs with timeouts, retries and the security configuration from the config", () => {
      for (const job of ofType(run, "aws:glue/job:Job")) {
        expect(job.props).to.include({ glueVersion: "5.0", timeout: config.glueJobTimeoutMinutes, maxRetries: config.glueJobMaxRetries, workerType: config.glueWorkerType, securityConfiguration: config.prefix });
        expect((job.props.defaultArguments as Record<string, string>)["--job-bookmark-option"]).to.equal("job-bookmark-disable");
      }
    });

    it("gives each Glue script every argument it reads, its modules on --extra-py-files", () => {
      for (const [kind, script] of [["transform", "transform.py"], ["curate", "curate.py"]] as const) {
        const source = fs.readFileSync(path.join(PROJECT_ROOT, "glue", script), "utf8");
        const declared = [...(/getResolvedOptions\(sys\.argv, \[([^\]]*)\]/.exec(source)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
        const job = ofType(run, "aws:glue/job:Job").find((j) => j.props.name === names.job(kind))!;
        const given = Object.keys(job.props.defaultArguments as Record<string, string>).map((a) => a.replace(/^--/, ""));
        // JOB_NAME and JOB_RUN_ID come from Glue; dataset and load_date from the state machine.
        const missing = declared.filter((a) => !["JOB_NAME", "JOB_RUN_ID", "dataset", "load_date"].includes(a) && !given.includes(a));
        expect(missing, script).to.deep.equal([]);
        expect(declared.length, script).to.be.greaterThan(4);
        const modules = String((job.props.defaultArguments as Record<string, string>)["--extra-py-files"]).split(",");
        expect(modules.map((m) => m.split("/").pop())).to.deep.equal(["lake_common.py", "lake_csv.py"]);
      }
    });

    it("keeps Redshift private and creates the Spectrum schema idempotently", () => {
      expect(one(run, "aws:redshiftserverless/workgroup:Workgroup", `${lake}-warehouse-workgroup`).props.publiclyAccessible).to.equal(false);
      expect(one(run, "aws:redshiftserverless/namespace:Namespace", `${lake}-warehouse-namespace`).props.manageAdminPassword).to.equal(true);
      const sql = String(one(run, "aws:redshiftdata/statement:Statement", `${lake}-warehouse-spectrum-schema`).props.sql);
      expect(sql).to.equal(`CREATE EXTERNAL SCHEMA IF NOT EXISTS lake_curated FROM DATA CATALOG DATABASE '${names.database("curated")}' IAM_ROLE 'arn:aws:iam::123456789012:role/${lake}-warehouse-role-mock' REGION 'eu-west-1'`);
    });

    it("tags PII columns pii in every layer with the singular ResourceLfTag", () => {
      expect(ofType(run, "aws:lakeformation/resourceLfTags:ResourceLfTags")).to.deep.equal([]);
      const columnTags = ofType(run, "aws:lakeformation/resourceLfTag:ResourceLfTag").filter((r) => r.props.tableWithColumns !== undefined);
      const customers = columnTags.filter((r) => (r.props.tableWithColumns as { name: string }).name === "customers");
      expect(customers).to.have.length(LAYERS.length);
      for (const r of customers) {
        const { databaseName, columnNames } = r.props.tableWithColumns as { databaseName: string; columnNames: string[] };
        const quarantine = databaseName === names.database("quarantine");
        expect(columnNames).to.have.members(["id_number", "customer_name", ...(quarantine ? ["_reason", "_raw_line"] : [])]);
        expect(r.props.lfTag).to.deep.equal({ key: `${lake}-sensitivity`, value: "pii" });
      }
    });

    it("applies every Lake Formation change one after the other (concurrent grants fail)", () => {
      const lf = run.resources.filter((r) => r.type.startsWith("aws:lakeformation/"));
      const isLf = (id: { type: string }): boolean => id.type.startsWith("aws:lakeformation/");
      const heads = lf.filter((r) => !r.dependsOn.some(isLf));
      expect(heads).to.have.length(1);
      // Walk the chain from its head: each step is the one LF resource depending on the previous.
      const order = [heads[0]!];
      for (;;) {
        const last = order[order.length - 1]!;
        const next = lf.filter((r) => r.dependsOn.some((d) => d.type === last.type && d.name === last.name));
        expect(next.length).to.be.at.most(1, `${last.name} is followed by ${next.map((n) => n.name).join(", ")}`);
        if (next.length === 0) break;
        order.push(next[0]!);
      }
      expect(order).to.have.length(lf.length);
      expect(order[0]!.type).to.equal(config.manageLakeFormationSettings ? "aws:lakeformation/dataLakeSettings:DataLakeSettings" : "aws:lakeformation/resource:Resource");
      expect(order[order.length - 1]!.type).to.equal("aws:lakeformation/permissions:Permissions");
    });

    it("creates each crawler queue and its policy before the bucket notification and the crawler", () => {
      for (const layer of LAYERS) {
        const policy = { type: "aws:sqs/queuePolicy:QueuePolicy", name: `${lake}-catalog-${layer}-events-policy` };
        expect(one(run, "aws:s3/bucketNotification:BucketNotification", `${lake}-catalog-${layer}-notifications`).dependsOn).to.deep.include(policy);
        expect(one(run, "aws:glue/crawler:Crawler", `${lake}-catalog-${layer}-crawler`).dependsOn).to.deep.include(policy);
      }
    });

    it("grants analysts curated, non-PII data only, and engineers everything", () => {
      const grants = ofType(run, "aws:lakeformation/permissions:Permissions");
      const analystTable = one(run, "aws:lakeformation/permissions:Permissions", `${lake}-governance-grant-analyst-table`);
      expect(analystTable.props.principal).to.equal(`arn:aws:iam::123456789012:role/${lake}-analyst`);
      expect(analystTable.props.permissions).to.deep.equal(["SELECT", "DESCRIBE"]);
      expect(analystTable.props.lfTagPolicy).to.deep.equal({
        resourceType: "TABLE",
        expressions: [
          { key: `${lake}-layer`, values: ["curated"] },
          { key: `${lake}-sensitivity`, values: ["internal"] },
        ],
      });
      const engineer = one(run, "aws:lakeformation/permissions:Permissions", `${lake}-governance-grant-engineer-table`);
      expect((engineer.props.lfTagPolicy as { expressions: { values: string[] }[] }).expressions[1]!.values).to.deep.equal(["internal", "pii"]);
      expect(grants.every((g) => !JSON.stringify(g.props.permissions).includes("ALL"))).to.equal(true);
    });

    it(stack === "prod" ? "owns the Lake Formation settings and revokes IAMAllowedPrincipals" : "leaves the account's Lake Formation settings to the stack that owns them", () => {
      const settings = ofType(run, "aws:lakeformation/dataLakeSettings:DataLakeSettings");
      if (!config.manageLakeFormationSettings) {
        expect(settings).to.deep.equal([]);
      } else {
        expect(settings).to.have.length(1);
        expect(settings[0]!.props).to.deep.include({ admins: config.lakeFormationAdmins, createDatabaseDefaultPermissions: [], createTableDefaultPermissions: [] });
      }
    });

    it("exports every name and ARN the CLI needs", () => {
      const o = run.outputs as Record<string, Record<string, string> | string>;
      expect(Object.keys(o.buckets as object)).to.have.members([...LAYERS, "athena-results", "artifacts", "access-logs"]);
      expect(o.databases).to.deep.equal(Object.fromEntries(LAYERS.map((l) => [l, names.database(l)])));
      expect(o.athenaWorkgroup).to.equal(names.workgroup);
      expect(o.stateMachineArn).to.match(/^arn:aws:states:eu-west-1:123456789012:stateMachine:/);
      expect(o.redshift).to.include({ namespace: names.redshiftNamespace, workgroup: names.redshiftWorkgroup, externalSchema: "lake_curated" });
      expect(Object.keys(o.roles as object)).to.include.members(["engineer", "analyst", "auditor"]);
      const principals = run.outputs.accessPrincipals as Record<string, string[]>;
      expect(principals.analyst).to.deep.equal([`arn:aws:iam::123456789012:role/${lake}-analyst`]);
      expect(principals.pipeline).to.have.length(2);
      expect(principals.orchestration).to.deep.equal([`arn:aws:iam::123456789012:role/${lake}-verification-role-mock`]);
      expect(run.outputs.lfTagKeys).to.deep.equal({ layer: `${lake}-layer`, sensitivity: `${lake}-sensitivity` });
    });
  });
}

describe("dev and prod in one account", () => {
  it("share no physical name", async function () {
    this.timeout(120_000);
    // Tables live in a database and named queries in a workgroup: their identity includes it.
    const scope = (r: RecordedResource): string => String(r.props.databaseName ?? r.props.workgroup ?? "");
    const physical = (run: MockRun): string[] =>
      run.resources.filter((r) => r.custom && typeof r.props.name === "string").map((r) => `${r.type}:${scope(r)}/${String(r.props.name)}`);
    const dev = new Set(physical(await mockRun("dev")));
    const clashes = physical(await mockRun("prod")).filter((n) => dev.has(n));
    expect(clashes).to.deep.equal([]);
  });
});
