import { AccessRole, piiColumns, readsPii } from "../aws/governance-plan";
import { accountOfPrincipal, allIamPrincipalsOf, describeResource, effectiveAccess, grantReaches, IAM_ALLOWED_PRINCIPALS, LfGrant, LfTable, resourceKey, toApiResource } from "../aws/lake-formation";
import { LAYERS } from "../aws/naming";
import { bucketFindings } from "./buckets";
import { DeclaredLake, principalName } from "./declared";
import { AccessEntry, AUDIT_VERSION, AuditReport, DataRead, GrantEntry, ObservedLake, Violation, ViolationKind, VIOLATION_KINDS } from "./types";

/** One GetDataAccess call on a table: who, when, through which service. */
export interface DataAccessEvent {
  readonly principal: string;
  readonly database: string;
  readonly table: string;
  readonly service: string;
  readonly time: string;
}

export interface AuditOptions {
  readonly generatedAt?: Date;
  /** CloudTrail's GetDataAccess events over a period (`--used-since`). */
  readonly dataAccess?: { readonly since: string; readonly until: string; readonly events: readonly DataAccessEvent[] };
}

/** Permissions on the catalog that reach lake data (CREATE_DATABASE and the like do not). */
const DATA_REACHING_CATALOG_PERMISSIONS = new Set(["ALL", "SUPER", "SUPER_USER"]);

/** iap: IAMAllowedPrincipals; all-iam: the account's AllIAMPrincipals group (`<account>:IAMPrincipals`), every IAM principal of it. */
type PrincipalKind = { kind: "declared"; role: AccessRole } | { kind: "admin" } | { kind: "iap" } | { kind: "all-iam" } | { kind: "external" } | { kind: "undeclared" };

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function revokeCommand(g: LfGrant, permissions: readonly string[] = g.permissions): string {
  const grantable = g.grantable.filter((p) => permissions.includes(p));
  return (
    `aws lakeformation revoke-permissions --principal DataLakePrincipalIdentifier=${g.principal} --permissions ${permissions.join(" ")}` +
    `${grantable.length > 0 ? ` --permissions-with-grant-option ${grantable.join(" ")}` : ""} --resource ${shellQuote(JSON.stringify(toApiResource(g.resource)))}`
  );
}

function grantCommand(g: LfGrant, permissions: readonly string[]): string {
  return `aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier=${g.principal} --permissions ${permissions.join(" ")} --resource ${shellQuote(JSON.stringify(toApiResource(g.resource)))}`;
}

/**
 * Compares the lake as observed (Lake Formation online, or the program under mocks) with the lake
 * as declared (the governance plan, resolved with the stack's outputs), and evaluates who can read
 * what from the grants and tags observed. Every finding is a {@link Violation} with its fix.
 */
export function auditLake(declared: DeclaredLake, observed: ObservedLake, options: AuditOptions = {}): AuditReport {
  const violations: Violation[] = [...observed.findings, ...bucketFindings(declared, observed.buckets)];
  const notes: string[] = [...observed.notes];
  const add = (kind: ViolationKind, message: string, fix: string, extra: Partial<Violation> = {}): void => void violations.push({ kind, message, fix, ...extra });
  const tagKeys = declared.facts.tagKeys;
  const ourKeys = new Set(Object.values(tagKeys));
  const bucketArns = Object.values(declared.facts.bucketArns);

  // Administrators: the declared ones when this stack owns the settings, else the ones observed.
  const observedAdmins = new Set([...(observed.settings?.admins ?? []), ...(declared.admins.managed ? declared.admins.admins : [])]);
  const classify = (principal: string): PrincipalKind => {
    if (principal === IAM_ALLOWED_PRINCIPALS) return { kind: "iap" };
    if (allIamPrincipalsOf(principal) === declared.accountId) return { kind: "all-iam" };
    if (observedAdmins.has(principal)) return { kind: "admin" };
    const role = declared.roleOf(principal);
    if (role !== undefined) return { kind: "declared", role };
    if (/^arn:[^:]+:organizations::/.test(principal)) return { kind: "external" };
    const account = accountOfPrincipal(principal);
    if (account !== undefined && account !== declared.accountId) return { kind: "external" };
    return { kind: "undeclared" };
  };
  const roleLabel = (k: PrincipalKind): string => (k.kind === "declared" ? k.role : k.kind === "iap" ? "IAMAllowedPrincipals" : k.kind === "all-iam" ? "AllIAMPrincipals" : k.kind);
  const who = (principal: string): string => {
    const k = classify(principal);
    return k.kind === "declared" ? `${k.role} (${principalName(principal)})` : k.kind === "iap" ? "IAMAllowedPrincipals" : k.kind === "all-iam" ? `every IAM principal of account ${declared.accountId} (${principal})` : principal;
  };
  /** Groups are not rows of the matrix: their grants show in the rows of the principals they reach. */
  const isGroup = (principal: string): boolean => ["admin", "iap", "all-iam"].includes(classify(principal).kind);

  // --- Settings -------------------------------------------------------------------------------
  if (observed.settings !== undefined) {
    for (const [what, list] of [
      ["new databases", observed.settings.createDatabaseDefaults],
      ["new tables", observed.settings.createTableDefaults],
    ] as const) {
      const open = list.filter((p) => p.principal === IAM_ALLOWED_PRINCIPALS);
      if (open.length > 0) {
        add(
          "iam-allowed-principals",
          `the account's Lake Formation settings give IAMAllowedPrincipals ${open.flatMap((p) => p.permissions).join(", ")} on ${what}: any database or table created now is governed by IAM alone`,
          declared.admins.managed ? "run `pulumi up` (this stack's settings declare empty defaults)" : "deploy the stack that owns the Lake Formation settings (manageLakeFormationSettings), which empties these defaults",
        );
      }
    }
    if (declared.admins.managed) {
      const compare = (kind: string, declaredList: readonly string[], observedList: readonly string[]): void => {
        for (const a of observedList.filter((x) => !declaredList.includes(x))) {
          add("undeclared-admin", `${a} is a Lake Formation ${kind} the stack does not declare`, `run \`pulumi up\` to restore the declared list, or add it to the stack's config (lakeFormation${kind === "administrator" ? "Admins" : "ReadOnlyAdmins"})`, { principal: a });
        }
        for (const a of declaredList.filter((x) => !observedList.includes(x))) {
          add("undeclared-admin", `${a} is declared a Lake Formation ${kind} but is not one`, "run `pulumi up` to restore the declared list", { principal: a });
        }
      };
      compare("administrator", declared.admins.admins, observed.settings.admins);
      compare("read-only administrator", declared.admins.readOnlyAdmins, observed.settings.readOnlyAdmins);
    } else {
      notes.push(`another stack owns the account's Lake Formation settings: administrators (${observed.settings.admins.map(principalName).join(", ") || "none"}) are listed, not compared`);
    }
  }

  // --- Registered locations -------------------------------------------------------------------
  for (const [layer, arn] of Object.entries(declared.facts.bucketArns)) {
    const location = observed.locations.find((l) => l.arn === arn || l.arn === `${arn}/`);
    const register = `aws lakeformation register-resource --resource-arn ${arn} --role-arn ${declared.locationRoleArn} --no-hybrid-access-enabled`;
    if (location === undefined) add("unregistered-location", `the ${layer} bucket ${arn} is not registered with Lake Formation: Athena and Spectrum cannot get its data through Lake Formation`, `run \`pulumi up\`, or ${register}`);
    else if (location.hybridAccess) add("unregistered-location", `the ${layer} bucket ${arn} is registered in hybrid access mode: IAM permissions still reach its data`, `run \`pulumi up\` (the model registers it with hybrid access off)`);
  }

  // --- LF-tags ---------------------------------------------------------------------------------
  for (const def of declared.tagDefinitions) {
    const seen = observed.tagDefinitions.find((t) => t.key === def.key);
    if (seen === undefined) {
      add("tag-drift", `the LF-tag ${def.key} does not exist`, "run `pulumi up`");
      continue;
    }
    const missing = def.values.filter((v) => !seen.values.includes(v));
    const extra = seen.values.filter((v) => !def.values.includes(v));
    if (missing.length + extra.length > 0) {
      add("tag-drift", `the LF-tag ${def.key} has values ${seen.values.join(", ")}; the model declares ${def.values.join(", ")}`, "run `pulumi up`");
    }
  }
  for (const layer of LAYERS) {
    const database = declared.names.database(layer);
    const db = observed.databases.find((d) => d.name === database);
    if (db === undefined) add("tag-drift", `the database ${database} is not in the catalog`, "run `pulumi up`");
    else if (db.tags[tagKeys.layer] !== layer) add("tag-drift", `the database ${database} is tagged ${tagKeys.layer}=${db.tags[tagKeys.layer] ?? "(none)"}; the model tags it ${layer}`, "run `pulumi up`");
  }
  const tableKey = (t: { database: string; table: string }): string => `${t.database}.${t.table}`;
  const observedTables = new Map(observed.tables.map((t) => [tableKey(t), t]));
  const declaredTableKeys = new Set(declared.tables.map(tableKey));
  for (const want of declared.tables) {
    const seen = observedTables.get(tableKey(want));
    if (seen === undefined) {
      add("tag-drift", `the table ${tableKey(want)} is missing or carries no LF-tags`, "run `pulumi up`");
      continue;
    }
    for (const column of want.columns) {
      const actual = seen.columns.find((c) => c.name === column.name);
      if (actual === undefined) {
        add("tag-drift", `the column ${column.name} of ${tableKey(want)} is missing from the table`, "run `pulumi up`");
        continue;
      }
      for (const key of [tagKeys.layer, tagKeys.sensitivity]) {
        if (actual.tags[key] !== column.tags[key]) {
          add("tag-drift", `the column ${column.name} of ${tableKey(want)} is tagged ${key}=${actual.tags[key] ?? "(none)"}; the model tags it ${column.tags[key]}`, "run `pulumi up` (the model's tags are restored)");
        }
      }
    }
    for (const column of seen.columns.filter((c) => !want.columns.some((w) => w.name === c.name))) {
      add(
        "undeclared-table",
        `the column ${column.name} of ${tableKey(want)} is not in the contract; it is tagged ${tagKeys.sensitivity}=${column.tags[tagKeys.sensitivity] ?? "(none)"}`,
        "declare it in the contract (pii if it holds personal data) and run `pulumi up`, or drop it from the table",
      );
    }
  }
  for (const table of observed.tables.filter((t) => !declaredTableKeys.has(tableKey(t)))) {
    add(
      "undeclared-table",
      `the table ${tableKey(table)} is not declared by the model${table.tableTags[tagKeys.sensitivity] === undefined ? " (it has no sensitivity tag: no table grant reaches it)" : ` (tagged ${tagKeys.sensitivity}=${table.tableTags[tagKeys.sensitivity]})`}`,
      "declare it with a contract, or delete it (a crawler's table: the crawlers update the declared tables only)",
    );
  }

  // --- Grants ----------------------------------------------------------------------------------
  const inScope = (g: LfGrant): boolean => {
    const r = g.resource;
    switch (r.kind) {
      case "catalog":
        return g.permissions.some((p) => DATA_REACHING_CATALOG_PERMISSIONS.has(p));
      case "database":
      case "table":
      case "columns":
      case "column-wildcard":
      case "data-cells-filter":
        return declared.layerOf(r.database) !== undefined;
      case "data-location":
        return bucketArns.some((b) => r.arn === b || r.arn.startsWith(`${b}/`));
      case "tag-policy":
        return r.expression.some((c) => ourKeys.has(c.key));
      case "lf-tag":
        return ourKeys.has(r.key);
      case "named-tag-expression":
        return false;
    }
  };
  const grants = observed.grants.filter(inScope);
  const declaredByKey = new Map(declared.grants.map((g) => [`${g.principal}|${resourceKey(g.resource)}`, g]));
  const sortedGrants = [...grants].sort((a, b) => a.principal.localeCompare(b.principal) || describeResource(a.resource).localeCompare(describeResource(b.resource)));
  const entries: GrantEntry[] = [];
  const idOf = new Map<LfGrant, string>();
  sortedGrants.forEach((g, i) => {
    const id = `g${i + 1}`;
    idOf.set(g, id);
    const want = declaredByKey.get(`${g.principal}|${resourceKey(g.resource)}`);
    const isDeclared = want !== undefined && g.permissions.every((p) => want.permissions.includes(p)) && g.grantable.length === 0 && g.shares.length === 0;
    entries.push({ id, principal: g.principal, role: roleLabel(classify(g.principal)), resource: g.resource, description: `${describeResource(g.resource)}${g.condition === undefined ? "" : ` when ${g.condition}`}`, permissions: [...g.permissions], grantable: [...g.grantable], ...(g.condition === undefined ? {} : { condition: g.condition }), declared: isDeclared });
  });

  for (const g of sortedGrants) {
    const id = idOf.get(g)!;
    const k = classify(g.principal);
    const on = `${g.permissions.join(", ")} on ${describeResource(g.resource)}${g.condition === undefined ? "" : ` when ${g.condition}`}`;
    if (g.shares.length > 0) {
      add("cross-account-share", `${who(g.principal)} holds ${on} through AWS RAM share ${g.shares.join(", ")}`, `revoke it: ${revokeCommand(g)} (the share goes with it)`, { principal: g.principal, grant: id });
      continue;
    }
    if (k.kind === "admin") continue;
    if (k.kind === "iap") {
      add("iam-allowed-principals", `IAMAllowedPrincipals holds ${on}: any IAM principal its IAM policy lets in reaches it, whatever the grants`, `revoke it: ${revokeCommand(g)}`, { principal: g.principal, grant: id });
      continue;
    }
    if (k.kind === "all-iam") {
      add("undeclared-principal", `${who(g.principal)} holds ${on}: the model grants nothing to the whole account`, `revoke it: ${revokeCommand(g)}`, { principal: g.principal, grant: id });
      continue;
    }
    if (k.kind === "external") {
      add("cross-account-share", `${g.principal}, outside account ${declared.accountId}, holds ${on}`, `revoke it: ${revokeCommand(g)}`, { principal: g.principal, grant: id });
      continue;
    }
    const want = declaredByKey.get(`${g.principal}|${resourceKey(g.resource)}`);
    const isLocation = g.resource.kind === "data-location" && g.permissions.includes("DATA_LOCATION_ACCESS");
    if (want === undefined) {
      if (isLocation) add("data-location-grant", `${who(g.principal)} holds DATA_LOCATION_ACCESS on ${describeResource(g.resource)}: it can create tables of its own over that data, untagged`, `revoke it: ${revokeCommand(g)}`, { principal: g.principal, grant: id });
      else if (k.kind === "undeclared") add("undeclared-principal", `${g.principal} holds ${on}; the model declares no such principal`, `revoke it: ${revokeCommand(g)}, or declare the principal (docs/governance.md, "Adding a principal")`, { principal: g.principal, grant: id });
      else add("extra-grant", `${who(g.principal)} holds ${on}, which the model does not grant it`, `revoke it: ${revokeCommand(g)}`, { principal: g.principal, role: k.role, grant: id });
      continue;
    }
    const extra = g.permissions.filter((p) => !want.permissions.includes(p));
    if (extra.length > 0) add("extra-grant", `${who(g.principal)} holds ${extra.join(", ")} on ${describeResource(g.resource)} beyond the model's ${want.permissions.join(", ")}`, `revoke them: ${revokeCommand(g, extra)}`, { principal: g.principal, grant: id });
    if (g.grantable.length > 0) add("extra-grant", `${who(g.principal)} may grant ${g.grantable.join(", ")} on ${describeResource(g.resource)} to others; the model grants nothing with grant option`, `${revokeCommand(g)}, then \`pulumi up\` grants it again without grant option`, { principal: g.principal, grant: id });
  }
  for (const want of declared.grants) {
    const held = new Set(grants.filter((g) => g.principal === want.principal && resourceKey(g.resource) === resourceKey(want.resource)).flatMap((g) => g.permissions));
    const missing = want.permissions.filter((p) => !held.has(p));
    if (missing.length > 0) {
      const principal = declared.principals[want.role].find((p) => p.arn === want.principal)!;
      add(
        "missing-grant",
        `${want.role} (${principal.name}) lacks ${missing.join(", ")} on ${describeResource(want.resource)}`,
        `run \`pulumi up\` (the grant ${declared.prefix}-governance-grant-<${want.role} principal>-${want.planned.id}), or ${grantCommand(want, missing)}`,
        { principal: want.principal, role: want.role },
      );
    }
  }

  // --- Who can read what ------------------------------------------------------------------------
  const principals = [
    ...new Set([
      ...Object.values(declared.principals).flatMap((list) => list.map((p) => p.arn)),
      ...grants.map((g) => g.principal).filter((p) => !isGroup(p)),
    ]),
  ];
  const tables: readonly LfTable[] = observed.tables;
  const isPii = (table: LfTable, column: string): boolean => {
    const layer = declared.layerOf(table.database);
    const contract = declared.contractOf(table.database, table.table);
    const declaredPii = layer !== undefined && contract !== undefined && piiColumns(layer, contract).includes(column);
    return declaredPii || table.columns.find((c) => c.name === column)?.tags[tagKeys.sensitivity] === "pii";
  };
  const tableByKey = new Map(tables.map((t) => [tableKey(t), t]));
  const access: AccessEntry[] = effectiveAccess(grants, tables, principals, (grantee, principal) => grantReaches(grantee, principal, declared.accountId)).map((cell) => {
    const table = tableByKey.get(tableKey(cell))!;
    const ids = cell.grants.map((g) => idOf.get(g)!);
    return {
      role: roleLabel(classify(cell.principal)),
      principal: cell.principal,
      layer: declared.layerOf(cell.database) ?? null,
      dataset: declared.contractOf(cell.database, cell.table)?.name ?? cell.table,
      database: cell.database,
      table: cell.table,
      column: cell.column,
      pii: isPii(table, cell.column),
      read: cell.read,
      grants: ids,
      grant: cell.grants.length > 0 ? `${ids[0]}: ${describeResource(cell.grants[0]!.resource)} (${cell.grants[0]!.permissions.join(", ")})` : null,
    };
  });
  const exposures = new Map<string, AccessEntry[]>();
  for (const e of access) {
    if (!e.read || !e.pii) continue;
    const k = classify(e.principal);
    if (k.kind === "declared" && readsPii(k.role)) continue;
    const key = `${e.principal}|${e.database}.${e.table}`;
    exposures.set(key, [...(exposures.get(key) ?? []), e]);
  }
  for (const cells of exposures.values()) {
    const first = cells[0]!;
    const through = [...new Set(cells.flatMap((c) => c.grants))];
    add(
      "pii-exposure",
      `${who(first.principal)} can read the PII column${cells.length > 1 ? "s" : ""} ${cells.map((c) => c.column).join(", ")} of ${first.database}.${first.table} through ${through.map((id) => `${id} (${entries.find((e) => e.id === id)!.description})`).join(", ")}`,
      "revoke those grants, or restore the columns' pii tag (`pulumi up`)",
      { principal: first.principal, role: first.role, grant: through[0] },
    );
  }

  // --- Who did read PII ------------------------------------------------------------------------
  let reads: AuditReport["reads"];
  if (options.dataAccess !== undefined) {
    const byKey = new Map<string, { events: DataAccessEvent[] }>();
    for (const e of options.dataAccess.events) {
      if (declared.layerOf(e.database) === undefined) continue;
      const key = `${e.principal}|${e.database}.${e.table}`;
      byKey.set(key, { events: [...(byKey.get(key)?.events ?? []), e] });
    }
    const pii: DataRead[] = [];
    for (const { events } of byKey.values()) {
      const e = events[0]!;
      const cells = access.filter((a) => a.principal === e.principal && a.database === e.database && a.table === e.table);
      const table = tableByKey.get(`${e.database}.${e.table}`);
      // A reader the matrix does not know: count every PII column of the table as read.
      const readable = cells.length > 0 ? cells.filter((c) => c.read && c.pii).map((c) => c.column) : (table?.columns.filter((c) => isPii(table, c.name)).map((c) => c.name) ?? []);
      if (readable.length === 0) continue;
      const times = events.map((x) => x.time).sort();
      pii.push({
        principal: e.principal,
        role: roleLabel(classify(e.principal)),
        database: e.database,
        table: e.table,
        layer: declared.layerOf(e.database) ?? null,
        dataset: declared.contractOf(e.database, e.table)?.name ?? e.table,
        piiColumns: readable,
        services: [...new Set(events.map((x) => x.service))].sort(),
        events: events.length,
        first: times[0]!,
        last: times[times.length - 1]!,
      });
    }
    pii.sort((a, b) => a.role.localeCompare(b.role) || a.principal.localeCompare(b.principal) || a.database.localeCompare(b.database) || a.table.localeCompare(b.table));
    reads = { since: options.dataAccess.since, until: options.dataAccess.until, pii };
  }

  const order = (v: Violation): number => VIOLATION_KINDS.indexOf(v.kind);
  violations.sort((a, b) => order(a) - order(b));
  const byKind: Partial<Record<ViolationKind, number>> = {};
  for (const v of violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
  const readers = new Map<string, { role: string; principal: string; columns: number }>();
  for (const e of access) {
    if (!e.read || !e.pii) continue;
    const r = readers.get(e.principal) ?? { role: e.role, principal: e.principal, columns: 0 };
    r.columns += 1;
    readers.set(e.principal, r);
  }
  return {
    audit_version: AUDIT_VERSION,
    stack: declared.prefix,
    source: observed.source,
    account: declared.accountId,
    region: declared.region,
    generated_at: (options.generatedAt ?? new Date()).toISOString(),
    summary: {
      violations: violations.length,
      by_kind: byKind,
      principals: principals.length,
      tables: tables.length,
      pii_columns: tables.reduce((n, t) => n + t.columns.filter((c) => isPii(t, c.name)).length, 0),
      pii_readers: [...readers.values()],
    },
    violations,
    access,
    grants: entries,
    admins: {
      declared: declared.admins.managed,
      admins: declared.admins.managed ? [...declared.admins.admins] : [...(observed.settings?.admins ?? [])],
      read_only_admins: declared.admins.managed ? [...declared.admins.readOnlyAdmins] : [...(observed.settings?.readOnlyAdmins ?? [])],
    },
    ...(reads === undefined ? {} : { reads }),
    notes,
  };
}
