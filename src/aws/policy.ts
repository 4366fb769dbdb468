import { PolicyDocument, PolicyStatement, UNSCOPABLE_ACTIONS } from "./iam";

/**
 * Resource invariants of the lake, written like @pulumi/policy's validateResource so they run
 * offline over what the mocks record (and could be wrapped in a policy pack unchanged): each takes
 * {type, name, props} and returns the violations, empty when the resource complies.
 */
export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly props: Readonly<Record<string, unknown>>;
}

export interface ResourcePolicy {
  readonly name: string;
  readonly description: string;
  /** Resource types the policy looks at. */
  readonly types: readonly string[];
  validateResource(resource: PolicyResource): string[];
}

export interface StackPolicy {
  readonly name: string;
  readonly description: string;
  validateStack(resources: readonly PolicyResource[]): string[];
}

const MIN_ATHENA_SCAN_CUTOFF = 10 * 1024 * 1024;
const GLUE_MAX_TIMEOUT_MINUTES = 2880;

const list = <T>(value: T | readonly T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? [...(value as T[])] : [value as T]);

function parseDocument(value: unknown, where: string): PolicyDocument | string {
  if (typeof value !== "string") return `${where}: policy is not a JSON string`;
  try {
    return JSON.parse(value) as PolicyDocument;
  } catch {
    return `${where}: policy is not valid JSON`;
  }
}

/** Allow statements: no wildcard actions; `"*"` resources only for actions AWS cannot scope (or inside a key policy, where "*" means the key). */
export function statementProblems(doc: PolicyDocument, where: string, options: { keyPolicy?: boolean } = {}): string[] {
  const problems: string[] = [];
  doc.Statement.forEach((s: PolicyStatement, i) => {
    if (s.Effect !== "Allow") return;
    const id = `${where} statement ${s.Sid ?? i}`;
    const actions = list(s.Action);
    for (const a of actions) if (a.includes("*")) problems.push(`${id}: wildcard action "${a}"; list the actions it needs`);
    if (s.Principal === "*") problems.push(`${id}: allows any principal`);
    const resources = list(s.Resource);
    if (!options.keyPolicy && resources.includes("*")) {
      const scopable = actions.filter((a) => !UNSCOPABLE_ACTIONS.has(a));
      if (scopable.length > 0) problems.push(`${id}: resource "*" for ${scopable.join(", ")}, which can be scoped to ARNs`);
    }
  });
  return problems;
}

const policyOf = (name: string, description: string, types: readonly string[], validate: (r: PolicyResource) => string[]): ResourcePolicy => ({
  name,
  description,
  types,
  validateResource: (r) => (types.includes(r.type) ? validate(r) : []),
});

export const RESOURCE_POLICIES: readonly ResourcePolicy[] = [
  policyOf("iam-least-privilege", "IAM policies name their actions and scope their resources", ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"], (r) => {
    const doc = parseDocument(r.props.policy, r.name);
    return typeof doc === "string" ? [doc] : statementProblems(doc, r.name);
  }),
  policyOf("iam-trust-scoped", "Roles trust named principals only", ["aws:iam/role:Role"], (r) => {
    const doc = parseDocument(r.props.assumeRolePolicy, r.name);
    return typeof doc === "string" ? [doc] : statementProblems(doc, `${r.name} trust`, { keyPolicy: true });
  }),
  policyOf("resource-policies-least-privilege", "Bucket, queue and topic policies grant named actions", ["aws:s3/bucketPolicy:BucketPolicy", "aws:sqs/queuePolicy:QueuePolicy", "aws:sns/topicPolicy:TopicPolicy"], (r) => {
    const doc = parseDocument(r.props.policy, r.name);
    return typeof doc === "string" ? [doc] : statementProblems(doc, r.name, { keyPolicy: true });
  }),
  policyOf("s3-tls-only", "Every bucket policy denies requests without TLS", ["aws:s3/bucketPolicy:BucketPolicy"], (r) => {
    const doc = parseDocument(r.props.policy, r.name);
    if (typeof doc === "string") return [doc];
    const denies = doc.Statement.some((s) => s.Effect === "Deny" && list(s.Action).includes("s3:*") && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":false'));
    return denies ? [] : [`${r.name}: no Deny of s3:* when aws:SecureTransport is false`];
  }),
  policyOf("kms-key-rotation", "The lake key rotates and its policy grants named actions", ["aws:kms/key:Key"], (r) => {
    const problems = r.props.enableKeyRotation === true ? [] : [`${r.name}: enableKeyRotation must be true`];
    const doc = parseDocument(r.props.policy, r.name);
    return typeof doc === "string" ? [...problems, doc] : [...problems, ...statementProblems(doc, r.name, { keyPolicy: true })];
  }),
  policyOf("s3-encryption", "Buckets use SSE-KMS with bucket keys (access logs: SSE-S3, the only encryption S3 log delivery supports)", ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"], (r) => {
    const rules = list(r.props.rules as Record<string, unknown>[] | undefined);
    const byDefault = rules[0]?.applyServerSideEncryptionByDefault as Record<string, unknown> | undefined;
    if (r.name.includes("-access-logs-")) return byDefault?.sseAlgorithm === "AES256" || byDefault?.sseAlgorithm === "aws:kms" ? [] : [`${r.name}: no default encryption`];
    if (byDefault?.sseAlgorithm !== "aws:kms" || typeof byDefault.kmsMasterKeyId !== "string") return [`${r.name}: default encryption must be aws:kms with the lake key`];
    return rules[0]?.bucketKeyEnabled === true ? [] : [`${r.name}: bucketKeyEnabled must be true (cuts KMS calls)`];
  }),
  policyOf("s3-public-access-blocked", "All four public access block settings are on", ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"], (r) =>
    ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter((k) => r.props[k] !== true).map((k) => `${r.name}: ${k} must be true`),
  ),
  policyOf("s3-versioning", "Buckets are versioned", ["aws:s3/bucketVersioning:BucketVersioning"], (r) =>
    (r.props.versioningConfiguration as { status?: string } | undefined)?.status === "Enabled" ? [] : [`${r.name}: versioning must be Enabled`],
  ),
  policyOf("s3-objects-encrypted", "Uploaded objects are SSE-KMS", ["aws:s3/bucketObjectv2:BucketObjectv2"], (r) =>
    r.props.serverSideEncryption === "aws:kms" && typeof r.props.kmsKeyId === "string" ? [] : [`${r.name}: serverSideEncryption must be aws:kms with the lake key`],
  ),
  policyOf("queues-encrypted", "Queues are encrypted at rest", ["aws:sqs/queue:Queue"], (r) =>
    r.props.sqsManagedSseEnabled === true || typeof r.props.kmsMasterKeyId === "string" ? [] : [`${r.name}: enable SSE (sqsManagedSseEnabled or kmsMasterKeyId)`],
  ),
  policyOf("topics-encrypted", "Topics are encrypted with the lake key", ["aws:sns/topic:Topic"], (r) => (typeof r.props.kmsMasterKeyId === "string" ? [] : [`${r.name}: set kmsMasterKeyId`])),
  policyOf("logs-encrypted", "Log groups are encrypted with the lake key", ["aws:cloudwatch/logGroup:LogGroup"], (r) => (typeof r.props.kmsKeyId === "string" ? [] : [`${r.name}: set kmsKeyId`])),
  policyOf("athena-workgroup", "Athena: enforced settings, SSE_KMS results, scan cap >= 10 MiB, forceDestroy", ["aws:athena/workgroup:Workgroup"], (r) => {
    const c = (r.props.configuration ?? {}) as {
      enforceWorkgroupConfiguration?: boolean;
      bytesScannedCutoffPerQuery?: number;
      resultConfiguration?: { encryptionConfiguration?: { encryptionOption?: string } };
    };
    const problems: string[] = [];
    if (c.enforceWorkgroupConfiguration !== true) problems.push(`${r.name}: enforceWorkgroupConfiguration must be true`);
    if (c.resultConfiguration?.encryptionConfiguration?.encryptionOption !== "SSE_KMS") problems.push(`${r.name}: results must be SSE_KMS`);
    if (!(typeof c.bytesScannedCutoffPerQuery === "number" && c.bytesScannedCutoffPerQuery >= MIN_ATHENA_SCAN_CUTOFF)) problems.push(`${r.name}: bytesScannedCutoffPerQuery must be at least 10 MiB (${MIN_ATHENA_SCAN_CUTOFF})`);
    if (r.props.forceDestroy !== true) problems.push(`${r.name}: forceDestroy must be true, or the workgroup cannot be deleted once it has queries`);
    return problems;
  }),
  policyOf("glue-jobs", "Glue jobs: Glue 5, a timeout (the default is 48 hours), a security configuration", ["aws:glue/job:Job"], (r) => {
    const problems: string[] = [];
    if (r.props.glueVersion !== "5.0") problems.push(`${r.name}: glueVersion must be 5.0`);
    const timeout = r.props.timeout;
    if (!(typeof timeout === "number" && timeout > 0 && timeout < GLUE_MAX_TIMEOUT_MINUTES)) problems.push(`${r.name}: set a timeout below ${GLUE_MAX_TIMEOUT_MINUTES} minutes`);
    if (typeof r.props.securityConfiguration !== "string") problems.push(`${r.name}: set securityConfiguration (encrypted output, logs, bookmarks)`);
    return problems;
  }),
  policyOf("glue-crawlers", "Crawlers run with the security configuration", ["aws:glue/crawler:Crawler"], (r) => (typeof r.props.securityConfiguration === "string" ? [] : [`${r.name}: set securityConfiguration`])),
  policyOf("glue-security-configuration", "Glue encrypts S3 output, logs and bookmarks with KMS", ["aws:glue/securityConfiguration:SecurityConfiguration"], (r) => {
    const e = (r.props.encryptionConfiguration ?? {}) as Record<string, Record<string, unknown>>;
    const problems: string[] = [];
    if (e.s3Encryption?.s3EncryptionMode !== "SSE-KMS") problems.push(`${r.name}: s3EncryptionMode must be SSE-KMS`);
    if (e.cloudwatchEncryption?.cloudwatchEncryptionMode !== "SSE-KMS") problems.push(`${r.name}: cloudwatchEncryptionMode must be SSE-KMS`);
    if (e.jobBookmarksEncryption?.jobBookmarksEncryptionMode !== "CSE-KMS") problems.push(`${r.name}: jobBookmarksEncryptionMode must be CSE-KMS`);
    return problems;
  }),
  policyOf("state-machine", "The state machine is encrypted with the lake key and logs", ["aws:sfn/stateMachine:StateMachine"], (r) => {
    const problems: string[] = [];
    if ((r.props.encryptionConfiguration as { type?: string } | undefined)?.type !== "CUSTOMER_MANAGED_KMS_KEY") problems.push(`${r.name}: encrypt with the lake key (CUSTOMER_MANAGED_KMS_KEY)`);
    if ((r.props.loggingConfiguration as { logDestination?: string } | undefined)?.logDestination === undefined) problems.push(`${r.name}: set loggingConfiguration`);
    return problems;
  }),
  policyOf("redshift-private", "Redshift: private workgroup with TLS; encrypted namespace with a managed admin password", ["aws:redshiftserverless/workgroup:Workgroup", "aws:redshiftserverless/namespace:Namespace"], (r) => {
    if (r.type === "aws:redshiftserverless/namespace:Namespace") {
      const problems: string[] = [];
      if (typeof r.props.kmsKeyId !== "string") problems.push(`${r.name}: set kmsKeyId`);
      if (r.props.manageAdminPassword !== true) problems.push(`${r.name}: manageAdminPassword must be true`);
      return problems;
    }
    const problems = r.props.publiclyAccessible === false ? [] : [`${r.name}: publiclyAccessible must be false`];
    const params = list(r.props.configParameters as { parameterKey: string; parameterValue: string }[] | undefined);
    if (!params.some((p) => p.parameterKey === "require_ssl" && p.parameterValue === "true")) problems.push(`${r.name}: require_ssl must be true`);
    return problems;
  }),
  policyOf("redshift-statement-idempotent", "redshiftdata.Statement may re-run: its SQL must be idempotent", ["aws:redshiftdata/statement:Statement"], (r) =>
    /\bIF NOT EXISTS\b/i.test(String(r.props.sql)) ? [] : [`${r.name}: the SQL must use IF NOT EXISTS`],
  ),
  policyOf("lf-singular-tags", "Tags are assigned with the singular ResourceLfTag (the plural one removes tags it does not manage)", ["aws:lakeformation/resourceLfTags:ResourceLfTags"], (r) => [
    `${r.name}: use the singular aws.lakeformation.ResourceLfTag, one tag per resource (the plural one removes tags it does not manage)`,
  ]),
];

/** The stack invariants: per bucket, the settings that live in separate resources in @pulumi/aws v7 must all exist. */
export const STACK_POLICIES: readonly StackPolicy[] = [
  {
    name: "bucket-settings-complete",
    description: "Every bucket has versioning, encryption, public access block, policy and lifecycle",
    validateStack(resources) {
      const problems: string[] = [];
      const settings: Record<string, string> = {
        versioning: "aws:s3/bucketVersioning:BucketVersioning",
        encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "public-access": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        policy: "aws:s3/bucketPolicy:BucketPolicy",
        lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      };
      for (const bucket of resources.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
        for (const [role, type] of Object.entries(settings)) {
          if (!resources.some((r) => r.type === type && r.name === `${bucket.name}-${role}`)) problems.push(`${bucket.name}: no ${type.split(":").pop()} (${bucket.name}-${role})`);
        }
      }
      return problems;
    },
  },
];

/** Runs every resource and stack policy; returns all violations, each prefixed with its policy name. */
export function checkPolicies(resources: readonly PolicyResource[]): string[] {
  const violations: string[] = [];
  for (const r of resources) for (const p of RESOURCE_POLICIES) for (const v of p.validateResource(r)) violations.push(`[${p.name}] ${v}`);
  for (const p of STACK_POLICIES) for (const v of p.validateStack(resources)) violations.push(`[${p.name}] ${v}`);
  return violations;
}
