import { AccessRole, ACCESS_ROLES, catalogActions, LAKE_RESULTS_PREFIX, personaWorkgroup, policyOf, readsPii } from "../aws/governance-plan";
import { PolicyDocument, PolicyStatement } from "../aws/iam";
import { inheritTags, LfDataCellsFilter, LfGrant, LfGrantResource, Tags, withFilterDefinitions } from "../aws/lake-formation";
import { LakeModel, MockRun, RecordedResource, ResourceId, runLakeUnderMocks } from "../aws/mock-run";
import { LAYERS, PERSONA_ROLES } from "../aws/naming";
import { mockedKeysNotice, plannedStackConfig } from "../aws/plan";
import { StackOutputs } from "../aws/stack-outputs";
import { loadContracts } from "../model/contracts";
import { auditLake } from "./audit";
import { readsObjects } from "./buckets";
import { DeclaredLake, declaredLake, principalName } from "./declared";
import { AuditReport, ObservedBucket, ObservedLake, PrincipalPermissions, PUBLIC_ACCESS_BLOCK_SETTINGS, Violation } from "./types";

/**
 * The offline audit: the program of a stack run under Pulumi mocks, its Lake Formation resources
 * read as the state they would create, and audited with the same comparison as the grants in
 * force (`auditLake`), plus what only the program shows: IAM policies, database defaults and
 * their order after the settings, tags replaced with their tables.
 */

type Props = Record<string, unknown>;
const obj = (v: unknown): Props => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Props) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T]);

const TYPE = {
  settings: "aws:lakeformation/dataLakeSettings:DataLakeSettings",
  location: "aws:lakeformation/resource:Resource",
  tag: "aws:lakeformation/lfTag:LfTag",
  assignment: "aws:lakeformation/resourceLfTag:ResourceLfTag",
  grant: "aws:lakeformation/permissions:Permissions",
  filter: "aws:lakeformation/dataCellsFilter:DataCellsFilter",
  database: "aws:glue/catalogDatabase:CatalogDatabase",
  table: "aws:glue/catalogTable:CatalogTable",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
} as const;

const sameId = (a: ResourceId, b: ResourceId): boolean => a.type === b.type && a.name === b.name;

/** The resource a `Permissions` resource grants on, in the shape the audit compares. */
function grantResourceOf(props: Props): LfGrantResource {
  const policy = obj(props.lfTagPolicy);
  if (props.lfTagPolicy !== undefined) {
    return { kind: "tag-policy", resourceType: policy.resourceType === "DATABASE" ? "DATABASE" : "TABLE", expression: list(policy.expressions as Props[] | undefined).map((e) => ({ key: String(e.key), values: strings(e.values) })) };
  }
  if (props.dataLocation !== undefined) return { kind: "data-location", arn: String(obj(props.dataLocation).arn) };
  if (props.tableWithColumns !== undefined) {
    const t = obj(props.tableWithColumns);
    return t.wildcard === true || t.excludedColumnNames !== undefined
      ? { kind: "column-wildcard", database: String(t.databaseName), table: String(t.name), excluded: strings(t.excludedColumnNames) }
      : { kind: "columns", database: String(t.databaseName), table: String(t.name), columns: strings(t.columnNames) };
  }
  if (props.table !== undefined) {
    const t = obj(props.table);
    return { kind: "table", database: String(t.databaseName), table: t.wildcard === true || t.name === undefined ? "*" : String(t.name) };
  }
  if (props.database !== undefined) return { kind: "database", database: String(obj(props.database).name) };
  if (props.lfTag !== undefined) return { kind: "lf-tag", key: String(obj(props.lfTag).key), values: strings(obj(props.lfTag).values) };
  if (props.dataCellsFilter !== undefined) {
    const f = obj(props.dataCellsFilter);
    return { kind: "data-cells-filter", database: String(f.databaseName), table: String(f.tableName), name: String(f.name) };
  }
  return { kind: "catalog" };
}

const principalPermissions = (v: unknown): PrincipalPermissions[] => list(v as Props[] | undefined).map((p) => ({ principal: String(p.principal), permissions: strings(p.permissions) }));

/** The Lake Formation state the recorded resources would create, and the findings only the program shows. */
export function observeMockRun(run: MockRun, declared: DeclaredLake): ObservedLake {
  const ofType = (type: string): RecordedResource[] => run.resources.filter((r) => r.type === type);
  const findings: Violation[] = [];
  const notes: string[] = [];

  const settingsResource = ofType(TYPE.settings)[0];
  const settings =
    settingsResource === undefined
      ? undefined
      : {
          admins: strings(settingsResource.props.admins),
          readOnlyAdmins: strings(settingsResource.props.readOnlyAdmins),
          createDatabaseDefaults: principalPermissions(settingsResource.props.createDatabaseDefaultPermissions),
          createTableDefaults: principalPermissions(settingsResource.props.createTableDefaultPermissions),
        };
  if (settingsResource === undefined) notes.push("this stack does not own the account's Lake Formation settings: its databases get the defaults in force when they are created (deploy the owning stack first); `lake audit --stack-outputs` checks them");

  // Tags as assigned, then inherited database -> table -> column.
  const assigned = new Map<string, Record<string, string>>();
  const assign = (key: string, tag: Props): void => void assigned.set(key, { ...(assigned.get(key) ?? {}), [String(tag.key)]: String(tag.value) });
  for (const a of ofType(TYPE.assignment)) {
    const tag = obj(a.props.lfTag);
    if (a.props.database !== undefined) assign(`db:${obj(a.props.database).name}`, tag);
    if (a.props.table !== undefined) assign(`table:${obj(a.props.table).databaseName}.${obj(a.props.table).name}`, tag);
    if (a.props.tableWithColumns !== undefined) {
      const t = obj(a.props.tableWithColumns);
      for (const column of strings(t.columnNames)) assign(`column:${t.databaseName}.${t.name}.${column}`, tag);
    }
    // A tag on a table or database must be replaced with it, or a replaced table loses it.
    const target = run.resources.find((r) =>
      a.props.database !== undefined ? r.type === TYPE.database && r.props.name === obj(a.props.database).name : r.type === TYPE.table && r.props.name === obj(a.props.table ?? a.props.tableWithColumns).name && r.props.databaseName === obj(a.props.table ?? a.props.tableWithColumns).databaseName,
    );
    if (target !== undefined && !a.replaceWith.some((id) => sameId(id, target))) {
      findings.push({ kind: "tag-drift", message: `the LF-tag assignment ${a.name} is not replaced with ${target.name}: replacing the ${target.type.endsWith("Table") ? "table" : "database"} would leave it without the tag`, fix: `give ${a.name} the resource option replaceWith: [${target.name}]` });
    }
  }
  const tagsOf = (key: string): Tags => assigned.get(key) ?? {};

  const databases = ofType(TYPE.database).map((d) => ({ name: String(d.props.name), tags: tagsOf(`db:${d.props.name}`) }));
  const tables = ofType(TYPE.table).map((t) => {
    const database = String(t.props.databaseName);
    const table = String(t.props.name);
    const storage = obj(t.props.storageDescriptor);
    const columns = [...list(storage.columns as Props[] | undefined), ...list(t.props.partitionKeys as Props[] | undefined)].map((c) => String(c.name));
    return inheritTags(database, table, {
      database: tagsOf(`db:${database}`),
      table: tagsOf(`table:${database}.${table}`),
      columns: columns.map((name) => ({ name, tags: tagsOf(`column:${database}.${table}.${name}`) })),
    });
  });

  // No database may default to IAMAllowedPrincipals, and where the stack owns the settings every database waits for them.
  const dependsOnSettings = (r: RecordedResource): boolean => {
    if (settingsResource === undefined) return true;
    const seen = new Set<string>();
    const walk = (id: ResourceId): boolean => {
      if (sameId(id, settingsResource)) return true;
      const key = `${id.type}::${id.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      const resource = run.resources.find((x) => sameId(x, id));
      return resource !== undefined && resource.dependsOn.some(walk);
    };
    return r.dependsOn.some(walk);
  };
  for (const d of ofType(TYPE.database)) {
    const defaults = d.props.createTableDefaultPermissions;
    if (!Array.isArray(defaults) || defaults.length > 0) {
      findings.push({
        kind: "iam-allowed-principals",
        message: `the database ${d.props.name} is created ${Array.isArray(defaults) ? `with default table permissions ${JSON.stringify(defaults)}` : "without createTableDefaultPermissions"}: its new tables would get the account's IAMAllowedPrincipals default`,
        fix: "declare createTableDefaultPermissions: [] on it (components/lake-catalog.ts)",
      });
    }
    if (!dependsOnSettings(d)) {
      findings.push({ kind: "iam-allowed-principals", message: `the database ${d.props.name} does not wait for the Lake Formation settings: it may be created under IAMAllowedPrincipals defaults`, fix: "make it dependsOn the settings (LakeCatalog databasesAfter)" });
    }
  }

  findings.push(...iamFindings(run, declared));

  // The layer buckets' policies and public access blocks as the program sets them.
  const buckets = LAYERS.flatMap((layer): ObservedBucket[] => {
    const bucket = ofType(TYPE.bucket).find((r) => `arn:aws:s3:::${String(r.state.bucket)}` === declared.facts.bucketArns[layer]);
    if (bucket === undefined) return [];
    const onBucket = (r: RecordedResource): boolean => r.props.bucket === bucket.id || r.props.bucket === bucket.state.bucket;
    const policies = ofType(TYPE.bucketPolicy).filter(onBucket);
    const block = ofType(TYPE.publicAccessBlock).find(onBucket);
    return [
      {
        layer,
        bucket: String(bucket.state.bucket),
        policyName: policies.map((p) => p.name).join(", "),
        policy: policies.length === 0 ? undefined : policies.flatMap((p) => (JSON.parse(String(p.props.policy)) as PolicyDocument).Statement as PolicyStatement[]),
        publicAccessBlock: block === undefined ? undefined : Object.fromEntries(PUBLIC_ACCESS_BLOCK_SETTINGS.map((k) => [k, block.props[k] === true])),
      },
    ];
  });

  return {
    source: "offline",
    settings,
    locations: ofType(TYPE.location).map((l) => ({ arn: String(l.props.arn), roleArn: l.props.roleArn === undefined ? undefined : String(l.props.roleArn), hybridAccess: l.props.hybridAccessEnabled === true })),
    tagDefinitions: ofType(TYPE.tag).map((t) => ({ key: String(t.props.key), values: strings(t.props.values) })),
    databases,
    tables,
    grants: withFilterDefinitions(
      ofType(TYPE.grant).map(
        (g): LfGrant => ({ principal: String(g.props.principal), resource: grantResourceOf(g.props), permissions: strings(g.props.permissions), grantable: strings(g.props.permissionsWithGrantOptions), shares: [] }),
      ),
      ofType(TYPE.filter).map((f): LfDataCellsFilter => {
        const t = obj(f.props.tableData);
        const rows = obj(t.rowFilter);
        return {
          database: String(t.databaseName),
          table: String(t.tableName),
          name: String(t.name),
          columns: t.columnWildcard !== undefined ? { excluded: strings(obj(t.columnWildcard).excludedColumnNames) } : strings(t.columnNames),
          rows: rows.allRowsWildcard !== undefined || rows.filterExpression === undefined ? undefined : String(rows.filterExpression),
        };
      }),
    ),
    buckets,
    findings,
    notes,
  };
}

/** IAM: the Lake Formation-only roles read no layer from S3 (nor another access level's query results), and the personas' Glue actions are those of their grants. */
function iamFindings(run: MockRun, declared: DeclaredLake): Violation[] {
  const findings: Violation[] = [];
  const roles = run.resources.filter((r) => r.type === TYPE.role);
  const roleOfArn = (arn: string): RecordedResource | undefined => roles.find((r) => r.state.arn === arn);
  const statementsOf = (role: RecordedResource): { policy: string; statements: PolicyStatement[] }[] =>
    run.resources
      .filter((p) => p.type === TYPE.rolePolicy && p.props.role === role.id)
      .map((p) => ({ policy: p.name, statements: (JSON.parse(String(p.props.policy)) as PolicyDocument).Statement as PolicyStatement[] }));
  const bucketName = (arn: string): string => arn.replace(/^arn:[^:]+:s3:::/, "");
  const layerObjects = LAYERS.map((l) => ({ layer: l, arn: `${declared.facts.bucketArns[l]}/` }));
  const resultsBucket = run.resources.find((r) => r.type === TYPE.bucket && r.name.endsWith("-storage-athena-results"));

  const checked: { arn: string; label: string; role?: AccessRole }[] = [
    ...ACCESS_ROLES.filter((r) => policyOf(r).lakeFormationOnly).flatMap((role) => declared.principals[role].map((p) => ({ arn: p.arn, label: `${role} (${p.name})`, role }))),
    { arn: declared.ingestionRoleArn, label: `ingestion (${principalName(declared.ingestionRoleArn)})` },
  ];
  for (const { arn, label, role } of checked) {
    const resource = roleOfArn(arn);
    if (resource === undefined) continue;
    for (const attachment of run.resources.filter((a) => a.type === TYPE.attachment && a.props.role === resource.id)) {
      findings.push({ kind: "direct-s3-read", message: `${label} has the managed policy ${attachment.props.policyArn} attached, which the audit cannot read; it may read lake data from S3`, fix: "detach it: the role's access is declared inline, from the governance plan", principal: arn });
    }
    for (const { policy, statements } of statementsOf(resource)) {
      for (const s of statements) {
        for (const { layer, arn: objects } of layerObjects) {
          if (readsObjects(s, objects)) {
            findings.push({ kind: "direct-s3-read", message: `${label} can read the ${layer} bucket ${bucketName(objects)} from S3 (${policy}, statement ${s.Sid ?? "?"}): Lake Formation's column grants do not apply there`, fix: "remove the statement: the role reads through Lake Formation (lakeformation:GetDataAccess)", principal: arn });
          }
        }
        if (role !== undefined && resultsBucket !== undefined && (PERSONA_ROLES as readonly string[]).includes(role) && !readsPii(role)) {
          const own = personaWorkgroup(role as (typeof PERSONA_ROLES)[number], declared.names).resultsPrefix;
          const results = `arn:aws:s3:::${String(resultsBucket.state.bucket)}/`;
          if (readsObjects(s, `${results}${LAKE_RESULTS_PREFIX}`) || list(s.Resource).some((r) => r === `${results}*`)) {
            findings.push({ kind: "direct-s3-read", message: `${label} can read Athena results outside its own prefix ${own} (${policy}, statement ${s.Sid ?? "?"}): the lake workgroup's results hold PII`, fix: `limit the statement to ${results}${own}*`, principal: arn });
          }
        }
      }
    }
  }

  for (const persona of PERSONA_ROLES) {
    for (const p of declared.principals[persona]) {
      const resource = roleOfArn(p.arn);
      if (resource === undefined) continue;
      const glue = statementsOf(resource).flatMap((x) => x.statements).filter((s) => s.Effect === "Allow" && list(s.Action).some((a) => a.startsWith("glue:")));
      const actions = [...new Set(glue.flatMap((s) => list(s.Action)).filter((a) => a.startsWith("glue:")))].sort();
      const wanted = catalogActions(persona);
      const extra = actions.filter((a) => !wanted.includes(a));
      const missing = wanted.filter((a) => !actions.includes(a));
      if (extra.length + missing.length > 0) {
        findings.push({
          kind: "iam-lf-mismatch",
          message: `${persona} (${p.name}): IAM allows ${extra.length > 0 ? `${extra.join(", ")} beyond its grants` : ""}${extra.length > 0 && missing.length > 0 ? " and " : ""}${missing.length > 0 ? `not ${missing.join(", ")}, which its grants need` : ""}`,
          fix: "build the policy with personaPolicy (src/aws/iam.ts): its Glue actions are catalogActions(role)",
          principal: p.arn,
          role: persona,
        });
      }
      const layers = new Set(policyOf(persona).layers.map((l) => declared.names.database(l)));
      const foreign = [...new Set(glue.flatMap((s) => list(s.Resource)).map((r) => /:(?:database|table)\/([^/]+)/.exec(r)?.[1]).filter((db): db is string => db !== undefined && !layers.has(db)))];
      if (foreign.length > 0) {
        findings.push({ kind: "iam-lf-mismatch", message: `${persona} (${p.name}): IAM allows the catalog of ${foreign.join(", ")}, outside its layers`, fix: "build the policy with personaPolicy (src/aws/iam.ts)", principal: p.arn, role: persona });
      }
    }
  }
  return findings;
}

/** Audits a recorded run of the program: its outputs as the declared side, its resources as the observed one. */
export function auditMockRun(run: MockRun, label: string, contracts: DeclaredLake["contracts"], notes: readonly string[] = []): AuditReport {
  const declared = declaredLake(StackOutputs.parse(label, JSON.stringify(run.outputs)), contracts);
  const observed = observeMockRun(run, declared);
  return auditLake(declared, { ...observed, notes: [...notes, ...observed.notes] });
}

/** `lake audit --offline --stack NAME`: plans the stack under mocks (as `lake plan` does) and audits what it would deploy. */
export async function offlineAudit(stack: string, model: LakeModel = {}): Promise<AuditReport> {
  const { config, mockedKeys } = plannedStackConfig(stack);
  const run = await runLakeUnderMocks(config, model);
  const notice = mockedKeysNotice(stack, mockedKeys);
  return auditMockRun(run, `the ${stack} stack under mocks`, model.contracts ?? loadContracts(), notice === "" ? [] : [notice]);
}
