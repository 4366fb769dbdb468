import { expect } from "chai";
import { LakeInputError } from "../../src/errors";
import { catalogActions, personaWorkgroup } from "../../src/aws/governance-plan";
import { PolicyDocument, PolicyStatement } from "../../src/aws/iam";
import { MOCK_ACCOUNT_ID, MockRun, RecordedResource, runLakeUnderMocks } from "../../src/aws/mock-run";
import { LAYERS, lakeNames, PERSONA_ROLES } from "../../src/aws/naming";
import { mockRun, ofType, one, queuedRun, stackConfig, STACKS } from "./stacks";

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

/** The statements of every inline policy attached to a role, found through the mocks' ids. */
function statementsOf(run: MockRun, role: RecordedResource): PolicyStatement[] {
  return ofType(run, ROLE_POLICY)
    .filter((p) => p.props.role === role.id)
    .flatMap((p) => (JSON.parse(String(p.props.policy)) as PolicyDocument).Statement);
}

const allows = (statements: readonly PolicyStatement[], action: string, resource: string): boolean =>
  statements.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => a === action || a === "s3:*" || a === "*") && list(s.Resource).some((r) => r === "*" || (r.endsWith("*") ? resource.startsWith(r.slice(0, -1)) : r === resource)));

for (const stack of STACKS) {
  describe(`governance of the ${stack} stack under mocks`, () => {
    const config = stackConfig(stack);
    const names = lakeNames(config.prefix);
    const lake = config.prefix;
    let run: MockRun;
    before(async function () {
      this.timeout(120_000);
      run = await mockRun(stack);
    });

    it("creates every Glue database with no default table permissions, after the settings when the stack owns them", () => {
      const databases = ofType(run, "aws:glue/catalogDatabase:CatalogDatabase");
      expect(databases).to.have.length(LAYERS.length);
      const settings = ofType(run, "aws:lakeformation/dataLakeSettings:DataLakeSettings");
      for (const db of databases) {
        expect(db.props.createTableDefaultPermissions, db.name).to.deep.equal([]);
        if (config.manageLakeFormationSettings) expect(db.dependsOn).to.deep.include({ type: settings[0]!.type, name: settings[0]!.name });
      }
      if (config.manageLakeFormationSettings) {
        expect(settings[0]!.props).to.deep.include({ createDatabaseDefaultPermissions: [], createTableDefaultPermissions: [] });
        expect(settings[0]!.props.readOnlyAdmins).to.deep.equal([`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${lake}-auditor`]);
      } else {
        expect(settings).to.deep.equal([]);
      }
    });

    it("gives no persona, the warehouse or the ingestion role an S3 read of any layer", () => {
      const layerBuckets = LAYERS.map((l) => String(one(run, "aws:s3/bucket:Bucket", `${lake}-storage-${l}`).state.bucket));
      const roles = [...PERSONA_ROLES.map((p) => `${lake}-access-${p}`), `${lake}-access-ingestion`, `${lake}-warehouse-role`].map((n) => one(run, ROLE, n));
      for (const role of roles) {
        const statements = statementsOf(run, role);
        expect(statements.length, role.name).to.be.greaterThan(0);
        for (const bucket of layerBuckets) {
          for (const action of ["s3:GetObject", "s3:GetObjectVersion"]) expect(allows(statements, action, `arn:aws:s3:::${bucket}/customers/x.parquet`), `${role.name} ${action} ${bucket}`).to.equal(false);
        }
      }
    });

    it("lets every role that reads through Lake Formation get its data from it (lakeformation:GetDataAccess)", () => {
      const readers = [...PERSONA_ROLES.map((p) => `${lake}-access-${p}`), `${lake}-warehouse-role`, `${lake}-processing-role`, `${lake}-verification-role`];
      for (const name of readers) expect(allows(statementsOf(run, one(run, ROLE, name)), "lakeformation:GetDataAccess", "*"), name).to.equal(true);
      expect(allows(statementsOf(run, one(run, ROLE, `${lake}-access-ingestion`)), "lakeformation:GetDataAccess", "*"), "the ingestion role reads nothing").to.equal(false);
    });

    it("lets the ingestion role upload to raw, encrypted, and nothing else", () => {
      const raw = String(one(run, "aws:s3/bucket:Bucket", `${lake}-storage-raw`).state.bucket);
      const statements = statementsOf(run, one(run, ROLE, `${lake}-access-ingestion`));
      expect(allows(statements, "s3:PutObject", `arn:aws:s3:::${raw}/customers/load_date=2026-01-05/clientes.csv`)).to.equal(true);
      expect(statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith("s3:"))).to.have.members(["s3:ListBucket", "s3:GetBucketLocation", "s3:PutObject", "s3:AbortMultipartUpload"]);
    });

    it("gives each persona's IAM exactly the Glue calls its grants are used through, on its layers only", () => {
      for (const persona of PERSONA_ROLES) {
        const statement = statementsOf(run, one(run, ROLE, `${lake}-access-${persona}`)).find((s) => s.Sid === "CatalogOfItsLayers")!;
        expect(list(statement.Action).sort()).to.deep.equal(catalogActions(persona));
        const databases = list(statement.Resource).filter((r) => r.includes(":database/")).map((r) => r.split("/").pop());
        expect(databases).to.have.members(persona === "analyst" ? [names.database("curated")] : LAYERS.map((l) => names.database(l)));
      }
      expect(catalogActions("engineer")).to.include.members(["glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition"]);
      expect(catalogActions("analyst")).to.not.include("glue:UpdateTable");
    });

    it("keeps each persona that may not read PII in a workgroup and results prefix of its own", () => {
      const results = String(one(run, "aws:s3/bucket:Bucket", `${lake}-storage-athena-results`).state.bucket);
      for (const persona of ["analyst", "auditor"] as const) {
        const wg = one(run, "aws:athena/workgroup:Workgroup", `${lake}-analytics-${persona}-workgroup`);
        expect(wg.props.name).to.equal(`${lake}-${persona}`);
        const location = (wg.props.configuration as { resultConfiguration: { outputLocation: string } }).resultConfiguration.outputLocation;
        expect(location).to.equal(`s3://${results}/${persona}/`);
        const statements = statementsOf(run, one(run, ROLE, `${lake}-access-${persona}`));
        expect(allows(statements, "s3:GetObject", `arn:aws:s3:::${results}/${persona}/q.csv`)).to.equal(true);
        expect(allows(statements, "s3:GetObject", `arn:aws:s3:::${results}/results/q.csv`), `${persona} reads the lake workgroup's results`).to.equal(false);
        expect(allows(statements, "athena:StartQueryExecution", `arn:aws:athena:eu-west-1:${MOCK_ACCOUNT_ID}:workgroup/${names.workgroup}`)).to.equal(false);
      }
      expect(personaWorkgroup("engineer", names)).to.include({ name: names.workgroup, own: false });
      expect((run.outputs.athenaWorkgroups as Record<string, string>).analyst).to.equal(`${lake}-analyst`);
    });

    it("lets only the auditor call the read-only Lake Formation and CloudTrail APIs of lake audit", () => {
      for (const persona of PERSONA_ROLES) {
        const statements = statementsOf(run, one(run, ROLE, `${lake}-access-${persona}`));
        expect(allows(statements, "lakeformation:ListPermissions", "*"), persona).to.equal(persona === "auditor");
        expect(allows(statements, "lakeformation:GrantPermissions", "*")).to.equal(false);
      }
    });

    it("replaces every LF-tag assignment with the database or table it is on", () => {
      const tags = ofType(run, "aws:lakeformation/resourceLfTag:ResourceLfTag");
      for (const tag of tags) {
        const target = (tag.props.database as { name: string } | undefined)?.name ?? (tag.props.table ?? tag.props.tableWithColumns) as { databaseName: string; name: string };
        expect(tag.replaceWith, tag.name).to.have.length(1);
        const replaced = run.resources.find((r) => r.type === tag.replaceWith[0]!.type && r.name === tag.replaceWith[0]!.name)!;
        if (typeof target === "string") expect([replaced.type, replaced.props.name]).to.deep.equal(["aws:glue/catalogDatabase:CatalogDatabase", target]);
        else expect([replaced.type, replaced.props.databaseName, replaced.props.name]).to.deep.equal(["aws:glue/catalogTable:CatalogTable", target.databaseName, target.name]);
      }
    });

    it("lets log delivery decrypt the state machine's execution data, for that state machine only", () => {
      const policy = JSON.parse(String(one(run, "aws:kms/key:Key", `${lake}-storage-key`).props.policy)) as PolicyDocument;
      const delivery = policy.Statement.find((s) => s.Sid === "StateMachineLogDelivery")!;
      expect(delivery.Principal).to.deep.equal({ Service: "delivery.logs.amazonaws.com" });
      expect(delivery.Condition).to.deep.equal({ StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": `arn:aws:states:eu-west-1:${MOCK_ACCOUNT_ID}:stateMachine:${names.stateMachine}` } });
      expect(one(run, "aws:sfn/stateMachine:StateMachine", `${lake}-orchestration-load`).props.name).to.equal(names.stateMachine);
    });

    it(config.production ? "protects the data buckets, the key and the settings, and keeps them on delete" : "protects nothing (a dev stack can be destroyed)", () => {
      const data = [...LAYERS, "access-logs"].map((b) => one(run, "aws:s3/bucket:Bucket", `${lake}-storage-${b}`));
      const kept = [...data, one(run, "aws:kms/key:Key", `${lake}-storage-key`), ...ofType(run, "aws:lakeformation/dataLakeSettings:DataLakeSettings")];
      for (const r of kept) expect([r.name, r.protect, r.retainOnDelete]).to.deep.equal([r.name, config.production, config.production]);
      for (const b of ["athena-results", "artifacts"]) expect(one(run, "aws:s3/bucket:Bucket", `${lake}-storage-${b}`).protect).to.equal(false);
    });

    it(config.production ? "runs the Redshift workgroup in the private subnets from config" : "runs the Redshift workgroup where the config says (the default VPC when it says nothing)", () => {
      const wg = one(run, "aws:redshiftserverless/workgroup:Workgroup", `${lake}-warehouse-workgroup`);
      if (config.production) {
        expect(wg.props.subnetIds).to.deep.equal(config.redshiftSubnetIds).and.have.length(3);
        expect(wg.props.securityGroupIds).to.deep.equal(config.redshiftSecurityGroupIds);
      } else {
        expect(wg.props.subnetIds).to.equal(undefined);
      }
    });
  });
}

describe("deploying the lake (deployLake)", () => {
  it("refuses, before creating anything, an admin list without the deploying identity", async function () {
    this.timeout(120_000);
    const config = { ...stackConfig("prod"), lakeFormationAdmins: [`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/SomeoneElse`] };
    const failure = await queuedRun(() => runLakeUnderMocks(config).then(() => undefined, (e: unknown) => e));
    expect(failure).to.be.instanceOf(LakeInputError);
    expect((failure as LakeInputError).message).to.include("cannot be deployed by arn:aws:iam::123456789012:role/energy-lake-deployer");
    expect((failure as LakeInputError).problems[0]).to.include("pulumi config set energy-lake:lakeFormationAdmins");
  });
});
