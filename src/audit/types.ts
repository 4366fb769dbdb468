import { AccessRole } from "../aws/governance-plan";
import { LfGrant, LfGrantResource, LfTable, Tags } from "../aws/lake-formation";
import { PolicyStatement } from "../aws/iam";
import { Layer } from "../aws/naming";

/** The JSON shape of a governance audit (schemas/audit.schema.json). */
export const AUDIT_VERSION = 1;

export const VIOLATION_KINDS = [
  "missing-grant",
  "extra-grant",
  "undeclared-principal",
  "iam-allowed-principals",
  "unregistered-location",
  "data-location-grant",
  "undeclared-admin",
  "cross-account-share",
  "tag-drift",
  "undeclared-table",
  "pii-exposure",
  "direct-s3-read",
  "iam-lf-mismatch",
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** What each kind means, for the renderings and the docs. */
export const VIOLATION_MEANING: Readonly<Record<ViolationKind, string>> = {
  "missing-grant": "a grant the model declares is not in force",
  "extra-grant": "a declared principal holds a grant the model does not declare",
  "undeclared-principal": "a principal the model does not declare holds a grant on the lake",
  "iam-allowed-principals": "IAMAllowedPrincipals has access to a lake database or table, or would get it by default",
  "unregistered-location": "a layer bucket is not registered with Lake Formation, or only in hybrid access mode",
  "data-location-grant": "a data location grant the model does not declare (it lets its holder create tables over lake data)",
  "undeclared-admin": "a Lake Formation administrator the stack does not declare, or a declared one missing",
  "cross-account-share": "a lake resource is granted to another account or organization, or shared through AWS RAM",
  "tag-drift": "an LF-tag, or its assignment to a database, table or column, differs from the model",
  "undeclared-table": "a table or column in a lake database the model does not declare",
  "pii-exposure": "a role whose access excludes PII can read a PII column",
  "direct-s3-read": "a role that must read through Lake Formation can read lake data from S3 itself, or a layer bucket's policy or missing public access block opens its objects",
  "iam-lf-mismatch": "a persona's IAM allows other Glue calls than its grants are used through",
};

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  /** What to run or change to fix it. */
  readonly fix: string;
  readonly principal?: string;
  readonly role?: string;
  /** The grant (an id of {@link AuditReport.grants}) the violation is about. */
  readonly grant?: string;
}

export interface GrantEntry {
  readonly id: string;
  readonly principal: string;
  /** The access role of the principal, or "undeclared", "external", "admin", "IAMAllowedPrincipals", "AllIAMPrincipals". */
  readonly role: string;
  readonly resource: LfGrantResource;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly grantable: readonly string[];
  /** The grant's condition, when it has one: it is counted as met (the audit cannot know every caller's context). */
  readonly condition?: string;
  /** Part of the model's grants. */
  readonly declared: boolean;
}

/** One cell of "who can read what". */
export interface AccessEntry {
  readonly role: string;
  readonly principal: string;
  readonly layer: Layer | null;
  readonly dataset: string;
  readonly database: string;
  readonly table: string;
  readonly column: string;
  readonly pii: boolean;
  readonly read: boolean;
  /** The grants that give the read, as ids of {@link AuditReport.grants}. */
  readonly grants: readonly string[];
  /** The first of them, described; null when not read. */
  readonly grant: string | null;
}

/** Who did read a table with PII columns they may read, from CloudTrail's GetDataAccess events. */
export interface DataRead {
  readonly principal: string;
  readonly role: string;
  readonly database: string;
  readonly table: string;
  readonly layer: Layer | null;
  readonly dataset: string;
  /** The PII columns of the table the principal can read. */
  readonly piiColumns: readonly string[];
  readonly services: readonly string[];
  readonly events: number;
  readonly first: string;
  readonly last: string;
}

export interface AuditReport {
  readonly audit_version: typeof AUDIT_VERSION;
  readonly stack: string;
  readonly source: "online" | "offline";
  readonly account: string;
  readonly region: string;
  readonly generated_at: string;
  readonly summary: {
    readonly violations: number;
    readonly by_kind: Readonly<Partial<Record<ViolationKind, number>>>;
    readonly principals: number;
    readonly tables: number;
    readonly pii_columns: number;
    /** Principals that can read at least one PII column, with how many. */
    readonly pii_readers: readonly { readonly role: string; readonly principal: string; readonly columns: number }[];
  };
  readonly violations: readonly Violation[];
  readonly access: readonly AccessEntry[];
  readonly grants: readonly GrantEntry[];
  readonly admins: { readonly declared: boolean; readonly admins: readonly string[]; readonly read_only_admins: readonly string[] };
  /** With --used-since: the GetDataAccess events since that date on tables with PII the reader may read. */
  readonly reads?: { readonly since: string; readonly until: string; readonly pii: readonly DataRead[] };
  readonly notes: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// What the audit compares: the lake as declared, and as observed

export interface PrincipalPermissions {
  readonly principal: string;
  readonly permissions: readonly string[];
}

export interface ObservedSettings {
  readonly admins: readonly string[];
  readonly readOnlyAdmins: readonly string[];
  readonly createDatabaseDefaults: readonly PrincipalPermissions[];
  readonly createTableDefaults: readonly PrincipalPermissions[];
}

export interface ObservedLocation {
  readonly arn: string;
  readonly roleArn: string | undefined;
  readonly hybridAccess: boolean;
}

export const PUBLIC_ACCESS_BLOCK_SETTINGS = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"] as const;
export type PublicAccessBlockSetting = (typeof PUBLIC_ACCESS_BLOCK_SETTINGS)[number];

/** A layer bucket's own access settings. */
export interface ObservedBucket {
  readonly layer: Layer;
  readonly bucket: string;
  /** How the findings name its policy: the program's resource, or the bucket's policy in S3. */
  readonly policyName: string;
  /** Its bucket policy's statements; undefined: it has none. */
  readonly policy: readonly PolicyStatement[] | undefined;
  /** Its public access block; undefined: none is set. */
  readonly publicAccessBlock: Readonly<Partial<Record<PublicAccessBlockSetting, boolean>>> | undefined;
}

/** Lake Formation as it is (online) or as the program would deploy it (offline), in one shape. */
export interface ObservedLake {
  readonly source: "online" | "offline";
  /** Undefined when the settings are not observed (offline, in a stack that does not own them). */
  readonly settings: ObservedSettings | undefined;
  readonly locations: readonly ObservedLocation[];
  readonly tagDefinitions: readonly { readonly key: string; readonly values: readonly string[] }[];
  readonly databases: readonly { readonly name: string; readonly tags: Tags }[];
  readonly tables: readonly LfTable[];
  readonly grants: readonly LfGrant[];
  /** The layer buckets' policies and public access blocks. */
  readonly buckets: readonly ObservedBucket[];
  /** Findings only this source can make (offline: IAM, dependency order, replaceWith). */
  readonly findings: readonly Violation[];
  readonly notes: readonly string[];
}

/** The access role a principal has in the model. */
export type RoleOf = (principal: string) => AccessRole | undefined;
