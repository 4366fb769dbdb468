import { Contract } from "../model/contracts";
import { TABLE_PLANNERS } from "./catalog";
import { LAYERS, Layer, LakeNames, PERSONA_ROLES, PersonaRole } from "./naming";

/**
 * The lake's access model as data: which LF-tags go on which database, table and column, and which
 * tag expressions each role is granted. The governance component deploys it; {@link declaredAccess}
 * evaluates it the way Lake Formation does, so a governance audit can compare it with the grants in force.
 */

export const SENSITIVITY = ["internal", "pii"] as const;
export type Sensitivity = (typeof SENSITIVITY)[number];

export const LF_TAGS: Readonly<Record<"layer" | "sensitivity", readonly string[]>> = { layer: LAYERS, sensitivity: SENSITIVITY };

/** Who is granted access: the people's roles plus the lake's own service roles. */
export type AccessRole = PersonaRole | "pipeline" | "warehouse";
export const ACCESS_ROLES: readonly AccessRole[] = [...PERSONA_ROLES, "pipeline", "warehouse"];

export type TablePermission = "SELECT" | "DESCRIBE" | "ALTER" | "INSERT" | "DELETE";
export type DatabasePermission = "DESCRIBE" | "CREATE_TABLE";

export interface RolePolicy {
  readonly description: string;
  readonly layers: readonly Layer[];
  readonly sensitivity: readonly Sensitivity[];
  readonly tablePermissions: readonly TablePermission[];
  readonly databasePermissions: readonly DatabasePermission[];
}

/** The declared access per role. Analysts and auditors never see PII columns; only engineers and the pipeline do. */
export const ACCESS_POLICY: Readonly<Record<AccessRole, RolePolicy>> = {
  engineer: {
    description: "builds and operates the lake: every layer, PII included, read and write",
    layers: LAYERS,
    sensitivity: ["internal", "pii"],
    tablePermissions: ["SELECT", "DESCRIBE", "ALTER", "INSERT", "DELETE"],
    databasePermissions: ["DESCRIBE", "CREATE_TABLE"],
  },
  analyst: {
    description: "business analytics: curated data only, PII columns hidden",
    layers: ["curated"],
    sensitivity: ["internal"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
  },
  auditor: {
    description: "reviews lineage and quality: every layer read-only, PII columns hidden",
    layers: LAYERS,
    sensitivity: ["internal"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
  },
  pipeline: {
    description: "Glue jobs, crawlers and the load state machine",
    layers: LAYERS,
    sensitivity: ["internal", "pii"],
    tablePermissions: ["SELECT", "DESCRIBE", "ALTER", "INSERT", "DELETE"],
    databasePermissions: ["DESCRIBE", "CREATE_TABLE"],
  },
  warehouse: {
    description: "Redshift Spectrum: curated data, PII columns hidden",
    layers: ["curated"],
    sensitivity: ["internal"],
    tablePermissions: ["SELECT", "DESCRIBE"],
    databasePermissions: ["DESCRIBE"],
  },
};

export type TagTarget =
  | { readonly kind: "database"; readonly database: string }
  | { readonly kind: "table"; readonly database: string; readonly table: string }
  | { readonly kind: "columns"; readonly database: string; readonly table: string; readonly columns: readonly string[] };

export interface TagAssignment {
  readonly target: TagTarget;
  readonly key: keyof typeof LF_TAGS;
  readonly value: string;
}

/** Databases carry their layer; tables are internal; PII columns (every layer) override that with pii. */
export function tagAssignments(contracts: readonly Contract[], names: LakeNames): TagAssignment[] {
  const assignments: TagAssignment[] = [];
  for (const layer of LAYERS) {
    const database = names.database(layer);
    assignments.push({ target: { kind: "database", database }, key: "layer", value: layer });
    for (const contract of contracts) {
      const table = names.table(contract.name);
      assignments.push({ target: { kind: "table", database, table }, key: "sensitivity", value: "internal" });
      const pii = contract.columns.filter((c) => c.pii).map((c) => c.name);
      if (pii.length > 0) assignments.push({ target: { kind: "columns", database, table, columns: pii }, key: "sensitivity", value: "pii" });
    }
  }
  return assignments;
}

export interface TagGrant {
  readonly role: AccessRole;
  readonly resourceType: "DATABASE" | "TABLE";
  readonly expressions: readonly { readonly key: keyof typeof LF_TAGS; readonly values: readonly string[] }[];
  readonly permissions: readonly string[];
}

/** The tag-based grants, in the order they must be applied (one at a time: concurrent grants fail). */
export function tagGrants(): TagGrant[] {
  return ACCESS_ROLES.flatMap((role): TagGrant[] => {
    const p = ACCESS_POLICY[role];
    return [
      { role, resourceType: "DATABASE", expressions: [{ key: "layer", values: p.layers }], permissions: p.databasePermissions },
      {
        role,
        resourceType: "TABLE",
        expressions: [
          { key: "layer", values: p.layers },
          { key: "sensitivity", values: p.sensitivity },
        ],
        permissions: p.tablePermissions,
      },
    ];
  });
}

export interface TableAccess {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly permissions: readonly string[];
}

export interface RoleAccess {
  readonly databases: readonly string[];
  readonly tables: readonly TableAccess[];
}

/** The columns of a dataset's table in a layer, as the catalog component declares them. */
export type ColumnsOf = (layer: Layer, contract: Contract) => readonly string[];

/**
 * What each role may see, evaluated from the tags and grants the way Lake Formation does: a column
 * matches when its own tags (or its table's and database's, inherited) satisfy every expression.
 */
export function declaredAccess(contracts: readonly Contract[], names: LakeNames, columnsOf: ColumnsOf): Record<AccessRole, RoleAccess> {
  const grants = tagGrants();
  const result = {} as Record<AccessRole, RoleAccess>;
  for (const role of ACCESS_ROLES) {
    const dbGrant = grants.find((g) => g.role === role && g.resourceType === "DATABASE")!;
    const tableGrant = grants.find((g) => g.role === role && g.resourceType === "TABLE")!;
    const matches = (tags: Record<string, string>, grant: TagGrant): boolean => grant.expressions.every((e) => e.values.includes(tags[e.key] ?? ""));
    const databases: string[] = [];
    const tables: TableAccess[] = [];
    for (const layer of LAYERS) {
      const database = names.database(layer);
      if (matches({ layer }, dbGrant)) databases.push(database);
      for (const contract of contracts) {
        const pii = new Set(contract.columns.filter((c) => c.pii).map((c) => c.name));
        const columns = columnsOf(layer, contract).filter((column) => matches({ layer, sensitivity: pii.has(column) ? "pii" : "internal" }, tableGrant));
        if (columns.length > 0) tables.push({ database, table: names.table(contract.name), columns, permissions: tableGrant.permissions });
      }
    }
    result[role] = { databases, tables };
  }
  return result;
}

/** The declared access of a stack's lake, over the columns its Glue tables declare: what a governance audit compares with the grants in force. */
export function lakeAccessModel(contracts: readonly Contract[], names: LakeNames): Record<AccessRole, RoleAccess> {
  return declaredAccess(contracts, names, (layer, contract) => TABLE_PLANNERS[layer](contract).columns.map((c) => c.name));
}

/** The LF-tag key of a stack: LF-tags are account-wide, so each stack's keys carry its prefix. */
export const lfTagKey = (names: LakeNames, key: keyof typeof LF_TAGS): string => `${names.prefix}-${key}`;
