import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { auditMockRun } from "../../src/audit/offline";
import { AuditReport, ViolationKind } from "../../src/audit/types";
import { validateAudit } from "../../src/audit/validate";
import { AUDIT_ACTIONS } from "../../src/aws/governance-plan";
import { MOCK_ACCOUNT_ID, MockRun, RecordedResource, runLakeUnderMocks } from "../../src/aws/mock-run";
import { lakeNames } from "../../src/aws/naming";
import { DEFAULT_CONTRACTS_DIR, loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { tempDir } from "../support/lake";
import { mockRun, queuedRun, stackConfig, STACKS } from "../pulumi/stacks";

const contracts = loadContracts();
/** The kinds found, in the report's order (the order of VIOLATION_KINDS). */
const kinds = (r: AuditReport): ViolationKind[] => [...new Set(r.violations.map((v) => v.kind))];
const piiReadBy = (r: AuditReport, role: string) => r.access.filter((a) => a.role === role && a.read && a.pii);

/** A copy of a run whose resources a test may change. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const copyOf = (run: MockRun): { resources: Mutable<RecordedResource>[]; outputs: Record<string, unknown> } => JSON.parse(JSON.stringify(run)) as { resources: Mutable<RecordedResource>[]; outputs: Record<string, unknown> };

for (const stack of STACKS) {
  describe(`lake audit --offline --stack ${stack}`, () => {
    let run: MockRun;
    let report: AuditReport;
    before(async function () {
      this.timeout(120_000);
      run = await mockRun(stack);
      report = auditMockRun(run, stack, contracts);
    });

    it("finds no violation in what the program deploys", () => {
      expect(report.violations).to.deep.equal([]);
      expect(report.source).to.equal("offline");
      expect(validateAudit(JSON.parse(JSON.stringify(report)))).to.deep.equal([]);
    });

    it("lets no analyst, auditor or warehouse read a PII column, and engineers read them all", () => {
      for (const role of ["analyst", "auditor", "warehouse"]) expect(piiReadBy(report, role), role).to.deep.equal([]);
      const pii = report.access.filter((a) => a.role === "engineer" && a.pii);
      expect(pii.length).to.equal(report.summary.pii_columns);
      expect(pii.every((a) => a.read)).to.equal(true);
      const name = report.access.find((a) => a.role === "analyst" && a.layer === "curated" && a.dataset === "customers" && a.column === "customer_name")!;
      expect(name).to.include({ pii: true, read: false, grant: null });
      const city = report.access.find((a) => a.role === "analyst" && a.layer === "curated" && a.dataset === "customers" && a.column === "city")!;
      expect(city.read).to.equal(true);
      expect(city.grant).to.match(/^g\d+: tables and columns tagged energy-lake-\w+-layer=curated and energy-lake-\w+-sensitivity=internal \(SELECT, DESCRIBE\)$/);
    });

    it("lists every cell of role x layer x dataset x column, with the grant that gives each read", () => {
      const layers = new Set(report.access.map((a) => a.layer));
      expect([...layers].sort()).to.deep.equal(["curated", "processed", "quarantine", "raw"]);
      for (const a of report.access.filter((x) => x.read)) expect(a.grants.length).to.be.greaterThan(0);
      expect(report.grants.every((g) => g.declared)).to.equal(true);
    });
  });
}

describe("a PII column added to a contract, grants unchanged", () => {
  it("stays hidden from analysts, auditors and the warehouse in every layer", async function () {
    this.timeout(120_000);
    const dir = tempDir("contracts");
    fs.cpSync(DEFAULT_CONTRACTS_DIR, dir, { recursive: true });
    const file = path.join(dir, "customers.json");
    const customers = JSON.parse(fs.readFileSync(file, "utf8")) as { columns: object[] };
    customers.columns.push({ name: "email", type: "string", pii: true, description: "contact e-mail" });
    fs.writeFileSync(file, JSON.stringify(customers, null, 2));
    const edited = loadContracts(dir);
    const run = await queuedRun(() => runLakeUnderMocks(stackConfig("dev"), { contracts: edited }));
    const report = auditMockRun(run, "dev", edited);
    expect(report.violations).to.deep.equal([]);
    const email = report.access.filter((a) => a.column === "email");
    expect(email).to.have.length(4 * 7); // every layer, every principal
    expect(email.every((a) => a.pii)).to.equal(true);
    for (const a of email) expect([a.role, a.layer, a.read]).to.deep.equal([a.role, a.layer, ["engineer", "pipeline", "orchestration"].includes(a.role) && (a.role !== "orchestration" || a.layer !== "raw")]);
  });
});

describe("the offline audit finds each kind of violation a change could bring", () => {
  let base: MockRun;
  const lake = "energy-lake-dev";
  const names = lakeNames(lake);
  const analyst = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${lake}-analyst`;
  before(async function () {
    this.timeout(120_000);
    base = await mockRun("dev");
  });

  const audit = (change: (resources: Mutable<RecordedResource>[]) => void): AuditReport => {
    const run = copyOf(base);
    change(run.resources);
    return auditMockRun(run, "dev (changed)", contracts);
  };
  const find = (resources: Mutable<RecordedResource>[], type: string, name: string): Mutable<RecordedResource> => resources.find((r) => r.type === type && r.name === name)!;
  const grant = (name: string, props: Record<string, unknown>): RecordedResource => ({ type: "aws:lakeformation/permissions:Permissions", name, parent: undefined, dependsOn: [], replaceWith: [], protect: false, retainOnDelete: false, custom: true, props, id: `${name}-id`, state: {} });
  const policyOf = (resources: Mutable<RecordedResource>[], role: string): { policy: Mutable<RecordedResource>; doc: { Statement: Record<string, unknown>[] } } => {
    const policy = find(resources, "aws:iam/rolePolicy:RolePolicy", `${lake}-access-${role}-policy`);
    return { policy, doc: JSON.parse(String(policy.props.policy)) as { Statement: Record<string, unknown>[] } };
  };

  it("a PII column tagged internal: tag drift, and analysts and auditors read it", () => {
    const report = audit((resources) => {
      const tag = find(resources, "aws:lakeformation/resourceLfTag:ResourceLfTag", `${lake}-governance-tag-sensitivity-${names.database("curated").replace(/_/g, "-")}-customers-columns`);
      (tag.props.lfTag as { value: string }).value = "internal";
    });
    expect(kinds(report)).to.deep.equal(["tag-drift", "pii-exposure"]);
    expect(piiReadBy(report, "analyst").map((a) => a.column).sort()).to.deep.equal(["customer_name", "id_number"]);
    expect(report.violations.find((v) => v.kind === "pii-exposure" && v.role === "analyst")!.message).to.include("can read the PII columns id_number, customer_name of energy_lake_dev_curated.customers through g");
  });

  it("a grant removed, widened or given to another principal", () => {
    const report = audit((resources) => {
      resources.splice(resources.indexOf(find(resources, "aws:lakeformation/permissions:Permissions", `${lake}-governance-grant-warehouse-table`)), 1);
      (find(resources, "aws:lakeformation/permissions:Permissions", `${lake}-governance-grant-analyst-database`).props.permissions as string[]).push("CREATE_TABLE");
      resources.push(grant("extra-1", { principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/someone`, permissions: ["SELECT"], table: { databaseName: names.database("raw"), name: "providers" } }));
      resources.push(grant("extra-2", { principal: "210987654321", permissions: ["SELECT"], table: { databaseName: names.database("curated"), wildcard: true } }));
      resources.push(grant("extra-3", { principal: analyst, permissions: ["DATA_LOCATION_ACCESS"], dataLocation: { arn: `arn:aws:s3:::${lake}-storage-curated-mock` } }));
      resources.push(grant("extra-4", { principal: "IAM_ALLOWED_PRINCIPALS", permissions: ["ALL"], table: { databaseName: names.database("processed"), name: "customers" } }));
    });
    expect(kinds(report)).to.deep.equal(["missing-grant", "extra-grant", "undeclared-principal", "iam-allowed-principals", "data-location-grant", "cross-account-share", "pii-exposure"]);
    expect(report.violations.find((v) => v.kind === "missing-grant")!.message).to.equal("warehouse (energy-lake-dev-warehouse-role-mock) lacks SELECT, DESCRIBE on tables and columns tagged energy-lake-dev-layer=curated and energy-lake-dev-sensitivity=internal");
    expect(report.violations.find((v) => v.kind === "iam-allowed-principals")!.fix).to.include("aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --permissions ALL");
    // IAMAllowedPrincipals gives every principal the processed customers' PII.
    expect(piiReadBy(report, "auditor").filter((a) => a.layer === "processed").map((a) => a.column).sort()).to.deep.equal(["customer_name", "id_number"]);
  });

  it("a layer bucket's policy letting a persona or anyone read its objects, a public access block off", () => {
    const report = audit((resources) => {
      const policy = find(resources, "aws:s3/bucketPolicy:BucketPolicy", `${lake}-storage-curated-policy`);
      const doc = JSON.parse(String(policy.props.policy)) as { Statement: Record<string, unknown>[] };
      const objects = `arn:aws:s3:::${lake}-storage-curated-mock/*`;
      doc.Statement.push({ Sid: "AnalystsToo", Effect: "Allow", Principal: { AWS: [analyst] }, Action: "s3:GetObject", Resource: objects });
      doc.Statement.push({ Sid: "Everyone", Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: [objects] });
      doc.Statement.push({ Sid: "JobsRead", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${lake}-processing-role-mock` }, Action: "s3:GetObject", Resource: objects });
      policy.props.policy = JSON.stringify(doc);
      (find(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${lake}-storage-raw-public-access`).props as Record<string, unknown>).restrictPublicBuckets = false;
    });
    expect(kinds(report)).to.deep.equal(["direct-s3-read"]);
    expect(report.violations.map((v) => v.message)).to.deep.equal([
      `the raw bucket ${lake}-storage-raw-mock does not set restrictPublicBuckets: a public policy or ACL could open its objects`,
      `the curated bucket ${lake}-storage-curated-mock's policy (${lake}-storage-curated-policy, statement AnalystsToo) lets ${analyst} read its objects from S3: Lake Formation's column grants do not apply there`,
      `the curated bucket ${lake}-storage-curated-mock's policy (${lake}-storage-curated-policy, statement Everyone) lets * read its objects from S3: Lake Formation's column grants do not apply there`,
    ]);
  });

  it("a data cells filter granted: its columns as the program defines them", () => {
    const filter = (name: string, tableData: Record<string, unknown>): RecordedResource => ({ ...grant(name, {}), type: "aws:lakeformation/dataCellsFilter:DataCellsFilter", props: { tableData: { tableCatalogId: MOCK_ACCOUNT_ID, databaseName: names.database("curated"), tableName: "customers", name, ...tableData } } });
    const report = audit((resources) => {
      resources.push(filter("no-pii", { columnWildcard: { excludedColumnNames: ["id_number", "customer_name"] }, rowFilter: { allRowsWildcard: {} } }));
      resources.push(filter("names", { columnNames: ["customer_id", "customer_name"], rowFilter: { filterExpression: "segment = 'residential'" } }));
      for (const name of ["no-pii", "names"]) {
        resources.push(grant(`grant-${name}`, { principal: analyst, permissions: ["SELECT"], dataCellsFilter: { tableCatalogId: MOCK_ACCOUNT_ID, databaseName: names.database("curated"), tableName: "customers", name } }));
      }
    });
    expect(kinds(report)).to.deep.equal(["extra-grant", "pii-exposure"]);
    const exposure = report.violations.find((v) => v.kind === "pii-exposure")!;
    expect(exposure.message).to.include("can read the PII column customer_name of energy_lake_dev_curated.customers through").and.include("data cells filter names on energy_lake_dev_curated.customers (columns customer_id, customer_name; rows where segment = 'residential')");
    expect(exposure.message).to.not.include("no-pii");
  });

  it("a location unregistered, settings reopened, an admin added, a database defaulting to IAMAllowedPrincipals", async function () {
    this.timeout(120_000);
    const prod = await mockRun("prod");
    const run = copyOf(prod);
    const p = "energy-lake-prod";
    run.resources.splice(run.resources.findIndex((r) => r.name === `${p}-governance-location-raw`), 1);
    (find(run.resources, "aws:lakeformation/resource:Resource", `${p}-governance-location-curated`).props as Record<string, unknown>).hybridAccessEnabled = true;
    const settings = find(run.resources, "aws:lakeformation/dataLakeSettings:DataLakeSettings", `${p}-access-settings`).props;
    settings.createTableDefaultPermissions = [{ principal: "IAM_ALLOWED_PRINCIPALS", permissions: ["ALL"] }];
    (settings.admins as string[]).push(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/intruder`);
    const db = find(run.resources, "aws:glue/catalogDatabase:CatalogDatabase", `${p}-catalog-raw`);
    delete db.props.createTableDefaultPermissions;
    db.dependsOn = [];
    const report = auditMockRun(run, "prod (changed)", contracts);
    expect(kinds(report)).to.deep.equal(["iam-allowed-principals", "unregistered-location", "undeclared-admin"]);
    expect(report.violations.filter((v) => v.kind === "iam-allowed-principals")).to.have.length(3);
    expect(report.violations.filter((v) => v.kind === "unregistered-location").map((v) => v.message).join("\n")).to.include("is not registered").and.include("hybrid access mode");
  });

  it("an S3 read given to the analyst, Glue writes beyond its grants, a table the model does not declare, a tag not replaced with its table", () => {
    const report = audit((resources) => {
      const { policy, doc } = policyOf(resources, "analyst");
      doc.Statement.push({ Sid: "Oops", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${lake}-storage-curated-mock/*`] });
      (doc.Statement.find((s) => s.Sid === "CatalogOfItsLayers")!.Action as string[]).push("glue:UpdateTable");
      policy.props.policy = JSON.stringify(doc);
      const table = find(resources, "aws:glue/catalogTable:CatalogTable", `${lake}-catalog-curated-customers`);
      resources.push({ ...JSON.parse(JSON.stringify(table)), name: "crawled", props: { ...table.props, name: "customers_csv" } });
      find(resources, "aws:lakeformation/resourceLfTag:ResourceLfTag", `${lake}-governance-tag-sensitivity-${names.database("raw").replace(/_/g, "-")}-customers`).replaceWith = [];
    });
    expect(kinds(report)).to.deep.equal(["tag-drift", "undeclared-table", "direct-s3-read", "iam-lf-mismatch"]);
    expect(report.violations.find((v) => v.kind === "direct-s3-read")!.message).to.include("analyst (energy-lake-dev-analyst) can read the curated bucket");
    expect(report.violations.find((v) => v.kind === "undeclared-table")!.message).to.include("no sensitivity tag: no table grant reaches it");
    // The crawler's table is readable by nobody: only the layer tag reaches it.
    expect(report.access.filter((a) => a.table === "customers_csv" && a.read)).to.deep.equal([]);
  });
});

describe("lake audit (the command)", function () {
  this.timeout(120_000);
  const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");

  it("--offline --stack prod exits 0 and writes JSON that follows the published schema", () => {
    const out = path.join(tempDir("audit"), "prod.json");
    const result = spawnSync(lakeBin, ["audit", "--offline", "--stack", "prod", "--format", "json", "--out", out], { encoding: "utf8" });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include("no violations").and.include(`wrote ${out}`);
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as AuditReport;
    expect(validateAudit(report)).to.deep.equal([]);
    expect(report.notes.join("\n")).to.include("planned with the mocks' values");
  });

  it("is documented in the README with every permission the online audit calls", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    const section = readme.slice(readme.indexOf("### Governance audit: `lake audit`"));
    for (const action of AUDIT_ACTIONS) expect(section, action).to.include(`\`${action}\``);
  });

  it("refuses contradictory options as bad input (exit 2)", () => {
    const both = spawnSync(lakeBin, ["audit", "--offline", "--stack-outputs", "x.json"], { encoding: "utf8" });
    expect(both.status).to.equal(2);
    expect(both.stderr).to.include("give either --stack-outputs FILE");
    const since = spawnSync(lakeBin, ["audit", "--offline", "--used-since", "2026-01-01"], { encoding: "utf8" });
    expect(since.status).to.equal(2);
    const missing = spawnSync(lakeBin, ["audit", "--stack-outputs", path.join(tempDir("audit"), "absent.json")], { encoding: "utf8" });
    expect([missing.status, missing.stderr]).to.satisfy(([s, e]: [number, string]) => s === 2 && e.includes("lake plan --stack dev --outputs"));
  });
});
