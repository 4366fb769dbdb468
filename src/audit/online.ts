import { CloudTrailClient, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import { GetBucketPolicyCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import {
  DataLakeResourceType,
  GetDataLakeSettingsCommand,
  GetLFTagExpressionCommand,
  GetResourceLFTagsCommand,
  LakeFormationClient,
  LFTagPair,
  paginateListDataCellsFilter,
  paginateListLFTags,
  paginateListPermissions,
  paginateListResources,
  paginateSearchTablesByLFTags,
  TaggedTable,
} from "@aws-sdk/client-lakeformation";
import { AUDIT_ACTIONS } from "../aws/governance-plan";
import { PolicyDocument } from "../aws/iam";
import { fromApiResource, inheritTags, LfDataCellsFilter, LfGrant, LfTable, LfTagCondition, resourceKey, Tags, withFilterDefinitions } from "../aws/lake-formation";
import { LAYERS } from "../aws/naming";
import { StackOutputs } from "../aws/stack-outputs";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { isIsoDate } from "../model/text";
import { auditLake, DataAccessEvent } from "./audit";
import { DeclaredLake, declaredLake } from "./declared";
import { AuditReport, ObservedBucket, ObservedLake, ObservedLocation, PrincipalPermissions } from "./types";

/**
 * The online audit: Lake Formation read with @aws-sdk/client-lakeformation (GetDataLakeSettings,
 * ListResources, ListLFTags, GetResourceLFTags, SearchTablesByLFTags, ListPermissions per
 * resource type, GetLFTagExpression for saved expressions, ListDataCellsFilter for the tables
 * whose filters are granted; every list paged to its end), the layer buckets' policies and public
 * access blocks (GetBucketPolicy, GetPublicAccessBlock), and,
 * with `--used-since`, CloudTrail's GetDataAccess events (LookupEvents, paged). The clients take
 * their endpoint from the standard settings (AWS_ENDPOINT_URL_LAKEFORMATION, _CLOUDTRAIL).
 */

/** ListPermissions filtered by each type in turn: an unfiltered call does not list every kind of grant. */
const PERMISSION_RESOURCE_TYPES: readonly DataLakeResourceType[] = ["CATALOG", "DATABASE", "TABLE", "DATA_LOCATION", "LF_TAG", "LF_TAG_POLICY_DATABASE", "LF_TAG_POLICY_TABLE", "LF_NAMED_TAG_EXPRESSION"];

/** How long CloudTrail's event history keeps management events. */
export const CLOUDTRAIL_HISTORY_DAYS = 90;

const NEEDS = `run lake audit as a Lake Formation administrator or read-only administrator (the stack's auditor role is one where the stack owns the settings) whose IAM allows ${AUDIT_ACTIONS.join(", ")} (README: lake audit)`;

/** Calls one operation, turning the service's refusals into errors a user can act on (exit 2). */
async function call<T>(service: string, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === "AccessDeniedException" || e.name === "AccessDenied" || e.name === "UnauthorizedOperation") {
      throw new LakeInputError(`${service} refused ${operation} (${e.name}: ${e.message}); ${NEEDS}`);
    }
    if (e.name === "CredentialsProviderError" || e.name === "ExpiredTokenException" || e.name === "UnrecognizedClientException") {
      throw new LakeInputError(`${service} ${operation}: no valid credentials (${e.name}: ${e.message}); set AWS_PROFILE or the AWS_* variables, then ${NEEDS}`);
    }
    if (err instanceof Error && (e.name === "TimeoutError" || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT/.test(e.message ?? ""))) {
      throw new LakeInputError(`${service} ${operation}: cannot reach the service (${e.message}); check the region and any AWS_ENDPOINT_URL_* setting`);
    }
    throw err;
  }
}

const isNotFound = (err: unknown): boolean => (err as { name?: string }).name === "EntityNotFoundException";

/** A resource's LF-tags: one value per key (Lake Formation assigns one per resource). */
const tagsOf = (pairs: readonly LFTagPair[] | undefined): Tags => Object.fromEntries((pairs ?? []).filter((p) => p.TagKey !== undefined && (p.TagValues ?? []).length > 0).map((p) => [p.TagKey!, p.TagValues![0]!]));

function tableOf(database: string, table: string, t: Pick<TaggedTable, "LFTagOnDatabase" | "LFTagsOnTable" | "LFTagsOnColumns">): LfTable {
  return inheritTags(database, table, {
    database: tagsOf(t.LFTagOnDatabase),
    table: tagsOf(t.LFTagsOnTable),
    columns: (t.LFTagsOnColumns ?? []).filter((c) => c.Name !== undefined).map((c) => ({ name: c.Name!, tags: tagsOf(c.LFTags) })),
  });
}

const principalPermissions = (list: readonly { Principal?: { DataLakePrincipalIdentifier?: string }; Permissions?: string[] }[] | undefined): PrincipalPermissions[] =>
  (list ?? []).map((p) => ({ principal: p.Principal?.DataLakePrincipalIdentifier ?? "", permissions: [...(p.Permissions ?? [])] }));

/** The layer buckets' own access settings, as S3 has them. */
export async function observeBuckets(client: S3Client, declared: DeclaredLake): Promise<ObservedBucket[]> {
  const buckets: ObservedBucket[] = [];
  const absent = (code: string) => (err: unknown) => {
    if ((err as { name?: string }).name === code) return undefined;
    throw err;
  };
  for (const layer of LAYERS) {
    const bucket = declared.facts.bucketArns[layer].replace(/^arn:[^:]+:s3:::/, "");
    const policy = await call("S3", `GetBucketPolicy (${bucket})`, () => client.send(new GetBucketPolicyCommand({ Bucket: bucket })).then((r) => r.Policy, absent("NoSuchBucketPolicy")));
    const block = await call("S3", `GetPublicAccessBlock (${bucket})`, () =>
      client.send(new GetPublicAccessBlockCommand({ Bucket: bucket })).then((r) => r.PublicAccessBlockConfiguration, absent("NoSuchPublicAccessBlockConfiguration")),
    );
    buckets.push({
      layer,
      bucket,
      policyName: "GetBucketPolicy",
      policy: policy === undefined ? undefined : (JSON.parse(policy) as PolicyDocument).Statement,
      publicAccessBlock:
        block === undefined
          ? undefined
          : { blockPublicAcls: block.BlockPublicAcls === true, ignorePublicAcls: block.IgnorePublicAcls === true, blockPublicPolicy: block.BlockPublicPolicy === true, restrictPublicBuckets: block.RestrictPublicBuckets === true },
    });
  }
  return buckets;
}

/** Lake Formation as it is, for the lake of one stack. */
export async function observeLakeFormation(client: LakeFormationClient, declared: DeclaredLake): Promise<Omit<ObservedLake, "buckets">> {
  const CatalogId = declared.accountId;
  const LF = "Lake Formation";
  const notes: string[] = [];

  const settings = (await call(LF, "GetDataLakeSettings", () => client.send(new GetDataLakeSettingsCommand({ CatalogId })))).DataLakeSettings ?? {};
  const locations: ObservedLocation[] = [];
  await call(LF, "ListResources", async () => {
    for await (const page of paginateListResources({ client }, {})) {
      for (const r of page.ResourceInfoList ?? []) locations.push({ arn: r.ResourceArn ?? "", roleArn: r.RoleArn, hybridAccess: r.HybridAccessEnabled === true });
    }
  });
  const tagDefinitions: { key: string; values: string[] }[] = [];
  await call(LF, "ListLFTags", async () => {
    for await (const page of paginateListLFTags({ client }, { CatalogId })) for (const t of page.LFTags ?? []) tagDefinitions.push({ key: t.TagKey ?? "", values: [...(t.TagValues ?? [])] });
  });

  const resourceTags = (Resource: object, operation: string) =>
    call(LF, operation, () => client.send(new GetResourceLFTagsCommand({ CatalogId, Resource, ShowAssignedLFTags: false }))).then(
      (r) => r,
      (err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      },
    );

  const databases: { name: string; tags: Tags }[] = [];
  for (const layer of LAYERS) {
    const name = declared.names.database(layer);
    const found = await resourceTags({ Database: { CatalogId, Name: name } }, "GetResourceLFTags");
    if (found !== undefined) databases.push({ name, tags: tagsOf(found.LFTagOnDatabase) });
  }

  // Every table carrying a lake layer tag (declared or not), then declared ones the search missed.
  const tables = new Map<string, LfTable>();
  const key = (database: string, table: string): string => `${database}.${table}`;
  await call(LF, "SearchTablesByLFTags", async () => {
    for await (const page of paginateSearchTablesByLFTags({ client }, { CatalogId, Expression: [{ TagKey: declared.facts.tagKeys.layer, TagValues: [...LAYERS] }] })) {
      for (const t of page.TableList ?? []) {
        const database = t.Table?.DatabaseName ?? "";
        const table = t.Table?.Name ?? "";
        if (declared.layerOf(database) !== undefined) tables.set(key(database, table), tableOf(database, table, t));
      }
    }
  });
  const describeTable = async (database: string, table: string): Promise<void> => {
    if (tables.has(key(database, table))) return;
    const found = await resourceTags({ Table: { CatalogId, DatabaseName: database, Name: table } }, "GetResourceLFTags");
    if (found !== undefined) tables.set(key(database, table), tableOf(database, table, found));
  };
  for (const t of declared.tables) await describeTable(t.database, t.table);

  const expressions = new Map<string, LfTagCondition[] | undefined>();
  const resolveExpression = async (name: string): Promise<void> => {
    if (expressions.has(name)) return;
    const found = await call(LF, "GetLFTagExpression", () => client.send(new GetLFTagExpressionCommand({ CatalogId, Name: name }))).then(
      (r) => (r.Expression ?? []).map((c) => ({ key: c.TagKey ?? "", values: [...(c.TagValues ?? [])] })),
      (err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      },
    );
    expressions.set(name, found);
    if (found === undefined) notes.push(`a grant names the LF-tag expression ${name}, which does not exist: it is counted as matching nothing`);
  };

  const grants = new Map<string, LfGrant>();
  for (const ResourceType of PERMISSION_RESOURCE_TYPES) {
    await call(LF, `ListPermissions (${ResourceType})`, async () => {
      for await (const page of paginateListPermissions({ client }, { CatalogId, ResourceType })) {
        for (const p of page.PrincipalResourcePermissions ?? []) {
          const name = p.Resource?.LFTagPolicy?.ExpressionName;
          if (name !== undefined && p.Resource?.LFTagPolicy?.Expression === undefined) await resolveExpression(name);
          const resource = fromApiResource(p.Resource, (n) => expressions.get(n));
          if (resource === undefined) {
            notes.push(`ListPermissions returned a resource this audit does not know: ${JSON.stringify(p.Resource)}`);
            continue;
          }
          const grant: LfGrant = {
            principal: p.Principal?.DataLakePrincipalIdentifier ?? "",
            resource,
            permissions: [...(p.Permissions ?? [])],
            grantable: [...(p.PermissionsWithGrantOption ?? [])],
            shares: [...(p.AdditionalDetails?.ResourceShare ?? [])],
            ...(p.Condition?.Expression === undefined ? {} : { condition: p.Condition.Expression }),
          };
          const id = `${grant.principal}|${resourceKey(resource)}|${grant.permissions.join(",")}|${grant.grantable.join(",")}|${grant.condition ?? ""}`;
          grants.set(id, grant);
        }
      }
    });
  }
  // A grant can name a table no tag search finds (an untagged table of a lake database).
  for (const g of grants.values()) {
    const r = g.resource;
    if ((r.kind === "table" || r.kind === "columns" || r.kind === "column-wildcard" || r.kind === "data-cells-filter") && r.table !== "*" && declared.layerOf(r.database) !== undefined) await describeTable(r.database, r.table);
  }

  // The columns and rows a data cells filter lets through are in its definition, not in the grant.
  const filters: LfDataCellsFilter[] = [];
  const filtered = new Map<string, { database: string; table: string }>();
  for (const g of grants.values()) {
    if (g.resource.kind === "data-cells-filter" && declared.layerOf(g.resource.database) !== undefined) filtered.set(key(g.resource.database, g.resource.table), g.resource);
  }
  for (const t of filtered.values()) {
    await call(LF, "ListDataCellsFilter", async () => {
      for await (const page of paginateListDataCellsFilter({ client }, { Table: { CatalogId, DatabaseName: t.database, Name: t.table } })) {
        for (const f of page.DataCellsFilters ?? []) {
          filters.push({
            database: f.DatabaseName ?? t.database,
            table: f.TableName ?? t.table,
            name: f.Name ?? "",
            columns: f.ColumnWildcard !== undefined ? { excluded: [...(f.ColumnWildcard.ExcludedColumnNames ?? [])] } : [...(f.ColumnNames ?? [])],
            rows: f.RowFilter?.AllRowsWildcard !== undefined ? undefined : f.RowFilter?.FilterExpression,
          });
        }
      }
    });
  }
  const resolved = withFilterDefinitions([...grants.values()], filters);
  for (const g of resolved) {
    if (g.resource.kind === "data-cells-filter" && g.resource.columns === undefined && g.resource.excluded === undefined && declared.layerOf(g.resource.database) !== undefined) {
      notes.push(`a grant names the data cells filter ${g.resource.name} on ${g.resource.database}.${g.resource.table}, which ListDataCellsFilter does not return: it is counted as reading the whole table`);
    }
  }

  return {
    source: "online",
    settings: {
      admins: (settings.DataLakeAdmins ?? []).map((a) => a.DataLakePrincipalIdentifier ?? ""),
      readOnlyAdmins: (settings.ReadOnlyAdmins ?? []).map((a) => a.DataLakePrincipalIdentifier ?? ""),
      createDatabaseDefaults: principalPermissions(settings.CreateDatabaseDefaultPermissions),
      createTableDefaults: principalPermissions(settings.CreateTableDefaultPermissions),
    },
    locations,
    tagDefinitions,
    databases,
    tables: [...tables.values()],
    grants: resolved,
    findings: [],
    notes,
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * One GetDataAccess event as the audit reads it: the principal Lake Formation authorized (its
 * `lakeFormationPrincipal`, else the role behind the session), the table (`tableArn`, else
 * database and table names), the service that asked (`requesterService`). Undefined for a refused
 * call or one that names no table.
 */
export function dataAccessOf(cloudTrailEvent: string | undefined, eventTime: Date | undefined): DataAccessEvent | undefined {
  let detail: Obj;
  try {
    detail = obj(JSON.parse(cloudTrailEvent ?? "{}"));
  } catch {
    return undefined;
  }
  if (detail.errorCode !== undefined) return undefined;
  const request = obj(detail.requestParameters);
  const extra = obj(detail.additionalEventData);
  const identity = obj(detail.userIdentity);
  const principal = str(extra.lakeFormationPrincipal) ?? str(obj(obj(identity.sessionContext).sessionIssuer).arn) ?? str(identity.arn);
  const fromArn = /^arn:[^:]+:glue:[^:]*:[^:]*:table\/([^/]+)\/(.+)$/.exec(str(request.tableArn) ?? "");
  const database = fromArn?.[1] ?? str(request.databaseName);
  const table = fromArn?.[2] ?? str(request.tableName);
  if (principal === undefined || database === undefined || table === undefined) return undefined;
  return { principal, database, table, service: str(extra.requesterService) ?? str(detail.sourceIPAddress) ?? "unknown", time: str(detail.eventTime) ?? eventTime?.toISOString() ?? "" };
}

/** CloudTrail's GetDataAccess events from `since` (a date, UTC midnight) to `until`. */
export async function lookupDataAccess(client: CloudTrailClient, since: string, until: Date): Promise<{ events: DataAccessEvent[]; unreadable: number }> {
  const events: DataAccessEvent[] = [];
  let unreadable = 0;
  await call("CloudTrail", "LookupEvents", async () => {
    const input = { LookupAttributes: [{ AttributeKey: "EventName" as const, AttributeValue: "GetDataAccess" }], StartTime: new Date(`${since}T00:00:00Z`), EndTime: until };
    for await (const page of paginateLookupEvents({ client }, input)) {
      for (const e of page.Events ?? []) {
        if (e.EventSource !== undefined && e.EventSource !== "lakeformation.amazonaws.com") continue;
        const access = dataAccessOf(e.CloudTrailEvent, e.EventTime);
        if (access === undefined) unreadable += 1;
        else events.push(access);
      }
    }
  });
  return { events, unreadable };
}

export interface OnlineAuditOptions {
  /** `--used-since`: a YYYY-MM-DD date; who read PII since then, from CloudTrail. */
  readonly usedSince?: string;
  readonly now?: Date;
}

/** Checks `--used-since`: a date, not in the future; notes when it reaches past CloudTrail's history. */
export function usedSinceProblems(value: string, now: Date): { problem?: string; note?: string } {
  if (!isIsoDate(value)) return { problem: `--used-since ${value}: expected a date YYYY-MM-DD` };
  const since = new Date(`${value}T00:00:00Z`);
  if (since.getTime() > now.getTime()) return { problem: `--used-since ${value}: the date is in the future` };
  const oldest = new Date(now.getTime() - CLOUDTRAIL_HISTORY_DAYS * 24 * 3600 * 1000);
  return since < oldest ? { note: `CloudTrail's event history keeps ${CLOUDTRAIL_HISTORY_DAYS} days: reads before ${oldest.toISOString().slice(0, 10)} are not shown (query a trail's archive for them)` } : {};
}

/** `lake audit --stack-outputs FILE`: the grants in force of the stack's lake, compared with the model. */
export async function onlineAudit(outputs: StackOutputs, contracts: readonly Contract[], options: OnlineAuditOptions = {}): Promise<AuditReport> {
  const now = options.now ?? new Date();
  const since = options.usedSince === undefined ? undefined : usedSinceProblems(options.usedSince, now);
  if (since?.problem !== undefined) throw new LakeInputError(since.problem);
  const declared = declaredLake(outputs, contracts);
  const observed: ObservedLake = {
    ...(await observeLakeFormation(new LakeFormationClient({ region: declared.region }), declared)),
    buckets: await observeBuckets(new S3Client({ region: declared.region }), declared),
  };
  if (options.usedSince === undefined) return auditLake(declared, observed, { generatedAt: now });
  const { events, unreadable } = await lookupDataAccess(new CloudTrailClient({ region: declared.region }), options.usedSince, now);
  const notes = [...observed.notes, ...(since?.note === undefined ? [] : [since.note]), ...(unreadable > 0 ? [`${unreadable} GetDataAccess event(s) named no table, or were refused, and are not counted`] : [])];
  return auditLake(declared, { ...observed, notes }, { generatedAt: now, dataAccess: { since: options.usedSince, until: now.toISOString(), events } });
}
