import { expect } from "chai";
import { execFileSync } from "child_process";
import * as path from "path";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { headerKey } from "../../src/model/text";
import { layerPaths, NULL_PARTITION, PERIOD_FORMATS } from "../../src/pipeline/layout";
import { aslProblems, loadStateMachineDefinition } from "../../src/aws/asl";
import { ACCESS_ROLES, declaredAccess, piiColumns, plannedGrants } from "../../src/aws/governance-plan";
import { lakeNames, LAYERS } from "../../src/aws/naming";
import { checkPolicies, PolicyResource, RESOURCE_POLICIES } from "../../src/aws/policy";
import { countParameters, parameterClauses, parameterProblems } from "../../src/sql/parameters";
import { spectrumSchemaSql } from "../../src/aws/warehouse-plan";
import { planFromRun } from "../../src/aws/plan";
import { mockRun } from "./stacks";

const contracts = loadContracts();
const names = lakeNames("energy-lake-dev");

describe("policy module (src/aws/policy.ts)", () => {
  const violations = (r: PolicyResource): string[] => RESOURCE_POLICIES.flatMap((p) => p.validateResource(r));
  const rolePolicy = (statement: object): PolicyResource => ({ type: "aws:iam/rolePolicy:RolePolicy", name: "p", props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) } });

  it("flags wildcard actions and wildcard resources that could be scoped", () => {
    expect(violations(rolePolicy({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }))[0]).to.include('wildcard action "s3:*"');
    expect(violations(rolePolicy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }))[0]).to.include('resource "*" for s3:GetObject');
    expect(violations(rolePolicy({ Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" }))).to.deep.equal([]);
    expect(violations(rolePolicy({ Effect: "Deny", Action: "s3:*", Resource: "*" }))).to.deep.equal([]);
  });

  it("flags an Athena scan cap below 10 MiB, an unenforced workgroup and a workgroup without forceDestroy", () => {
    const found = violations({
      type: "aws:athena/workgroup:Workgroup",
      name: "wg",
      props: { forceDestroy: false, configuration: { enforceWorkgroupConfiguration: false, bytesScannedCutoffPerQuery: 5 * 1024 * 1024, resultConfiguration: { encryptionConfiguration: { encryptionOption: "SSE_KMS" } } } },
    });
    expect(found.join("\n")).to.include("at least 10 MiB").and.include("enforceWorkgroupConfiguration").and.include("forceDestroy");
  });

  it("flags the plural ResourceLfTags, a Glue job without timeout, a public Redshift workgroup, a non-idempotent statement", () => {
    expect(violations({ type: "aws:lakeformation/resourceLfTags:ResourceLfTags", name: "t", props: {} })[0]).to.include("singular");
    expect(violations({ type: "aws:glue/job:Job", name: "j", props: { glueVersion: "5.0", securityConfiguration: "s" } })[0]).to.include("timeout");
    expect(violations({ type: "aws:redshiftserverless/workgroup:Workgroup", name: "w", props: { publiclyAccessible: true, configParameters: [] } })).to.have.length(2);
    expect(violations({ type: "aws:redshiftdata/statement:Statement", name: "s", props: { sql: "CREATE EXTERNAL SCHEMA x FROM DATA CATALOG DATABASE 'd'" } })[0]).to.include("IF NOT EXISTS");
  });

  it("flags a bucket missing one of its v7 setting resources", () => {
    const bucket = { type: "aws:s3/bucket:Bucket", name: "lake-raw", props: {} };
    const settings = ["versioning", "encryption", "public-access", "policy"].map((role) => ({ type: `x:${role}`, name: `lake-raw-${role}`, props: {} }));
    expect(checkPolicies([bucket, ...settings]).join("\n")).to.include("lake-raw: no BucketVersioning").and.include("no BucketLifecycleConfiguration");
  });
});

describe("state machine builder (src/aws/asl.ts)", () => {
  const plan = { levels: [["customers", "providers"], ["transactions"]], transformJob: "transform", curateJob: "curate", reportFunction: "arn:aws:lambda:eu-west-1:123456789012:function:report", alarmTopic: "arn:aws:sns:eu-west-1:123456789012:alarms", lakeName: "lake" };

  it("builds a structurally valid definition with one transform level after another, then verify, gate and curate", () => {
    const def = loadStateMachineDefinition(plan);
    expect(aslProblems(def)).to.deep.equal([]);
    const states = def.States as Record<string, { Branches?: unknown[]; Next?: string }>;
    expect(states.TransformLevel1!.Branches).to.have.length(2);
    expect(states.TransformLevel1!.Next).to.equal("TransformLevel2");
    expect(states.TransformLevel2!.Next).to.equal("Verify");
  });

  it("reports a Parallel state without branches", () => {
    expect(aslProblems({ StartAt: "P", States: { P: { Type: "Parallel", Branches: [], End: true } } })).to.deep.equal(["$.States.P: Parallel without Branches"]);
  });

  it("reports transitions to missing states and unreachable states", () => {
    const problems = aslProblems({ StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, C: { Type: "Succeed" } } });
    expect(problems).to.deep.equal(['$.States.A: transition to missing state "B"', "$.States.C: unreachable from StartAt"]);
  });
});

describe("verification parameters (src/sql/parameters.ts)", () => {
  it("counts ? outside literals, identifiers and comments", () => {
    expect(countParameters(`SELECT 1 FROM t WHERE d = CAST(? AS date) AND regexp_like(x, '^(?:a)?$') AND "we?ird" = ? -- why?\n/* ? */`)).to.equal(2);
  });

  it("finds the clause of each ?, as Athena binds them only inside WHERE", () => {
    const sql = `SELECT date_diff('day', max(d), CAST(? AS date)), count(*) FILTER (WHERE x = ?) FROM (SELECT * FROM t WHERE load_date = ? AND y IN (SELECT k FROM u WHERE z = (?))) AS s JOIN v ON v.a = ? WHERE (b = CAST(? AS date))`;
    expect(parameterClauses(sql).map((p) => p.clause)).to.deep.equal(["SELECT", "FILTER", "WHERE", "WHERE", "ON", "WHERE"]);
    expect(parameterProblems(sql)).to.have.length(3);
    expect(parameterProblems(sql)[0]).to.match(/in a SELECT clause .*Athena binds \? only inside WHERE/);
  });
});

describe("Glue scripts (glue/)", () => {
  it("match headers exactly as src/model/text.ts does", () => {
    const headers = [" Nombre Proveedor ", "TIPO-ENERGÍA", "\uFEFFproveedor_id", '"Fecha.Registro"', "Cédula   de ciudadanía"];
    const python = `import json, sys; sys.path.insert(0, ${JSON.stringify(path.join(PROJECT_ROOT, "glue"))}); import lake_common as lc; print(json.dumps([lc.header_key(h) for h in json.loads(sys.argv[1])]))`;
    const out = execFileSync("python3", ["-c", python, JSON.stringify(headers)], { encoding: "utf8" });
    expect(JSON.parse(out)).to.deep.equal(headers.map(headerKey));
  });

  it("lay out curated partitions as the local lake does", () => {
    const python = `import json, sys; sys.path.insert(0, ${JSON.stringify(path.join(PROJECT_ROOT, "glue"))}); import lake_common as lc; print(json.dumps([lc.NULL_PARTITION, lc.PERIOD_FORMATS, lc.curated_file_key("d"), lc.part_key(lc.load_prefix("d", "2026-01-05"), 0)]))`;
    const out = JSON.parse(execFileSync("python3", ["-c", python], { encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } })) as [string, Record<string, string>, string, string];
    expect(out).to.deep.equal([NULL_PARTITION, PERIOD_FORMATS, "d/data.parquet", "d/load_date=2026-01-05/part-0.parquet"]);
    expect(path.posix.join("curated", out[2])).to.equal(layerPaths.curatedFile("d").split(path.sep).join("/"));
  });

  it("are valid Python", () => {
    for (const script of ["transform.py", "curate.py", "lake_common.py", "lake_csv.py"]) {
      execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", path.join(PROJECT_ROOT, "glue", script)]);
    }
  });
});

describe("declared access model (src/aws/governance-plan.ts)", () => {
  const customers = contracts.find((c) => c.name === "customers")!;

  it("hides PII columns from analysts and limits them to curated", () => {
    const analyst = declaredAccess("analyst", contracts, names);
    expect([...new Set(analyst.map((t) => t.database))]).to.deep.equal([names.database("curated")]);
    const table = analyst.find((t) => t.table === "customers")!;
    expect(table.columns).to.not.include.members(["customer_name"]);
    expect(table.columns).to.not.include("id_number");
    expect(table.columns).to.include.members(["customer_id", "city", "segment", "_load_date"]);
  });

  it("hides from auditors the PII columns and the quarantine columns that quote the source", () => {
    const auditor = declaredAccess("auditor", contracts, names);
    expect(auditor.every((t) => !t.columns.includes("customer_name"))).to.equal(true);
    const quarantine = auditor.find((t) => t.database === names.database("quarantine") && t.table === "customers")!;
    expect(quarantine.columns).to.include("_row").and.not.include.members(["_raw_line", "_reason"]);
    expect(piiColumns("quarantine", customers)).to.have.members(["id_number", "customer_name", "_reason", "_raw_line"]);
    // A dataset without PII keeps its quarantine text readable: there is nothing to hide.
    expect(piiColumns("quarantine", contracts.find((c) => c.name === "providers")!)).to.deep.equal([]);
  });

  it("lets engineers and the pipeline see every column of every layer, partition keys included", () => {
    for (const role of ["engineer", "pipeline"] as const) {
      const access = declaredAccess(role, contracts, names);
      expect(access).to.have.length(LAYERS.length * contracts.length);
      const raw = access.find((t) => t.database === names.database("raw") && t.table === "customers")!;
      expect(raw.columns).to.include.members(["customer_name", "load_date"]);
    }
  });

  it("has a database and a table grant per role, and data location grants for the pipeline only", () => {
    const grants = plannedGrants();
    for (const role of ACCESS_ROLES) {
      const ids = grants.filter((g) => g.role === role).map((g) => g.id);
      expect(ids.slice(0, 2)).to.deep.equal(["database", "table"]);
      expect(ids.slice(2)).to.deep.equal(role === "pipeline" ? LAYERS.map((l) => `location-${l}`) : []);
    }
  });
});

describe("Spectrum schema SQL", () => {
  it("is idempotent and refuses quotes in its inputs", () => {
    expect(spectrumSchemaSql("lake_curated", "db", "arn:aws:iam::1:role/r", "eu-west-1")).to.match(/^CREATE EXTERNAL SCHEMA IF NOT EXISTS lake_curated /);
    expect(() => spectrumSchemaSql("lake_curated", "db'; DROP", "arn", "eu-west-1")).to.throw(/must not contain quotes/);
  });
});

describe("offline plan (src/aws/plan.ts)", () => {
  it("nests every resource under its component and draws each component", async function () {
    this.timeout(120_000);
    const plan = planFromRun("dev", await mockRun("dev"));
    expect(plan.tree.type).to.equal("pulumi:pulumi:Stack");
    const lake = plan.tree.children[0]!;
    expect(lake.type).to.equal("energy-lake:aws:EnergyDataLake");
    expect(lake.children.map((c) => c.type.split(":").pop())).to.have.members(["LakeStorage", "LakeAccess", "LakeCatalog", "LakeProcessing", "LakeQuality", "LakeVerification", "LakeOrchestration", "LakeGovernance", "LakeWarehouse", "LakeAnalytics"]);
    const count = (n: typeof lake): number => n.children.reduce((sum, c) => sum + 1 + count(c), 0);
    expect(count(plan.tree)).to.equal((await mockRun("dev")).resources.length - 1);
    expect(plan.mermaid.split("\n")[0]).to.equal("flowchart LR");
    for (const c of lake.children) expect(plan.mermaid).to.include(`<b>${c.type.split(":").pop()}</b>`);
    expect(plan.mermaid).to.include("7 × Bucket");
  });
});
