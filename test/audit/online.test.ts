import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { declaredLake, DeclaredLake } from "../../src/audit/declared";
import { observeMockRun } from "../../src/audit/offline";
import { dataAccessOf, onlineAudit } from "../../src/audit/online";
import { AuditReport, ViolationKind } from "../../src/audit/types";
import { validateAudit } from "../../src/audit/validate";
import { MOCK_ACCOUNT_ID, MOCK_DEPLOYER_ROLE_ARN } from "../../src/aws/mock-run";
import { StackOutputs, formatStackOutputs } from "../../src/aws/stack-outputs";
import { LakeInputError } from "../../src/errors";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { FakeAwsError, fakeEndpointEnv, useFakeEndpoints } from "../support/fake-aws";
import { FakeCloudTrail, FakeLakeFormation, FakeLakeFormationState, fakeLakeBuckets, getDataAccessEvent, Pair, stateFrom } from "../support/fake-lakeformation";
import { FakeS3 } from "../support/fake-s3";
import { tempDir } from "../support/lake";
import { mockRun } from "../pulumi/stacks";

const contracts = loadContracts();
const P = "energy-lake-prod";
const db = (layer: string): string => `energy_lake_prod_${layer}`;
const role = (name: string): string => `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`;
const count = (r: AuditReport): Partial<Record<ViolationKind, number>> => r.summary.by_kind;

describe("lake audit --stack-outputs, against Lake Formation over the wire", function () {
  this.timeout(120_000);
  let outputs: StackOutputs;
  let outputsFile: string;
  let declared: DeclaredLake;
  let deployed: FakeLakeFormationState;
  let lf: FakeLakeFormation;
  let restore: () => void;
  let s3: FakeS3;
  const auditors = (): string[] => (declared.admins.readOnlyAdmins as string[]).slice();

  before(async () => {
    const run = await mockRun("prod");
    outputsFile = path.join(tempDir("audit-online"), "prod-outputs.json");
    fs.writeFileSync(outputsFile, formatStackOutputs(run.outputs));
    outputs = StackOutputs.read(outputsFile);
    declared = declaredLake(outputs, contracts);
    const observed = observeMockRun(run, declared);
    deployed = stateFrom(observed, MOCK_ACCOUNT_ID, { admins: [MOCK_DEPLOYER_ROLE_ARN], readOnlyAdmins: auditors() });
    s3 = await fakeLakeBuckets(observed);
  });
  after(async () => s3?.close());

  /** A fresh fake (two items a page, so every list is paged) with the deployed state, changed by `seed`. */
  async function startFake(seed: (s: FakeLakeFormationState) => void = () => undefined, refuse?: (operation: string) => FakeAwsError | undefined): Promise<string> {
    const state = JSON.parse(JSON.stringify(deployed)) as FakeLakeFormationState;
    seed(state);
    lf = new FakeLakeFormation(state, { pageSize: 2, refuse });
    return lf.start();
  }
  afterEach(async () => {
    restore?.();
    await lf?.close();
  });

  it("finds a lake deployed as declared clean, reading every list to its last page", async () => {
    restore = useFakeEndpoints({ s3: s3.endpoint, lakeformation: await startFake() });
    const report = await onlineAudit(outputs, contracts);
    expect(report.violations).to.deep.equal([]);
    expect(report.source).to.equal("online");
    expect(validateAudit(JSON.parse(JSON.stringify(report)))).to.deep.equal([]);
    const pages = lf.server.callsOf("ListPermissions").filter((c) => c.input.ResourceType === "LF_TAG_POLICY_TABLE");
    expect(pages.length).to.be.greaterThan(3);
    expect(pages.slice(1).every((c) => typeof c.input.NextToken === "string")).to.equal(true);
    expect(new Set(lf.server.callsOf("ListPermissions").map((c) => c.input.ResourceType))).to.have.length(8);
    expect(lf.server.callsOf("SearchTablesByLFTags").length).to.be.greaterThan(1);
    expect(report.grants).to.have.length(deployed.PrincipalResourcePermissions.length);
  });

  it("expands the tag-expression grants into who can read what: analysts see curated without its PII columns", async () => {
    restore = useFakeEndpoints({ s3: s3.endpoint, lakeformation: await startFake() });
    const report = await onlineAudit(outputs, contracts);
    const analyst = report.access.filter((a) => a.role === "analyst");
    expect(analyst.filter((a) => a.read).every((a) => a.layer === "curated" && !a.pii)).to.equal(true);
    const customers = analyst.filter((a) => a.layer === "curated" && a.dataset === "customers");
    expect(customers.filter((a) => !a.read).map((a) => a.column).sort()).to.deep.equal(["customer_name", "id_number"]);
    expect(report.access.filter((a) => a.role === "engineer" && a.pii).every((a) => a.read)).to.equal(true);
  });

  it("detects each kind of violation once it is seeded, with its fix", async () => {
    const someone = role("contractor");
    const curatedBucket = outputs.entry("bucketArns", "curated");
    restore = useFakeEndpoints({
      s3: s3.endpoint,
      lakeformation: await startFake((s) => {
        const permissions = s.PrincipalResourcePermissions;
        // missing-grant: the warehouse's table grant is gone.
        s.PrincipalResourcePermissions = permissions.filter((p) => !(
          (p.Principal as { DataLakePrincipalIdentifier: string }).DataLakePrincipalIdentifier === role(`${P}-warehouse-role-mock`) && JSON.stringify(p.Resource).includes('"ResourceType":"TABLE"')
        ));
        const grant = (principal: string, resource: Record<string, unknown>, perms: string[], extra: Record<string, unknown> = {}) =>
          s.PrincipalResourcePermissions.push({ Principal: { DataLakePrincipalIdentifier: principal }, Resource: resource, Permissions: perms, PermissionsWithGrantOption: [], ...extra });
        // extra-grant, column wildcard with excluded columns: every curated customers column but the PII ones (reads no PII).
        grant(role(`${P}-analyst`), { TableWithColumns: { CatalogId: MOCK_ACCOUNT_ID, DatabaseName: db("curated"), Name: "customers", ColumnWildcard: { ExcludedColumnNames: ["id_number", "customer_name"] } } }, ["SELECT"]);
        // undeclared-principal + pii-exposure: a contractor with every column but id_number.
        grant(someone, { TableWithColumns: { DatabaseName: db("processed"), Name: "customers", ColumnWildcard: { ExcludedColumnNames: ["id_number"] } } }, ["SELECT"]);
        // iam-allowed-principals: IAMAllowedPrincipals kept on a table (auditors, analysts... all read its PII).
        grant("IAM_ALLOWED_PRINCIPALS", { Table: { DatabaseName: db("raw"), Name: "customers" } }, ["ALL"]);
        // data-location-grant: the analyst could create a table of its own over curated.
        grant(role(`${P}-analyst`), { DataLocation: { ResourceArn: curatedBucket } }, ["DATA_LOCATION_ACCESS"]);
        // cross-account-share: a share of the curated database with another account, through RAM.
        grant("210987654321", { Database: { Name: db("curated") } }, ["DESCRIBE"], { AdditionalDetails: { ResourceShare: ["arn:aws:ram:eu-west-1:123456789012:resource-share/abc"] } });
        // A saved expression granted to the auditor: raw PII columns (an extra grant that exposes PII).
        s.Expressions.push({ Name: "raw-pii", Expression: [{ TagKey: `${P}-layer`, TagValues: ["raw"] }, { TagKey: `${P}-sensitivity`, TagValues: ["pii"] }] });
        grant(role(`${P}-auditor`), { LFTagPolicy: { CatalogId: MOCK_ACCOUNT_ID, ResourceType: "TABLE", ExpressionName: "raw-pii" } }, ["SELECT"]);
        // unregistered-location: the quarantine bucket is not registered.
        s.ResourceInfoList = s.ResourceInfoList.filter((r) => !String(r.ResourceArn).includes("quarantine"));
        // undeclared-admin: someone made themselves an administrator.
        (s.DataLakeSettings.DataLakeAdmins as { DataLakePrincipalIdentifier: string }[]).push({ DataLakePrincipalIdentifier: role("intruder") });
        // tag-drift (+ pii-exposure): a PII column of curated is retagged internal.
        const table = (database: string, name: string) => s.Tables.find((t) => t.DatabaseName === database && t.Name === name)!;
        table(db("curated"), "customers").Columns.find((c) => c.Name === "customer_name")!.LFTags = [{ TagKey: `${P}-sensitivity`, TagValues: ["internal"] }];
        // undeclared-table: a crawler created a table; it has only the database's layer tag.
        s.Tables.push({ DatabaseName: db("raw"), Name: "clientes_csv", LFTags: [], Columns: [{ Name: "nombre", LFTags: [] as Pair[] }] });
      }),
    });
    const report = await onlineAudit(outputs, contracts);
    expect(count(report)).to.deep.equal({
      "missing-grant": 1,
      "extra-grant": 2, // the column wildcard (reads no PII) and the saved expression (reads PII)
      "undeclared-principal": 1,
      "iam-allowed-principals": 1,
      "unregistered-location": 1,
      "data-location-grant": 1,
      "undeclared-admin": 1,
      "cross-account-share": 1,
      "tag-drift": 1,
      "undeclared-table": 1,
      "pii-exposure": 7,
    });
    const exposures = report.violations.filter((v) => v.kind === "pii-exposure").map((v) => `${v.role} ${/ of (\S+) through/.exec(v.message)![1]}`);
    expect(exposures.sort()).to.deep.equal([
      `analyst ${db("curated")}.customers`, // customer_name retagged internal
      `analyst ${db("raw")}.customers`, // IAMAllowedPrincipals
      `auditor ${db("curated")}.customers`,
      `auditor ${db("raw")}.customers`, // IAMAllowedPrincipals and the saved expression
      `undeclared ${db("processed")}.customers`, // the contractor's column wildcard
      `undeclared ${db("raw")}.customers`, // IAMAllowedPrincipals reaches the contractor too
      `warehouse ${db("raw")}.customers`, // (not curated: its table grant is the missing one)
    ]);
    const auditorRaw = report.violations.find((v) => v.kind === "pii-exposure" && v.role === "auditor" && v.message.includes(db("raw")))!;
    expect(auditorRaw.message).to.include("expression raw-pii");
    // The analyst's column wildcard adds reads, none of them PII.
    const wildcard = report.grants.find((g) => g.resource.kind === "column-wildcard" && g.role === "analyst")!;
    expect(wildcard.description).to.equal(`every column of ${db("curated")}.customers except id_number, customer_name`);
    const viaWildcard = report.access.filter((a) => a.grants.includes(wildcard.id));
    expect(viaWildcard.length).to.be.greaterThan(5);
    expect(viaWildcard.filter((a) => a.pii && a.column !== "customer_name")).to.deep.equal([]);
    // The crawler's table is readable only through IAMAllowedPrincipals-free paths: nobody.
    expect(report.access.filter((a) => a.table === "clientes_csv" && a.read)).to.deep.equal([]);
    const fix = (kind: ViolationKind) => report.violations.find((v) => v.kind === kind)!.fix;
    expect(fix("iam-allowed-principals")).to.equal(`revoke it: aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --permissions ALL --resource '{"Table":{"DatabaseName":"${db("raw")}","Name":"customers"}}'`);
    expect(fix("unregistered-location")).to.include("aws lakeformation register-resource --resource-arn").and.include("--no-hybrid-access-enabled");
    expect(fix("missing-grant")).to.include("aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier=");
    expect(report.violations.find((v) => v.kind === "tag-drift")!.message).to.equal(`the column customer_name of ${db("curated")}.customers is tagged ${P}-sensitivity=internal; the model tags it pii`);
    expect(validateAudit(JSON.parse(JSON.stringify(report)))).to.deep.equal([]);
  });

  it("reads the layer buckets' policies and public access blocks from S3: a bucket policy letting a persona read objects is a path around the grants", async () => {
    const curated = outputs.entry("bucketArns", "curated").replace("arn:aws:s3:::", "");
    const raw = outputs.entry("bucketArns", "raw").replace("arn:aws:s3:::", "");
    const policy = JSON.parse(s3.policies.get(curated)!) as { Statement: object[] };
    const savedPolicy = s3.policies.get(curated)!;
    const savedBlock = s3.publicAccessBlocks.get(raw)!;
    try {
      policy.Statement.push({ Sid: "Analysts", Effect: "Allow", Principal: { AWS: role(`${P}-analyst`) }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${curated}/*` });
      s3.policies.set(curated, JSON.stringify(policy));
      s3.publicAccessBlocks.set(raw, { ...savedBlock, BlockPublicPolicy: false });
      restore = useFakeEndpoints({ s3: s3.endpoint, lakeformation: await startFake() });
      const report = await onlineAudit(outputs, contracts);
      expect(report.violations.map((v) => [v.kind, v.message])).to.deep.equal([
        ["direct-s3-read", `the raw bucket ${raw} does not set blockPublicPolicy: a public policy or ACL could open its objects`],
        ["direct-s3-read", `the curated bucket ${curated}'s policy (GetBucketPolicy, statement Analysts) lets ${role(`${P}-analyst`)} read its objects from S3: Lake Formation's column grants do not apply there`],
      ]);
      expect(s3.requests.filter((r) => r.method === "GET" && r.key === "").map((r) => r.bucket)).to.include.members([curated, raw]);
    } finally {
      s3.policies.set(curated, savedPolicy);
      s3.publicAccessBlocks.set(raw, savedBlock);
    }
  });

  it("expands grants to the account's AllIAMPrincipals group and catalog super users to the principals they reach", async () => {
    const contractor = role("contractor");
    const condition = 'context.iam.principalTags.hasTag("department")';
    restore = useFakeEndpoints({
      s3: s3.endpoint,
      lakeformation: await startFake((s) => {
        const grant = (principal: string, resource: Record<string, unknown>, perms: string[], extra: Record<string, unknown> = {}) =>
          s.PrincipalResourcePermissions.push({ Principal: { DataLakePrincipalIdentifier: principal }, Resource: resource, Permissions: perms, PermissionsWithGrantOption: [], ...extra });
        // Every IAM principal of the account, on a condition: the analysts, auditors and the warehouse among them.
        grant(`${MOCK_ACCOUNT_ID}:IAMPrincipals`, { TableWithColumns: { CatalogId: MOCK_ACCOUNT_ID, DatabaseName: db("curated"), Name: "customers", ColumnNames: ["customer_name"] } }, ["SELECT"], { Condition: { Expression: condition } });
        // Super user of the catalog: every column of every table.
        grant(contractor, { Catalog: {} }, ["SUPER_USER"]);
        // Another account's IAM principals: a share, not a group of ours.
        grant("210987654321:IAMPrincipals", { Database: { CatalogId: MOCK_ACCOUNT_ID, Name: db("curated") } }, ["DESCRIBE"]);
      }),
    });
    const report = await onlineAudit(outputs, contracts);
    expect(count(report)).to.deep.include({ "undeclared-principal": 2, "cross-account-share": 1 });
    const group = report.grants.find((g) => g.principal === `${MOCK_ACCOUNT_ID}:IAMPrincipals`)!;
    expect(group).to.include({ role: "AllIAMPrincipals", condition, description: `columns customer_name of ${db("curated")}.customers when ${condition}` });
    expect(report.violations.find((v) => v.grant === group.id && v.kind === "undeclared-principal")!.message).to.include(`every IAM principal of account ${MOCK_ACCOUNT_ID}`).and.include("the model grants nothing to the whole account");
    // The group is no row of its own: its grant shows in the rows of every IAM principal it reaches.
    expect(report.access.some((a) => a.principal === group.principal)).to.equal(false);
    const nameReaders = report.access.filter((a) => a.database === db("curated") && a.table === "customers" && a.column === "customer_name" && a.grants.includes(group.id));
    expect(new Set(nameReaders.map((a) => a.role))).to.deep.equal(new Set(["engineer", "analyst", "auditor", "pipeline", "orchestration", "warehouse", "undeclared"]));
    const exposed = report.violations.filter((v) => v.kind === "pii-exposure" && v.grant === group.id).map((v) => v.role).sort();
    expect(exposed).to.deep.equal(["analyst", "auditor", "warehouse"]);
    // The super user reads every column of every lake table, PII included.
    const superUser = report.access.filter((a) => a.principal === contractor);
    expect(superUser.length).to.be.greaterThan(50);
    expect(superUser.every((a) => a.read)).to.equal(true);
    expect(report.violations.filter((v) => v.kind === "pii-exposure" && v.principal === contractor).length).to.be.greaterThan(3);
    // Another account's group reaches none of ours.
    expect(report.access.filter((a) => a.grants.includes(report.grants.find((g) => g.principal === "210987654321:IAMPrincipals")!.id))).to.deep.equal([]);
    expect(validateAudit(JSON.parse(JSON.stringify(report)))).to.deep.equal([]);
  });

  it("reads the columns and rows each granted data cells filter lets through, paged, and counts an unknown filter as the whole table", async () => {
    const contractor = role("contractor");
    const filter = (database: string, table: string, name: string, definition: Record<string, unknown>) => ({ TableCatalogId: MOCK_ACCOUNT_ID, DatabaseName: database, TableName: table, Name: name, VersionId: "1", ...definition });
    restore = useFakeEndpoints({
      s3: s3.endpoint,
      lakeformation: await startFake((s) => {
        s.DataCellsFilters.push(
          filter(db("curated"), "customers", "bogota-no-pii", { ColumnWildcard: { ExcludedColumnNames: ["id_number", "customer_name"] }, RowFilter: { FilterExpression: "city = 'Bogota'" } }),
          filter(db("curated"), "customers", "ungranted", { ColumnNames: ["id_number"], RowFilter: { AllRowsWildcard: {} } }),
          filter(db("curated"), "customers", "segments", { ColumnNames: ["customer_id", "segment"], RowFilter: { AllRowsWildcard: {} } }),
          filter(db("processed"), "customers", "names", { ColumnNames: ["customer_id", "customer_name"], RowFilter: { AllRowsWildcard: {} } }),
        );
        const grant = (principal: string, database: string, name: string) =>
          s.PrincipalResourcePermissions.push({ Principal: { DataLakePrincipalIdentifier: principal }, Resource: { DataCellsFilter: { TableCatalogId: MOCK_ACCOUNT_ID, DatabaseName: database, TableName: "customers", Name: name } }, Permissions: ["SELECT"], PermissionsWithGrantOption: [] });
        grant(contractor, db("curated"), "bogota-no-pii"); // every column but the PII ones
        grant(role(`${P}-analyst`), db("processed"), "names"); // customer_name among them
        grant(role(`${P}-auditor`), db("raw"), "deleted"); // a filter that no longer exists
      }),
    });
    const report = await onlineAudit(outputs, contracts);
    const reads = (principal: string, layer: string) =>
      report.access.filter((a) => a.principal === principal && a.layer === layer && a.dataset === "customers" && a.read && a.grants.some((id) => report.grants.find((g) => g.id === id)!.resource.kind === "data-cells-filter")).map((a) => a.column).sort();
    expect(reads(contractor, "curated")).to.deep.equal(["_load_date", "_row", "_source_file", "city", "customer_id", "id_type", "segment"]);
    expect(reads(role(`${P}-analyst`), "processed")).to.deep.equal(["customer_id", "customer_name"]);
    expect(reads(role(`${P}-auditor`), "raw")).to.include("id_number").and.include("customer_name");
    const described = report.grants.filter((g) => g.resource.kind === "data-cells-filter").map((g) => g.description).sort();
    expect(described).to.deep.equal([
      `data cells filter bogota-no-pii on ${db("curated")}.customers (every column except id_number, customer_name; rows where city = 'Bogota')`,
      `data cells filter deleted on ${db("raw")}.customers (definition not found)`,
      `data cells filter names on ${db("processed")}.customers (columns customer_id, customer_name)`,
    ]);
    // The contractor's filter hides the PII: an undeclared principal, but no exposure.
    expect(report.violations.filter((v) => v.principal === contractor).map((v) => v.kind)).to.deep.equal(["undeclared-principal"]);
    const exposures = report.violations.filter((v) => v.kind === "pii-exposure").map((v) => v.message);
    expect(exposures).to.have.length(2);
    expect(exposures.find((m) => m.startsWith("analyst"))).to.include(`the PII column customer_name of ${db("processed")}.customers`);
    expect(exposures.find((m) => m.startsWith("auditor"))).to.include(`of ${db("raw")}.customers`);
    expect(report.notes.join("\n")).to.include(`the data cells filter deleted on ${db("raw")}.customers, which ListDataCellsFilter does not return`);
    // One listing per filtered table, paged to its end.
    const listings = lf.server.callsOf("ListDataCellsFilter");
    expect(listings.filter((c) => (c.input.Table as { DatabaseName: string }).DatabaseName === db("curated")).map((c) => typeof c.input.NextToken)).to.deep.equal(["undefined", "string"]);
    expect(new Set(listings.map((c) => (c.input.Table as { DatabaseName: string }).DatabaseName))).to.deep.equal(new Set([db("curated"), db("processed"), db("raw")]));
    expect(validateAudit(JSON.parse(JSON.stringify(report)))).to.deep.equal([]);
  });
});

describe("lake audit --used-since: who did read PII, from CloudTrail over the wire", function () {
  this.timeout(120_000);
  let outputs: StackOutputs;
  let lf: FakeLakeFormation;
  let trail: FakeCloudTrail;
  let s3: FakeS3;
  let restore: () => void;
  const table = (layer: string, name: string) => `arn:aws:glue:eu-west-1:${MOCK_ACCOUNT_ID}:table/${db(layer)}/${name}`;

  before(async () => {
    const run = await mockRun("prod");
    outputs = StackOutputs.parse("prod outputs", JSON.stringify(run.outputs));
    const declared = declaredLake(outputs, contracts);
    s3 = await fakeLakeBuckets(observeMockRun(run, declared));
    lf = new FakeLakeFormation(stateFrom(observeMockRun(run, declared), MOCK_ACCOUNT_ID, { admins: [MOCK_DEPLOYER_ROLE_ARN], readOnlyAdmins: [...declared.admins.readOnlyAdmins] }), { pageSize: 3 });
    const event = (id: string, time: string, principal: string, tableArn: string | undefined, service: string, errorCode?: string) => getDataAccessEvent({ id, time, principal, tableArn, service, errorCode });
    trail = new FakeCloudTrail(
      [
        event("e1", "2026-11-20T09:00:00Z", role(`${P}-engineer`), table("curated", "customers"), "ATHENA"),
        event("e2", "2026-11-21T09:00:00Z", role(`${P}-engineer`), table("curated", "customers"), "ATHENA"),
        event("e3", "2026-11-22T09:00:00Z", role(`${P}-engineer`), table("raw", "customers"), "REDSHIFT"),
        event("e4", "2026-11-22T10:00:00Z", role(`${P}-analyst`), table("curated", "customers"), "ATHENA"), // no PII it may read
        event("e5", "2026-11-23T10:00:00Z", role(`${P}-processing-role-mock`), table("raw", "providers"), "GLUE_JOB"), // no PII in the table
        event("e6", "2026-11-24T10:00:00Z", role(`${P}-analyst`), table("raw", "customers"), "ATHENA", "AccessDeniedException"), // refused: not a read
        event("e7", "2026-11-24T11:00:00Z", role("elsewhere"), `arn:aws:glue:eu-west-1:${MOCK_ACCOUNT_ID}:table/other_db/people`, "ATHENA"), // not the lake
        event("e8", "2026-10-01T11:00:00Z", role(`${P}-engineer`), table("processed", "customers"), "ATHENA"), // before --used-since
        event("e9", "2026-11-25T11:00:00Z", role(`${P}-orchestration-role-mock`), undefined, "STEP_FUNCTIONS"), // names no table
      ],
      2,
    );
    restore = useFakeEndpoints({ s3: s3.endpoint, lakeformation: await lf.start(), cloudtrail: await trail.start() });
  });
  after(async () => {
    restore();
    await lf.close();
    await trail.close();
    await s3.close();
  });

  it("lists the principals that read tables with PII they may read, paged through the event history", async () => {
    const report = await onlineAudit(outputs, contracts, { usedSince: "2026-11-01", now: new Date("2026-12-01T00:00:00Z") });
    expect(report.reads!.since).to.equal("2026-11-01");
    expect(report.reads!.pii.map((r) => [r.role, r.database, r.table, r.events, r.services.join(","), r.first, r.last, r.piiColumns.join(",")])).to.deep.equal([
      ["engineer", db("curated"), "customers", 2, "ATHENA", "2026-11-20T09:00:00Z", "2026-11-21T09:00:00Z", "id_number,customer_name"],
      ["engineer", db("raw"), "customers", 1, "REDSHIFT", "2026-11-22T09:00:00Z", "2026-11-22T09:00:00Z", "id_number,customer_name"],
    ]);
    const lookups = trail.server.callsOf("LookupEvents");
    expect(lookups.length).to.be.greaterThan(2);
    expect(lookups[0]!.input.LookupAttributes).to.deep.equal([{ AttributeKey: "EventName", AttributeValue: "GetDataAccess" }]);
    expect(report.notes.join("\n")).to.include("2 GetDataAccess event(s) named no table, or were refused");
    expect(validateAudit(JSON.parse(JSON.stringify(report)))).to.deep.equal([]);
  });

  it("refuses a date that is not one, or in the future, and notes one older than CloudTrail keeps", async () => {
    const now = new Date("2026-12-01T00:00:00Z");
    for (const bad of ["01/11/2026", "2026-12-02"]) {
      const failure = await onlineAudit(outputs, contracts, { usedSince: bad, now }).then(() => undefined, (e: unknown) => e);
      expect(failure).to.be.instanceOf(LakeInputError);
    }
    const old = await onlineAudit(outputs, contracts, { usedSince: "2026-01-01", now });
    expect(old.notes.join("\n")).to.include("keeps 90 days");
  });
});

describe("lake audit --stack-outputs (the command, a child process against the fakes)", function () {
  this.timeout(120_000);
  const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
  let outputsFile: string;
  let deployed: FakeLakeFormationState;
  let s3: FakeS3;

  before(async () => {
    outputsFile = path.join(tempDir("audit-cli"), "prod.json");
    // The outputs as a user gets them offline: lake plan writes them.
    const plan = spawnSync(lakeBin, ["plan", "--stack", "prod", "--outputs", outputsFile], { encoding: "utf8" });
    expect(plan.status, plan.stderr).to.equal(0);
    const run = await mockRun("prod");
    const declared = declaredLake(StackOutputs.read(outputsFile), contracts);
    deployed = stateFrom(observeMockRun(run, declared), MOCK_ACCOUNT_ID, { admins: [MOCK_DEPLOYER_ROLE_ARN], readOnlyAdmins: [...declared.admins.readOnlyAdmins] });
    s3 = await fakeLakeBuckets(observeMockRun(run, declared));
  });
  after(async () => s3?.close());

  async function audit(state: FakeLakeFormationState, args: string[], refuse?: (operation: string) => FakeAwsError | undefined) {
    const lf = new FakeLakeFormation(state, { pageSize: 5, refuse });
    const endpoint = await lf.start();
    try {
      // spawnSync would block the fake's event loop: run the child asynchronously.
      return await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(lakeBin, ["audit", "--stack-outputs", outputsFile, ...args], { env: fakeEndpointEnv({ lakeformation: endpoint, s3: s3.endpoint }) });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      });
    } finally {
      await lf.close();
    }
  }

  it("exits 0 on the lake as deployed, and prints who can read what", async () => {
    const result = await audit(deployed, []);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include("the grants in force in Lake Formation").and.include("no violations").and.include("Who can read what");
  });

  it("exits 1 on a violation, with JSON that follows the schema", async () => {
    const state = JSON.parse(JSON.stringify(deployed)) as FakeLakeFormationState;
    state.PrincipalResourcePermissions.push({ Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, Resource: { Database: { Name: db("curated") } }, Permissions: ["ALL"], PermissionsWithGrantOption: [] });
    const result = await audit(state, ["--format", "json"]);
    expect(result.status, result.stderr).to.equal(1);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(validateAudit(report)).to.deep.equal([]);
    expect(report.summary.by_kind).to.deep.equal({ "iam-allowed-principals": 1 });
  });

  it("exits 2 when Lake Formation refuses the caller, naming what it needs", async () => {
    const result = await audit(deployed, [], (operation) => (operation === "ListPermissions" ? new FakeAwsError("AccessDeniedException", "Insufficient Lake Formation permission(s)") : undefined));
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include("Lake Formation refused ListPermissions (CATALOG) (AccessDeniedException").and.include("lakeformation:ListPermissions").and.include("read-only administrator");
  });
});

describe("GetDataAccess events (dataAccessOf)", () => {
  it("reads the principal Lake Formation authorized, the table and the service", () => {
    const event = getDataAccessEvent({ id: "1", time: "2026-03-01T10:00:00Z", principal: role("x"), tableArn: "arn:aws:glue:eu-west-1:123456789012:table/db/t", service: "ATHENA" });
    expect(dataAccessOf(String(event.CloudTrailEvent), undefined)).to.deep.equal({ principal: role("x"), database: "db", table: "t", service: "ATHENA", time: "2026-03-01T10:00:00Z" });
    const refused = getDataAccessEvent({ id: "2", time: "2026-03-01T10:00:00Z", principal: role("x"), tableArn: "arn:aws:glue:eu-west-1:123456789012:table/db/t", service: "ATHENA", errorCode: "AccessDeniedException" });
    expect(dataAccessOf(String(refused.CloudTrailEvent), undefined)).to.equal(undefined);
  });
});
