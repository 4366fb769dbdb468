/**
 * Lake Formation's access rules as pure functions over plain data, shared by the governance plan
 * (what the model means) and `lake audit` (what the grants in force mean): the shape of a grant,
 * LF-tag inheritance (database -> table -> column, the nearer value of a key wins), tag
 * expressions (every key must match, any listed value, `*` any value), column lists and column
 * wildcards with excluded columns, and `IAM_ALLOWED_PRINCIPALS`, which opens a resource to every
 * IAM principal its IAM policy lets in.
 */

/** LF-tags on a resource: key -> value (a resource holds one value per key). */
export type Tags = Readonly<Record<string, string>>;

export interface LfTagCondition {
  readonly key: string;
  readonly values: readonly string[];
}

export type LfGrantResource =
  | { readonly kind: "catalog" }
  | { readonly kind: "database"; readonly database: string }
  /** `table: "*"` is every table of the database (TableWildcard). */
  | { readonly kind: "table"; readonly database: string; readonly table: string }
  | { readonly kind: "columns"; readonly database: string; readonly table: string; readonly columns: readonly string[] }
  | { readonly kind: "column-wildcard"; readonly database: string; readonly table: string; readonly excluded: readonly string[] }
  | { readonly kind: "data-location"; readonly arn: string }
  /** `expressionName`: the grant names a saved LF-tag expression (its conditions resolved into `expression`). */
  | { readonly kind: "tag-policy"; readonly resourceType: "DATABASE" | "TABLE"; readonly expression: readonly LfTagCondition[]; readonly expressionName?: string }
  | { readonly kind: "lf-tag"; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: "named-tag-expression"; readonly name: string }
  /**
   * A data cells filter as named by the grant; once its definition is read ({@link withFilterDefinitions}),
   * `columns` (only those) or `excluded` (every column but those), and `rows` (its row filter
   * expression; absent: every row). Neither columns nor excluded: the definition was not found.
   */
  | {
      readonly kind: "data-cells-filter";
      readonly database: string;
      readonly table: string;
      readonly name: string;
      readonly columns?: readonly string[];
      readonly excluded?: readonly string[];
      readonly rows?: string;
    };

/** A data cells filter's definition (ListDataCellsFilter, or a DataCellsFilter resource of the program). */
export interface LfDataCellsFilter {
  readonly database: string;
  readonly table: string;
  readonly name: string;
  /** The columns it lets through, or `{ excluded }`: every column but those. */
  readonly columns: readonly string[] | { readonly excluded: readonly string[] };
  /** The row filter expression; undefined: every row. */
  readonly rows: string | undefined;
}

/** The grants with each data cells filter they name resolved to its definition (grants naming an unknown filter unchanged). */
export function withFilterDefinitions(grants: readonly LfGrant[], filters: readonly LfDataCellsFilter[]): LfGrant[] {
  return grants.map((g) => {
    const r = g.resource;
    if (r.kind !== "data-cells-filter") return g;
    const f = filters.find((x) => x.database === r.database && x.table === r.table && x.name === r.name);
    if (f === undefined) return g;
    const columns = Array.isArray(f.columns) ? { columns: [...(f.columns as readonly string[])] } : { excluded: [...(f.columns as { excluded: readonly string[] }).excluded] };
    return { ...g, resource: { kind: "data-cells-filter", database: r.database, table: r.table, name: r.name, ...columns, ...(f.rows === undefined ? {} : { rows: f.rows }) } };
  });
}

export interface LfGrant {
  /** DataLakePrincipalIdentifier: an IAM ARN, an account id, an organization ARN or IAM_ALLOWED_PRINCIPALS. */
  readonly principal: string;
  readonly resource: LfGrantResource;
  readonly permissions: readonly string[];
  readonly grantable: readonly string[];
  /** AWS RAM resource shares the grant is part of (cross-account sharing). */
  readonly shares: readonly string[];
  /** The grant's condition (a Cedar expression on the caller's context), when it has one. */
  readonly condition?: string;
}

export interface LfColumn {
  readonly name: string;
  /** Effective tags: the column's own, else its table's, else its database's. */
  readonly tags: Tags;
}

export interface LfTable {
  readonly database: string;
  readonly table: string;
  readonly databaseTags: Tags;
  /** Effective tags: the table's own, else its database's. */
  readonly tableTags: Tags;
  readonly columns: readonly LfColumn[];
}

export const IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS";

/** The account of `<account-id>:IAMPrincipals`, Lake Formation's group of every IAM principal of that account (AllIAMPrincipals). */
export const allIamPrincipalsOf = (principal: string): string | undefined => /^(\d{12}):IAMPrincipals$/.exec(principal)?.[1];

/** The account a principal belongs to: an account id, an account's AllIAMPrincipals group, an ARN with an account. */
export const accountOfPrincipal = (principal: string): string | undefined =>
  /^\d{12}$/.test(principal) ? principal : (allIamPrincipalsOf(principal) ?? /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(principal)?.[1]);

const isIamPrincipal = (principal: string): boolean => /^arn:[^:]+:iam::\d{12}:(?:role|user)\//.test(principal);

/**
 * Whether a grant to `grantee` reaches `principal`, in the catalog of `catalogAccount`: its own
 * grants; IAMAllowedPrincipals', which reach every IAM principal of the catalog's account; and
 * those of `<account>:IAMPrincipals`, which reach every IAM principal of that account.
 */
export function grantReaches(grantee: string, principal: string, catalogAccount: string): boolean {
  if (grantee === principal) return true;
  if (!isIamPrincipal(principal)) return false;
  if (grantee === IAM_ALLOWED_PRINCIPALS) return accountOfPrincipal(principal) === catalogAccount;
  const group = allIamPrincipalsOf(grantee);
  return group !== undefined && accountOfPrincipal(principal) === group;
}

/** Permissions that read a table's data (SUPER_USER: on the catalog, every table of it). */
const READ_PERMISSIONS: ReadonlySet<string> = new Set(["SELECT", "ALL", "SUPER", "SUPER_USER"]);

export const readsData = (grant: LfGrant): boolean => grant.permissions.some((p) => READ_PERMISSIONS.has(p));

/** A table's effective tags from what is assigned on the database, the table and each column. */
export function inheritTags(database: string, table: string, assigned: { database: Tags; table: Tags; columns: readonly { name: string; tags: Tags }[] }): LfTable {
  const tableTags = { ...assigned.database, ...assigned.table };
  return { database, table, databaseTags: { ...assigned.database }, tableTags, columns: assigned.columns.map((c) => ({ name: c.name, tags: { ...tableTags, ...c.tags } })) };
}

/** Every condition names a key the resource has, with one of its values (`*`: any value). */
export function tagsMatch(tags: Tags, expression: readonly LfTagCondition[]): boolean {
  return expression.length > 0 && expression.every((c) => tags[c.key] !== undefined && (c.values.includes("*") || c.values.includes(tags[c.key]!)));
}

/** Whether a grant lets its principal read one column of a table. */
export function grantReadsColumn(grant: LfGrant, table: LfTable, column: LfColumn): boolean {
  if (!readsData(grant)) return false;
  const r = grant.resource;
  const same = (db: string, t: string): boolean => db === table.database && t === table.table;
  switch (r.kind) {
    case "catalog":
      return grant.permissions.includes("SUPER_USER");
    case "table":
      return r.database === table.database && (r.table === "*" || r.table === table.table);
    case "columns":
      return same(r.database, r.table) && r.columns.includes(column.name);
    case "column-wildcard":
      return same(r.database, r.table) && !r.excluded.includes(column.name);
    case "tag-policy":
      return r.resourceType === "TABLE" && tagsMatch(column.tags, r.expression);
    case "data-cells-filter":
      // A filter whose definition is unknown counts as the whole table.
      if (!same(r.database, r.table)) return false;
      if (r.columns !== undefined) return r.columns.includes(column.name);
      return !(r.excluded ?? []).includes(column.name);
    default:
      return false;
  }
}

export interface AccessCell {
  readonly principal: string;
  readonly database: string;
  readonly table: string;
  readonly column: string;
  readonly read: boolean;
  /** The grants that give the read: the principal's own, and those of the groups it belongs to ({@link grantReaches}). */
  readonly grants: readonly LfGrant[];
}

/**
 * Who can read what: one cell per principal, table and column, with the grants that give each read.
 * `reaches` says whether a grant to one principal reaches another (@default only its own grants;
 * the audit passes {@link grantReaches}).
 */
export function effectiveAccess(
  grants: readonly LfGrant[],
  tables: readonly LfTable[],
  principals: readonly string[],
  reaches: (grantee: string, principal: string) => boolean = (grantee, principal) => grantee === principal,
): AccessCell[] {
  const cells: AccessCell[] = [];
  for (const principal of principals) {
    const own = grants.filter((g) => reaches(g.principal, principal));
    for (const table of tables) {
      for (const column of table.columns) {
        const giving = own.filter((g) => grantReadsColumn(g, table, column));
        cells.push({ principal, database: table.database, table: table.table, column: column.name, read: giving.length > 0, grants: giving });
      }
    }
  }
  return cells;
}

const sorted = (values: readonly string[]): string[] => [...values].sort();

/** A canonical key of a grant's resource: equal for the same resource however the arrays are ordered. */
export function resourceKey(r: LfGrantResource): string {
  switch (r.kind) {
    case "columns":
      return JSON.stringify({ ...r, columns: sorted(r.columns) });
    case "column-wildcard":
      return JSON.stringify({ ...r, excluded: sorted(r.excluded) });
    case "tag-policy":
      return JSON.stringify({ kind: r.kind, resourceType: r.resourceType, expression: [...r.expression].map((c) => ({ key: c.key, values: sorted(c.values) })).sort((a, b) => a.key.localeCompare(b.key)) });
    case "lf-tag":
      return JSON.stringify({ ...r, values: sorted(r.values) });
    case "data-cells-filter":
      // The filter is named by the grant: its definition is not part of the grant's identity.
      return JSON.stringify({ kind: r.kind, database: r.database, table: r.table, name: r.name });
    default:
      return JSON.stringify(r);
  }
}

/** The resource as a person would say it. */
export function describeResource(r: LfGrantResource): string {
  switch (r.kind) {
    case "catalog":
      return "the Data Catalog";
    case "database":
      return `database ${r.database}`;
    case "table":
      return r.table === "*" ? `every table of ${r.database}` : `table ${r.database}.${r.table}`;
    case "columns":
      return `columns ${r.columns.join(", ")} of ${r.database}.${r.table}`;
    case "column-wildcard":
      return r.excluded.length > 0 ? `every column of ${r.database}.${r.table} except ${r.excluded.join(", ")}` : `every column of ${r.database}.${r.table}`;
    case "data-location":
      return `data location ${r.arn}`;
    case "tag-policy": {
      const what = r.resourceType === "TABLE" ? "tables and columns" : "databases";
      const conditions = r.expression.map((c) => `${c.key}=${c.values.join("|")}`).join(" and ");
      return `${what} tagged ${conditions || "(nothing)"}${r.expressionName === undefined ? "" : ` (expression ${r.expressionName})`}`;
    }
    case "lf-tag":
      return `LF-tag ${r.key}=${r.values.join("|")}`;
    case "named-tag-expression":
      return `LF-tag expression ${r.name}`;
    case "data-cells-filter": {
      const columns = r.columns !== undefined ? `columns ${r.columns.join(", ")}` : r.excluded !== undefined ? (r.excluded.length > 0 ? `every column except ${r.excluded.join(", ")}` : "every column") : "definition not found";
      return `data cells filter ${r.name} on ${r.database}.${r.table} (${columns}${r.rows === undefined ? "" : `; rows where ${r.rows}`})`;
    }
  }
}

/** A resource in the shape of the Lake Formation API (`Resource` of GrantPermissions, ListPermissions, RevokePermissions). */
export type LfApiResource = Record<string, unknown>;

/** The API form of a resource, for `aws lakeformation revoke-permissions --resource '<json>'` and the like. */
export function toApiResource(r: LfGrantResource): LfApiResource {
  switch (r.kind) {
    case "catalog":
      return { Catalog: {} };
    case "database":
      return { Database: { Name: r.database } };
    case "table":
      return { Table: r.table === "*" ? { DatabaseName: r.database, TableWildcard: {} } : { DatabaseName: r.database, Name: r.table } };
    case "columns":
      return { TableWithColumns: { DatabaseName: r.database, Name: r.table, ColumnNames: [...r.columns] } };
    case "column-wildcard":
      return { TableWithColumns: { DatabaseName: r.database, Name: r.table, ColumnWildcard: { ExcludedColumnNames: [...r.excluded] } } };
    case "data-location":
      return { DataLocation: { ResourceArn: r.arn } };
    case "tag-policy":
      return {
        LFTagPolicy: {
          ResourceType: r.resourceType,
          ...(r.expressionName === undefined ? { Expression: r.expression.map((c) => ({ TagKey: c.key, TagValues: [...c.values] })) } : { ExpressionName: r.expressionName }),
        },
      };
    case "lf-tag":
      return { LFTag: { TagKey: r.key, TagValues: [...r.values] } };
    case "named-tag-expression":
      return { LFTagExpression: { Name: r.name } };
    case "data-cells-filter":
      return { DataCellsFilter: { DatabaseName: r.database, TableName: r.table, Name: r.name } };
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * A resource as the Lake Formation API returns it (PrincipalResourcePermissions.Resource), in the
 * shape above. `expressions` resolves a saved LF-tag expression a tag policy names; undefined
 * for a resource shape this reader does not know (it is then reported as such, not dropped).
 */
export function fromApiResource(resource: unknown, expressions: (name: string) => readonly LfTagCondition[] | undefined = () => undefined): LfGrantResource | undefined {
  const r = obj(resource) ?? {};
  const tableWithColumns = obj(r.TableWithColumns);
  if (tableWithColumns) {
    const database = str(tableWithColumns.DatabaseName);
    const table = str(tableWithColumns.Name);
    const wildcard = obj(tableWithColumns.ColumnWildcard);
    return wildcard ? { kind: "column-wildcard", database, table, excluded: strings(wildcard.ExcludedColumnNames) } : { kind: "columns", database, table, columns: strings(tableWithColumns.ColumnNames) };
  }
  const table = obj(r.Table);
  if (table) return { kind: "table", database: str(table.DatabaseName), table: obj(table.TableWildcard) !== undefined || table.Name === undefined ? "*" : str(table.Name) };
  const database = obj(r.Database);
  if (database) return { kind: "database", database: str(database.Name) };
  const location = obj(r.DataLocation);
  if (location) return { kind: "data-location", arn: str(location.ResourceArn) };
  const policy = obj(r.LFTagPolicy);
  if (policy) {
    const resourceType = policy.ResourceType === "DATABASE" ? "DATABASE" : "TABLE";
    const inline = Array.isArray(policy.Expression) ? policy.Expression.map((c) => ({ key: str(obj(c)?.TagKey), values: strings(obj(c)?.TagValues) })) : undefined;
    const name = typeof policy.ExpressionName === "string" ? policy.ExpressionName : undefined;
    return { kind: "tag-policy", resourceType, expression: inline ?? (name === undefined ? [] : [...(expressions(name) ?? [])]), ...(name === undefined ? {} : { expressionName: name }) };
  }
  const tag = obj(r.LFTag);
  if (tag) return { kind: "lf-tag", key: str(tag.TagKey), values: strings(tag.TagValues) };
  const expression = obj(r.LFTagExpression);
  if (expression) return { kind: "named-tag-expression", name: str(expression.Name) };
  const filter = obj(r.DataCellsFilter);
  if (filter) return { kind: "data-cells-filter", database: str(filter.DatabaseName), table: str(filter.TableName), name: str(filter.Name) };
  if (obj(r.Catalog)) return { kind: "catalog" };
  return undefined;
}
