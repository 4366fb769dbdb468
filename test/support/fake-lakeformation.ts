import { ObservedLake } from "../../src/audit/types";
import { tagsMatch, toApiResource } from "../../src/aws/lake-formation";
import { FakeAwsError, JsonProtocolServer, RestJsonServer } from "./fake-aws";
import { FakeS3 } from "./fake-s3";

/**
 * A fake AWS Lake Formation on 127.0.0.1 for the real @aws-sdk/client-lakeformation (REST-JSON:
 * `POST /<Operation>`), with the response shapes of the API reference: GetDataLakeSettings,
 * ListResources, ListLFTags, GetResourceLFTags (tags inherited database -> table -> column unless
 * ShowAssignedLFTags), SearchTablesByLFTags, ListPermissions (filtered by ResourceType as the
 * service does: a table's column grants under TABLE, tag policies under LF_TAG_POLICY and its
 * DATABASE / TABLE variants), GetLFTagExpression and ListDataCellsFilter (by table). Every list is paged `pageSize` at a time
 * with an opaque NextToken. State is plain API-shaped data a test edits to seed findings.
 */

export type Pair = { TagKey: string; TagValues: string[] };

export interface FakeTable {
  DatabaseName: string;
  Name: string;
  /** Tags assigned on the table itself. */
  LFTags: Pair[];
  Columns: { Name: string; LFTags: Pair[] }[];
}

export interface FakeLakeFormationState {
  CatalogId: string;
  DataLakeSettings: Record<string, unknown>;
  ResourceInfoList: Record<string, unknown>[];
  LFTags: Pair[];
  Databases: { Name: string; LFTags: Pair[] }[];
  Tables: FakeTable[];
  PrincipalResourcePermissions: Record<string, unknown>[];
  Expressions: { Name: string; Expression: Pair[] }[];
  /** DataCellsFilter objects of the API: TableCatalogId, DatabaseName, TableName, Name, RowFilter, ColumnNames or ColumnWildcard. */
  DataCellsFilters: Record<string, unknown>[];
}

const pairs = (tags: Readonly<Record<string, string>>): Pair[] => Object.entries(tags).map(([TagKey, v]) => ({ TagKey, TagValues: [v] }));
const asTags = (list: readonly Pair[]): Record<string, string> => Object.fromEntries(list.map((p) => [p.TagKey, p.TagValues[0]!]));
const minus = (tags: Record<string, string>, base: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(tags).filter(([k, v]) => base[k] !== v));

/** The fake's state for a lake deployed exactly as observed (offline, from the program under mocks). */
export function stateFrom(observed: ObservedLake, catalogId: string, settings: { admins: string[]; readOnlyAdmins: string[] }): FakeLakeFormationState {
  const principal = (p: string) => ({ DataLakePrincipalIdentifier: p });
  return {
    CatalogId: catalogId,
    DataLakeSettings: {
      DataLakeAdmins: settings.admins.map(principal),
      ReadOnlyAdmins: settings.readOnlyAdmins.map(principal),
      CreateDatabaseDefaultPermissions: [],
      CreateTableDefaultPermissions: [],
      Parameters: { CROSS_ACCOUNT_VERSION: "4" },
    },
    ResourceInfoList: observed.locations.map((l) => ({ ResourceArn: l.arn, RoleArn: l.roleArn, HybridAccessEnabled: l.hybridAccess, LastModified: 1767225600 })),
    LFTags: observed.tagDefinitions.map((t) => ({ TagKey: t.key, TagValues: [...t.values] })),
    Databases: observed.databases.map((d) => ({ Name: d.name, LFTags: pairs(d.tags) })),
    // Assigned tags only: what is inherited the fake derives, as Lake Formation does.
    Tables: observed.tables.map((t) => ({
      DatabaseName: t.database,
      Name: t.table,
      LFTags: pairs(minus({ ...t.tableTags }, { ...t.databaseTags })),
      Columns: t.columns.map((c) => ({ Name: c.name, LFTags: pairs(minus({ ...c.tags }, { ...t.tableTags })) })),
    })),
    PrincipalResourcePermissions: observed.grants.map((g) => ({
      Principal: principal(g.principal),
      Resource: toApiResource(g.resource),
      Permissions: [...g.permissions],
      PermissionsWithGrantOption: [...g.grantable],
      LastUpdated: 1767225600,
      LastUpdatedBy: "arn:aws:iam::123456789012:role/energy-lake-deployer",
    })),
    Expressions: [],
    DataCellsFilters: [],
  };
}

/** A fake S3 holding the layer buckets with their policies and public access blocks as observed (offline, from the program under mocks). */
export async function fakeLakeBuckets(observed: ObservedLake): Promise<FakeS3> {
  const s3 = await FakeS3.start(observed.buckets.map((b) => b.bucket));
  for (const b of observed.buckets) {
    if (b.policy !== undefined) s3.policies.set(b.bucket, JSON.stringify({ Version: "2012-10-17", Statement: b.policy }));
    const block = b.publicAccessBlock;
    if (block !== undefined) {
      s3.publicAccessBlocks.set(b.bucket, { BlockPublicAcls: block.blockPublicAcls === true, IgnorePublicAcls: block.ignorePublicAcls === true, BlockPublicPolicy: block.blockPublicPolicy === true, RestrictPublicBuckets: block.restrictPublicBuckets === true });
    }
  }
  return s3;
}

/** The ListPermissions resource types a grant is listed under. */
function resourceTypesOf(resource: Record<string, unknown>): string[] {
  if (resource.Catalog !== undefined) return ["CATALOG"];
  if (resource.Database !== undefined) return ["DATABASE"];
  if (resource.Table !== undefined || resource.TableWithColumns !== undefined || resource.DataCellsFilter !== undefined) return ["TABLE"];
  if (resource.DataLocation !== undefined) return ["DATA_LOCATION"];
  if (resource.LFTag !== undefined) return ["LF_TAG"];
  if (resource.LFTagExpression !== undefined) return ["LF_NAMED_TAG_EXPRESSION"];
  const policy = resource.LFTagPolicy as { ResourceType?: string } | undefined;
  if (policy !== undefined) return ["LF_TAG_POLICY", `LF_TAG_POLICY_${policy.ResourceType}`];
  return [];
}

export class FakeLakeFormation {
  readonly server: RestJsonServer;

  constructor(
    public state: FakeLakeFormationState,
    private readonly options: { pageSize?: number; refuse?: (operation: string) => FakeAwsError | undefined } = {},
  ) {
    const h = <T>(f: (input: Record<string, unknown>) => T) => f;
    this.server = new RestJsonServer(
      {
        GetDataLakeSettings: h(() => ({ DataLakeSettings: this.state.DataLakeSettings })),
        ListResources: h((input) => this.page(input, this.state.ResourceInfoList, "ResourceInfoList")),
        ListLFTags: h((input) => this.page(input, this.state.LFTags.map((t) => ({ CatalogId: this.state.CatalogId, ...t })), "LFTags")),
        GetResourceLFTags: h((input) => this.resourceTags(input)),
        SearchTablesByLFTags: h((input) => {
          const expression = (input.Expression as Pair[]).map((e) => ({ key: e.TagKey, values: e.TagValues }));
          const matching = this.state.Tables.filter((t) => tagsMatch(this.effective(t).table, expression)).map((t) => this.tagged(t, false));
          return this.page(input, matching, "TableList");
        }),
        ListPermissions: h((input) => {
          const type = input.ResourceType as string | undefined;
          const listed = this.state.PrincipalResourcePermissions.filter((p) => type === undefined || resourceTypesOf(p.Resource as Record<string, unknown>).includes(type));
          return this.page(input, listed, "PrincipalResourcePermissions");
        }),
        ListDataCellsFilter: h((input) => {
          const table = input.Table as { DatabaseName?: string; Name?: string } | undefined;
          const listed = this.state.DataCellsFilters.filter((f) => table === undefined || (f.DatabaseName === table.DatabaseName && f.TableName === table.Name));
          return this.page(input, listed, "DataCellsFilters");
        }),
        GetLFTagExpression: h((input) => {
          const found = this.state.Expressions.find((e) => e.Name === input.Name);
          if (found === undefined) throw new FakeAwsError("EntityNotFoundException", `LF-tag expression ${String(input.Name)} not found`);
          return { Name: found.Name, CatalogId: this.state.CatalogId, Expression: found.Expression };
        }),
      },
      (operation) => this.options.refuse?.(operation),
    );
  }

  start(): Promise<string> {
    return this.server.start();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** A page of `items`: `MaxResults` or the fake's page size, from the offset its NextToken carries. */
  private page(input: Record<string, unknown>, items: readonly unknown[], field: string): Record<string, unknown> {
    const size = Math.min(Number(input.MaxResults ?? Infinity), this.options.pageSize ?? 100);
    const token = input.NextToken as string | undefined;
    const start = token === undefined ? 0 : (JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { offset: number }).offset;
    const end = start + size;
    return { [field]: items.slice(start, end), ...(end < items.length ? { NextToken: Buffer.from(JSON.stringify({ offset: end, field })).toString("base64") } : {}) };
  }

  private database(name: string) {
    return this.state.Databases.find((d) => d.Name === name);
  }

  private effective(t: FakeTable): { database: Record<string, string>; table: Record<string, string>; columns: Record<string, string>[] } {
    const database = asTags(this.database(t.DatabaseName)?.LFTags ?? []);
    const table = { ...database, ...asTags(t.LFTags) };
    return { database, table, columns: t.Columns.map((c) => ({ ...table, ...asTags(c.LFTags) })) };
  }

  private tagged(t: FakeTable, assignedOnly: boolean): Record<string, unknown> {
    const e = this.effective(t);
    const withCatalog = (list: Pair[]) => list.map((p) => ({ CatalogId: this.state.CatalogId, ...p }));
    return {
      Table: { CatalogId: this.state.CatalogId, DatabaseName: t.DatabaseName, Name: t.Name },
      LFTagOnDatabase: withCatalog(pairs(e.database)),
      LFTagsOnTable: withCatalog(assignedOnly ? t.LFTags : pairs(e.table)),
      LFTagsOnColumns: t.Columns.map((c, i) => ({ Name: c.Name, LFTags: withCatalog(assignedOnly ? c.LFTags : pairs(e.columns[i]!)) })),
    };
  }

  private resourceTags(input: Record<string, unknown>): Record<string, unknown> {
    const resource = input.Resource as Record<string, Record<string, string>>;
    if (resource.Database !== undefined) {
      const db = this.database(resource.Database.Name!);
      if (db === undefined) throw new FakeAwsError("EntityNotFoundException", `Database ${resource.Database.Name} not found`);
      return { LFTagOnDatabase: db.LFTags.map((p) => ({ CatalogId: this.state.CatalogId, ...p })) };
    }
    const table = resource.Table ?? resource.TableWithColumns;
    if (table !== undefined) {
      const t = this.state.Tables.find((x) => x.DatabaseName === table.DatabaseName && x.Name === table.Name);
      if (t === undefined) throw new FakeAwsError("EntityNotFoundException", `Table ${table.DatabaseName}.${table.Name} not found`);
      const { Table: _table, ...tags } = this.tagged(t, input.ShowAssignedLFTags === true);
      return tags;
    }
    throw new FakeAwsError("InvalidInputException", "GetResourceLFTags takes a database or a table");
  }
}

/** One GetDataAccess event as CloudTrail's event history returns it (LookupEvents `Event`, its `CloudTrailEvent` a JSON string). */
export function getDataAccessEvent(e: { id: string; time: string; principal: string; session?: string; tableArn?: string; service: string; errorCode?: string }): Record<string, unknown> {
  const role = /role\/(.+)$/.exec(e.principal)?.[1] ?? "user";
  const detail = {
    eventVersion: "1.08",
    userIdentity: {
      type: "AssumedRole",
      principalId: `AROAEXAMPLE:${e.session ?? "session"}`,
      arn: `arn:aws:sts::123456789012:assumed-role/${role}/${e.session ?? "session"}`,
      accountId: "123456789012",
      sessionContext: { sessionIssuer: { type: "Role", principalId: "AROAEXAMPLE", arn: e.principal, accountId: "123456789012", userName: role } },
      invokedBy: `${e.service.toLowerCase()}.amazonaws.com`,
    },
    eventTime: e.time,
    eventSource: "lakeformation.amazonaws.com",
    eventName: "GetDataAccess",
    awsRegion: "eu-west-1",
    sourceIPAddress: `${e.service.toLowerCase()}.amazonaws.com`,
    requestParameters: { ...(e.tableArn === undefined ? {} : { tableArn: e.tableArn }), durationSeconds: 3600, auditContext: { additionalAuditContext: '{"queryId":"example"}' } },
    responseElements: null,
    additionalEventData: { requesterService: e.service, lakeFormationPrincipal: e.principal, lakeFormationRoleSessionName: "AWSLF-00-AT-123456789012-Example" },
    ...(e.errorCode === undefined ? {} : { errorCode: e.errorCode, errorMessage: "Insufficient Lake Formation permission(s)" }),
    requestID: e.id,
    eventID: e.id,
    readOnly: true,
    eventType: "AwsApiCall",
    managementEvent: true,
    recipientAccountId: "123456789012",
  };
  return {
    EventId: e.id,
    EventName: "GetDataAccess",
    ReadOnly: "true",
    EventTime: Date.parse(e.time) / 1000,
    EventSource: "lakeformation.amazonaws.com",
    Username: e.session ?? "session",
    Resources: [],
    CloudTrailEvent: JSON.stringify(detail),
  };
}

/** A fake AWS CloudTrail (JSON 1.1, `X-Amz-Target: CloudTrail_20131101.LookupEvents`): the events in the window asked, newest first, paged. */
export class FakeCloudTrail {
  readonly server: JsonProtocolServer;

  constructor(
    public events: Record<string, unknown>[],
    pageSize = 50,
  ) {
    this.server = new JsonProtocolServer("CloudTrail_20131101", {
      LookupEvents: (input) => {
        const attribute = (input.LookupAttributes as { AttributeKey: string; AttributeValue: string }[] | undefined)?.[0];
        if (attribute !== undefined && attribute.AttributeKey !== "EventName") throw new FakeAwsError("InvalidLookupAttributesException", "this fake looks events up by EventName only");
        const start = Number(input.StartTime ?? 0);
        const end = Number(input.EndTime ?? Infinity);
        const matching = this.events
          .filter((e) => (attribute === undefined || e.EventName === attribute.AttributeValue) && Number(e.EventTime) >= start && Number(e.EventTime) <= end)
          .sort((a, b) => Number(b.EventTime) - Number(a.EventTime));
        const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
        const size = Math.min(Number(input.MaxResults ?? 50), pageSize);
        return { Events: matching.slice(offset, offset + size), ...(offset + size < matching.length ? { NextToken: String(offset + size) } : {}) };
      },
    });
  }

  start(): Promise<string> {
    return this.server.start();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
