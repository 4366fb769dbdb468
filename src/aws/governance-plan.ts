import { Contract } from "../model/contracts";
import { TABLE_PLANNERS } from "./catalog";
import { effectiveAccess, LfGrant, LfGrantResource, LfTable, LfTagCondition } from "./lake-formation";
import { LAYERS, Layer, LakeNames, PERSONA_ROLES, PersonaRole } from "./naming";

/**
 * The lake's access model as data, the one description of who may read what: which LF-tags go on
 * which database, table and column, which tag expressions and locations each access role is
 * granted, which Glue actions its IAM policy needs for them, and which Athena workgroup it queries
 * through. The components deploy it (LakeAccess, LakeGovernance, LakeAnalytics); `lake audit`
 * compares the grants in force with it, online (Lake Formation) and offline (the program under mocks).
 */

export const SENSITIVITY = ["internal", "pii"] as const;
export type Sensitivity = (typeof SENSITIVITY)[number];

export const LF_TAGS: Readonly<Record<"layer" | "sensitivity", readonly string[]>> = { layer: LAYERS, sensitivity: SENSITIVITY };
export type LfTagName = keyof typeof LF_TAGS;
export const LF_TAG_NAMES = Object.keys(LF_TAGS) as LfTagName[];

export type TablePermission = "SELECT" | "DESCRIBE" | "ALTER" | "INSERT" | "DELETE";
export type DatabasePermission = "DESCRIBE" | "CREATE_TABLE";

export interface RolePolicy {
  readonly description: string;
  readonly layers: readonly Layer[];
  readonly sensitivity: readonly Sensitivity[];
  readonly tablePermissions: readonly TablePermission[];
  readonly databasePermissions: readonly DatabasePermission[];
  /** DATA_LOCATION_ACCESS on every layer's registered location: lets the role create tables and partitions over it. */
  readonly dataLocationAccess: boolean;
  /**
   * The role reads lake data only through Lake Formation (Athena and Spectrum get credentials it
   * vends): its IAM policy may not read the layer buckets. False only for the roles whose own code
   * reads and writes S3 (Glue jobs, crawlers, the state machine's quality gate).
   */
  readonly lakeFormationOnly: boolean;
  /** The role reviews the grants themselves: its IAM allows the calls of `lake audit`, and it is a Lake Formation read-only administrator where the stack owns the settings. */
  readonly auditsGrants: boolean;
}

/**
 * The declared access per role. Only engineers and the lake's own services see PII columns.
 * A new principal with one of these accesses joins that role's principals (components/energy-data-lake.ts);
 * a principal with another access gets a new entry here, and everything else follows from it.
 */
export const ACCESS_POLICY = {
  engineer: {
    description: "builds and operates the lake: every layer, PII included, read and write",
    layers: LAYERS,
    sensitivity: ["internal", "pii"],
    tablePermissions: ["SELECT", "DESCRIBE", "ALTER", "INSERT", "DELETE"],
    databasePermissions: ["DESCRIBE", "CREATE_TABLE"],
    dataLocationAccess: false,
    lakeFormationOnly: true,
    auditsGrants: false,
  },
  analyst: {
    description: "business analytics: curated data only, PII columns hidden",
    layers: ["curated"],
    sensitivity: ["internal"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
    dataLocationAccess: false,
    lakeFormationOnly: true,
    auditsGrants: false,
  },
  auditor: {
    description: "reviews lineage, quality and governance (runs lake audit): every layer read-only, PII columns hidden",
    layers: LAYERS,
    sensitivity: ["internal"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
    dataLocationAccess: false,
    lakeFormationOnly: true,
    auditsGrants: true,
  },
  pipeline: {
    description: "Glue jobs and crawlers: read raw, write processed, quarantine and curated",
    layers: LAYERS,
    sensitivity: ["internal", "pii"],
    tablePermissions: ["SELECT", "DESCRIBE", "ALTER", "INSERT", "DELETE"],
    databasePermissions: ["DESCRIBE", "CREATE_TABLE"],
    dataLocationAccess: true,
    lakeFormationOnly: false,
    auditsGrants: false,
  },
  orchestration: {
    description: "the load state machine: Athena verification counts over processed, quarantine and curated",
    layers: ["processed", "curated", "quarantine"],
    sensitivity: ["internal", "pii"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
    dataLocationAccess: false,
    lakeFormationOnly: false,
    auditsGrants: false,
  },
  warehouse: {
    description: "Redshift Spectrum over curated: PII columns hidden",
    layers: ["curated"],
    sensitivity: ["internal"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
    dataLocationAccess: false,
    lakeFormationOnly: true,
    auditsGrants: false,
  },
} as const satisfies Record<string, RolePolicy>;

/** Who is granted access: the people's roles plus the lake's own service roles. */
export type AccessRole = keyof typeof ACCESS_POLICY;
export const ACCESS_ROLES = Object.keys(ACCESS_POLICY) as AccessRole[];

export const policyOf = (role: AccessRole): RolePolicy => ACCESS_POLICY[role];
export const readsPii = (role: AccessRole): boolean => (policyOf(role).sensitivity as readonly string[]).includes("pii");

/** One principal of an access role, named for its grant resources (`<governance>-grant-<name>-table`). */
export interface NamedPrincipal<Arn> {
  readonly name: string;
  readonly arn: Arn;
}
export type AccessPrincipals<Arn> = Readonly<Record<AccessRole, readonly NamedPrincipal<Arn>[]>>;

/** Principal names become resource names: they must be unique across roles, or two grants would share one. */
export function principalNameProblems<Arn>(principals: AccessPrincipals<Arn>): string[] {
  const seen = new Map<string, AccessRole>();
  const problems: string[] = [];
  for (const role of ACCESS_ROLES) {
    for (const p of principals[role]) {
      const other = seen.get(p.name);
      if (other !== undefined) problems.push(`principal name "${p.name}" is used by ${other} and ${role}; give each principal its own name`);
      seen.set(p.name, role);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Tags

export type TagTarget =
  | { readonly kind: "database"; readonly database: string }
  | { readonly kind: "table"; readonly database: string; readonly table: string }
  | { readonly kind: "columns"; readonly database: string; readonly table: string; readonly columns: readonly string[] };

export interface TagAssignment {
  readonly target: TagTarget;
  readonly key: LfTagName;
  readonly value: string;
}

/** Quarantine columns that carry source text: for a dataset with PII, they carry PII too. */
export const QUARANTINE_SOURCE_TEXT_COLUMNS = ["_reason", "_raw_line"] as const;

/**
 * The PII columns of a dataset's table in one layer: the contract's PII columns, and in quarantine
 * also the columns that quote the source (`_reason` quotes the invalid value, `_raw_line` the line).
 */
export function piiColumns(layer: Layer, contract: Contract): string[] {
  const declared = contract.columns.filter((c) => c.pii).map((c) => c.name);
  return layer === "quarantine" && declared.length > 0 ? [...declared, ...QUARANTINE_SOURCE_TEXT_COLUMNS] : declared;
}

/**
 * Databases carry their layer; tables are internal; PII columns override that with pii. Nothing
 * goes on a database that a table would inherit as "internal": a table the model does not declare
 * (a crawler's, a user's) has no sensitivity tag, so no table grant matches it (default deny).
 */
export function tagAssignments(contracts: readonly Contract[], names: LakeNames): TagAssignment[] {
  const assignments: TagAssignment[] = [];
  for (const layer of LAYERS) {
    const database = names.database(layer);
    assignments.push({ target: { kind: "database", database }, key: "layer", value: layer });
    for (const contract of contracts) {
      const table = names.table(contract.name);
      assignments.push({ target: { kind: "table", database, table }, key: "sensitivity", value: "internal" });
      const pii = piiColumns(layer, contract);
      if (pii.length > 0) assignments.push({ target: { kind: "columns", database, table, columns: pii }, key: "sensitivity", value: "pii" });
    }
  }
  return assignments;
}

/** The LF-tag key of a stack: LF-tags are account-wide, so each stack's keys carry its prefix. */
export const lfTagKey = (names: LakeNames, key: LfTagName): string => `${names.prefix}-${key}`;

// ---------------------------------------------------------------------------------------------
// Grants

export type PlannedResource =
  | { readonly kind: "tag-policy"; readonly resourceType: "DATABASE" | "TABLE"; readonly expression: readonly { readonly key: LfTagName; readonly values: readonly string[] }[] }
  | { readonly kind: "data-location"; readonly layer: Layer };

export interface PlannedGrant {
  readonly role: AccessRole;
  /** Short name of the grant resource, unique per role: database, table, location-<layer>. */
  readonly id: string;
  readonly resource: PlannedResource;
  readonly permissions: readonly string[];
}

/** Every grant of the model, per role, in the order they are applied (one at a time: concurrent grants fail). */
export function plannedGrants(): PlannedGrant[] {
  return ACCESS_ROLES.flatMap((role): PlannedGrant[] => {
    const p = policyOf(role);
    const grants: PlannedGrant[] = [
      { role, id: "database", resource: { kind: "tag-policy", resourceType: "DATABASE", expression: [{ key: "layer", values: p.layers }] }, permissions: p.databasePermissions },
      {
        role,
        id: "table",
        resource: {
          kind: "tag-policy",
          resourceType: "TABLE",
          expression: [
            { key: "layer", values: p.layers },
            { key: "sensitivity", values: p.sensitivity },
          ],
        },
        permissions: p.tablePermissions,
      },
    ];
    if (p.dataLocationAccess) {
      for (const layer of LAYERS) grants.push({ role, id: `location-${layer}`, resource: { kind: "data-location", layer }, permissions: ["DATA_LOCATION_ACCESS"] });
    }
    return grants;
  });
}

/** The LF-tag keys of a stack, per tag. */
export const tagKeysOf = (names: LakeNames): Readonly<Record<LfTagName, string>> =>
  Object.fromEntries(LF_TAG_NAMES.map((key) => [key, lfTagKey(names, key)])) as Record<LfTagName, string>;

/** What a stack resolves the plan with: its tag keys and its layer buckets. */
export interface StackFacts {
  readonly tagKeys: Readonly<Record<LfTagName, string>>;
  readonly bucketArns: Readonly<Record<Layer, string>>;
}

/** A planned grant's resource in Lake Formation's terms, with the stack's tag keys and buckets. */
export function lfResourceOf(resource: PlannedResource, facts: StackFacts): LfGrantResource {
  if (resource.kind === "data-location") return { kind: "data-location", arn: facts.bucketArns[resource.layer] };
  return tagPolicyOf(resource, facts.tagKeys);
}

function tagPolicyOf(resource: Extract<PlannedResource, { kind: "tag-policy" }>, tagKeys: Readonly<Record<LfTagName, string>>): LfGrantResource {
  const expression: LfTagCondition[] = resource.expression.map((e) => ({ key: tagKeys[e.key], values: [...e.values] }));
  return { kind: "tag-policy", resourceType: resource.resourceType, expression };
}

export type DeclaredGrant = LfGrant & { readonly role: AccessRole; readonly planned: PlannedGrant };

/** The grants the model declares, one per principal and planned grant. */
export function declaredGrants(principals: AccessPrincipals<string>, facts: StackFacts): DeclaredGrant[] {
  return plannedGrants().flatMap((planned) =>
    principals[planned.role].map((p) => ({ role: planned.role, planned, principal: p.arn, resource: lfResourceOf(planned.resource, facts), permissions: [...planned.permissions], grantable: [], shares: [] })),
  );
}

// ---------------------------------------------------------------------------------------------
// Tables as the model declares them, and what each role may read of them

/** The columns of a dataset's table in a layer, partition keys included (Lake Formation governs them too). */
export function declaredColumns(layer: Layer, contract: Contract): string[] {
  const plan = TABLE_PLANNERS[layer](contract);
  return [...plan.columns, ...plan.partitionKeys].map((c) => c.name);
}

/** Every declared table with the tags the model puts on it (effective: inherited from the table and database). */
export function declaredTables(contracts: readonly Contract[], names: LakeNames, tagKeys: Readonly<Record<LfTagName, string>> = tagKeysOf(names)): LfTable[] {
  return LAYERS.flatMap((layer) =>
    contracts.map((contract) => {
      const pii = new Set(piiColumns(layer, contract));
      const databaseTags = { [tagKeys.layer]: layer };
      const tableTags = { ...databaseTags, [tagKeys.sensitivity]: "internal" };
      return {
        database: names.database(layer),
        table: names.table(contract.name),
        databaseTags,
        tableTags,
        columns: declaredColumns(layer, contract).map((name) => ({ name, tags: pii.has(name) ? { ...tableTags, [tagKeys.sensitivity]: "pii" } : tableTags })),
      };
    }),
  );
}

export interface TableAccess {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
}

/** What one role may read under the model: tables (and their columns) it can SELECT, evaluated the way Lake Formation does. */
export function declaredAccess(role: AccessRole, contracts: readonly Contract[], names: LakeNames): TableAccess[] {
  const tagKeys = tagKeysOf(names);
  const principal = `declared:${role}`;
  const grants: LfGrant[] = plannedGrants().flatMap((g) =>
    g.role === role && g.resource.kind === "tag-policy" ? [{ principal, resource: tagPolicyOf(g.resource, tagKeys), permissions: [...g.permissions], grantable: [], shares: [] }] : [],
  );
  const byTable = new Map<string, { database: string; table: string; columns: string[] }>();
  for (const cell of effectiveAccess(grants, declaredTables(contracts, names, tagKeys), [principal])) {
    if (!cell.read) continue;
    const key = `${cell.database}.${cell.table}`;
    const entry = byTable.get(key) ?? { database: cell.database, table: cell.table, columns: [] };
    entry.columns.push(cell.column);
    byTable.set(key, entry);
  }
  return [...byTable.values()];
}

// ---------------------------------------------------------------------------------------------
// IAM that matches the grants

/**
 * The Glue Data Catalog calls each Lake Formation permission is used through: Lake Formation
 * decides on the resource, IAM must still allow the call. A persona's IAM catalog actions are
 * exactly the union of these over its grants (the audit checks it).
 */
export const GLUE_ACTIONS_FOR: Readonly<Record<TablePermission | DatabasePermission, readonly string[]>> = {
  DESCRIBE: ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables"],
  SELECT: ["glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"],
  ALTER: ["glue:UpdateTable", "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition", "glue:DeletePartition", "glue:BatchDeletePartition"],
  INSERT: ["glue:CreatePartition", "glue:BatchCreatePartition"],
  DELETE: ["glue:DeletePartition", "glue:BatchDeletePartition"],
  CREATE_TABLE: ["glue:CreateTable"],
};

/** The Glue actions a role's IAM policy needs for its grants, sorted. */
export function catalogActions(role: AccessRole): string[] {
  const p = policyOf(role);
  return [...new Set([...p.tablePermissions, ...p.databasePermissions].flatMap((perm) => GLUE_ACTIONS_FOR[perm]))].sort();
}

/** The IAM actions `lake audit` calls (Lake Formation and CloudTrail accept only `"*"` for them). */
export const AUDIT_ACTIONS = [
  "lakeformation:GetDataLakeSettings",
  "lakeformation:ListPermissions",
  "lakeformation:ListResources",
  "lakeformation:ListLFTags",
  "lakeformation:GetResourceLFTags",
  "lakeformation:SearchTablesByLFTags",
  "lakeformation:GetLFTagExpression",
  "lakeformation:ListDataCellsFilter",
  "s3:GetBucketPolicy",
  "s3:GetBucketPublicAccessBlock",
  "cloudtrail:LookupEvents",
] as const;

// ---------------------------------------------------------------------------------------------
// Athena workgroups

export interface PersonaWorkgroup {
  readonly persona: PersonaRole;
  readonly name: string;
  /** Key prefix of its query results in the Athena results bucket. */
  readonly resultsPrefix: string;
  /** A workgroup of its own (false: the lake's workgroup, shared with the pipeline). */
  readonly own: boolean;
}

/** Where the lake's own workgroup writes its results (the verification counts, engineers' queries). */
export const LAKE_RESULTS_PREFIX = "results/";

/**
 * Query results are readable by whoever may use the workgroup, so a workgroup is shared only by
 * roles of the same access: PII-reading personas use the lake's workgroup (with the pipeline),
 * every other persona gets its own, results under its own prefix.
 */
export function personaWorkgroup(persona: PersonaRole, names: LakeNames): PersonaWorkgroup {
  return readsPii(persona)
    ? { persona, name: names.workgroup, resultsPrefix: LAKE_RESULTS_PREFIX, own: false }
    : { persona, name: `${names.prefix}-${persona}`, resultsPrefix: `${persona}/`, own: true };
}

export const personaWorkgroups = (names: LakeNames): PersonaWorkgroup[] => PERSONA_ROLES.map((p) => personaWorkgroup(p, names));
