import { LakeInputError } from "../errors";

/**
 * The one typed, validated configuration of an energy-lake stack. Built by {@link parseStackConfig}
 * from the raw `energy-lake:*` key/values (`pulumi config`, or a Pulumi.<stack>.yaml file).
 */
export interface LakeStackConfig {
  readonly project: string;
  readonly stack: string;
  /** `<project>-<stack>`: the prefix of every physical name, so two stacks coexist in one account. */
  readonly prefix: string;
  /**
   * A production stack: data buckets, the KMS key and the Lake Formation settings are protected
   * and kept on delete; the Redshift workgroup runs in private subnets from config; load failures
   * must reach an e-mail; buckets are never force-destroyed.
   */
  readonly production: boolean;
  /** Whether this stack owns the account's Lake Formation settings (one per account: only one stack may). */
  readonly manageLakeFormationSettings: boolean;
  /** Lake Formation administrators (IAM ARNs); required when the stack owns the settings, and must include the deploying identity. */
  readonly lakeFormationAdmins: readonly string[];
  /** Further Lake Formation read-only administrators besides the stack's auditor role (when the stack owns the settings). */
  readonly lakeFormationReadOnlyAdmins: readonly string[];
  /** EventBridge schedule expression of the daily load. */
  readonly loadSchedule: string;
  readonly athenaBytesScannedCutoffMiB: number;
  readonly glueWorkerType: string;
  readonly glueNumberOfWorkers: number;
  readonly glueJobTimeoutMinutes: number;
  readonly glueJobMaxRetries: number;
  readonly rawArchiveDays: number;
  readonly quarantineExpirationDays: number;
  readonly athenaResultsExpirationDays: number;
  readonly accessLogsExpirationDays: number;
  readonly noncurrentVersionExpirationDays: number;
  /** Lets `pulumi destroy` delete non-empty buckets (dev stacks). */
  readonly forceDestroy: boolean;
  readonly alarmEmail: string | undefined;
  readonly redshiftBaseCapacity: number;
  readonly redshiftDatabase: string;
  readonly redshiftSubnetIds: readonly string[];
  readonly redshiftSecurityGroupIds: readonly string[];
}

/** Parses one raw value: the typed value, or a text saying what is wrong with it. */
type Parser<T> = (value: string) => { readonly value: T } | { readonly problem: string };

interface KeySpec {
  readonly description: string;
  /** The default as the user would type it; undefined for keys without one. */
  readonly default: string | undefined;
  readonly example: string;
}

/** Every `energy-lake:*` key the program reads, with its meaning, default and an example value. */
export const STACK_CONFIG_KEYS: Readonly<Record<string, KeySpec>> = {
  production: { description: "a production stack: data buckets, KMS key and Lake Formation settings protected and kept on delete; Redshift in the private subnets from config; alarmEmail required; forceDestroy refused", default: "false", example: "true" },
  manageLakeFormationSettings: { description: "this stack owns the account's Lake Formation settings (true in one stack per account only)", default: "false", example: "true" },
  lakeFormationAdmins: { description: "JSON list of IAM role or user ARNs of this account made Lake Formation administrators; must include the identity that runs `pulumi up`, which applies the grants (required when manageLakeFormationSettings is true: the settings replace the account's whole admin list)", default: "[]", example: `'["arn:aws:iam::<account-id>:role/<deploy-role>"]'` },
  lakeFormationReadOnlyAdmins: { description: "JSON list of IAM role or user ARNs of this account made Lake Formation read-only administrators (may run `lake audit`) besides the stack's auditor role, when manageLakeFormationSettings is true", default: "[]", example: `'["arn:aws:iam::<account-id>:role/<audit-role>"]'` },
  loadSchedule: { description: "EventBridge schedule of the daily load", default: "cron(0 6 * * ? *)", example: `"cron(0 6 * * ? *)"` },
  athenaBytesScannedCutoffMiB: { description: "Athena per-query scan cap in MiB (at least 10)", default: "1024", example: "1024" },
  glueWorkerType: { description: "Glue worker type of the Spark jobs", default: "G.1X", example: "G.2X" },
  glueNumberOfWorkers: { description: "Glue workers per job run (at least 2)", default: "2", example: "4" },
  glueJobTimeoutMinutes: { description: "Glue job timeout in minutes (1-2880; AWS's default is 48 hours)", default: "60", example: "30" },
  glueJobMaxRetries: { description: "Glue job retries after a failure (0-10)", default: "1", example: "0" },
  rawArchiveDays: { description: "days before raw files move to Glacier Instant Retrieval", default: "90", example: "90" },
  quarantineExpirationDays: { description: "days quarantined rows are kept", default: "90", example: "30" },
  athenaResultsExpirationDays: { description: "days Athena query results are kept", default: "30", example: "7" },
  accessLogsExpirationDays: { description: "days S3 access logs are kept", default: "365", example: "365" },
  noncurrentVersionExpirationDays: { description: "days overwritten object versions are kept", default: "30", example: "30" },
  forceDestroy: { description: "let `pulumi destroy` delete non-empty buckets (dev only)", default: "false", example: "true" },
  alarmEmail: { description: "e-mail subscribed to load-failure alarms (required in production)", default: undefined, example: "<on-call address>" },
  redshiftBaseCapacity: { description: "Redshift Serverless base capacity in RPUs (8-512, a multiple of 8)", default: "8", example: "8" },
  redshiftDatabase: { description: "Redshift database the Spectrum schema is created in", default: "dev", example: "dev" },
  redshiftSubnetIds: { description: "JSON list of at least three private subnet ids in three Availability Zones for the Redshift workgroup (the default VPC when empty; required in production)", default: "[]", example: `'["subnet-<a>","subnet-<b>","subnet-<c>"]'` },
  redshiftSecurityGroupIds: { description: "JSON list of security group ids for the Redshift workgroup (required in production)", default: "[]", example: `'["sg-<id>"]'` },
};

const integer = (min: number, max: number, step = 1): Parser<number> => (value) => {
  if (!/^-?\d+$/.test(value.trim())) return { problem: `"${value}" is not a whole number` };
  const n = Number(value);
  if (n < min || n > max) return { problem: `${n} is outside ${min}..${max}` };
  if (n % step !== 0) return { problem: `${n} is not a multiple of ${step}` };
  return { value: n };
};

const bool: Parser<boolean> = (value) => {
  const v = value.trim().toLowerCase();
  if (v === "true") return { value: true };
  if (v === "false") return { value: false };
  return { problem: `"${value}" is not true or false` };
};

const oneOf = (choices: readonly string[]): Parser<string> => (value) =>
  choices.includes(value) ? { value } : { problem: `"${value}" is not one of ${choices.join(", ")}` };

const matching = (pattern: RegExp, what: string): Parser<string> => (value) =>
  pattern.test(value) ? { value } : { problem: `"${value}" is not ${what}` };

const jsonList = (item: RegExp, what: string): Parser<string[]> => (value) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { problem: `'${value}' is not a JSON list` };
  }
  if (!Array.isArray(parsed)) return { problem: `'${value}' is not a JSON list` };
  const bad = parsed.filter((x) => typeof x !== "string" || !item.test(x));
  if (bad.length > 0) return { problem: `${bad.map((b) => JSON.stringify(b)).join(", ")} ${bad.length === 1 ? "is" : "are"} not ${what}` };
  return { value: parsed as string[] };
};

const IAM_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/;
const SCHEDULE = /^(cron\([^()]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const STACK_NAME = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * Validates the raw `energy-lake:*` configuration of a stack and returns the typed object.
 * Every bad or missing key is reported at once, each with the `pulumi config set` that fixes it.
 *
 * @param raw key -> value as Pulumi stores it (bare keys, or keys prefixed with `<project>:`)
 * @param project the Pulumi project name (prefix of every physical name)
 * @param stack the stack name (lower-case, at most 16 characters: it is part of bucket names)
 */
export function parseStackConfig(raw: Readonly<Record<string, string | undefined>>, project: string, stack: string): LakeStackConfig {
  const problems: string[] = [];
  const values = bareValues(raw, project);
  for (const bare of values.keys()) {
    if (!(bare in STACK_CONFIG_KEYS)) {
      problems.push(`${project}:${bare}: unknown key; known keys: ${Object.keys(STACK_CONFIG_KEYS).join(", ")} (remove it with \`pulumi config rm ${project}:${bare}\`)`);
      values.delete(bare);
    }
  }
  const setHint = (key: string): string => `set it with \`pulumi config set ${project}:${key} ${STACK_CONFIG_KEYS[key]!.example}\``;
  /** The parsed value; on a bad value, records the problem and returns `fallback` so every other key is still checked. */
  function read<T>(key: string, parse: Parser<T>, fallback: T): T {
    const spec = STACK_CONFIG_KEYS[key]!;
    const value = values.get(key) ?? spec.default;
    if (value === undefined) return fallback;
    const parsed = parse(value);
    if ("value" in parsed) return parsed.value;
    problems.push(`${project}:${key}: ${parsed.problem}; ${spec.description}; ${setHint(key)}`);
    return fallback;
  }

  if (!STACK_NAME.test(stack)) {
    problems.push(`stack "${stack}": use a lower-case name of at most 16 letters, digits or dashes (it is part of bucket names); create one with \`pulumi stack init dev\``);
  }
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(project)) {
    problems.push(`project "${project}": use a lower-case name of at most 21 letters, digits or dashes in Pulumi.yaml (it is part of bucket names)`);
  }

  const alarmEmail = values.get("alarmEmail");
  const config: LakeStackConfig = {
    project,
    stack,
    prefix: `${project}-${stack}`,
    production: read("production", bool, false),
    manageLakeFormationSettings: read("manageLakeFormationSettings", bool, false),
    lakeFormationAdmins: read("lakeFormationAdmins", jsonList(IAM_ARN, "IAM role or user ARNs"), []),
    lakeFormationReadOnlyAdmins: read("lakeFormationReadOnlyAdmins", jsonList(IAM_ARN, "IAM role or user ARNs"), []),
    loadSchedule: read("loadSchedule", matching(SCHEDULE, "an EventBridge schedule expression such as cron(0 6 * * ? *) or rate(1 day)"), ""),
    athenaBytesScannedCutoffMiB: read("athenaBytesScannedCutoffMiB", integer(10, 1024 * 1024), 0),
    glueWorkerType: read("glueWorkerType", oneOf(["G.025X", "G.1X", "G.2X", "G.4X", "G.8X"]), ""),
    glueNumberOfWorkers: read("glueNumberOfWorkers", integer(2, 299), 0),
    glueJobTimeoutMinutes: read("glueJobTimeoutMinutes", integer(1, 2880), 0),
    glueJobMaxRetries: read("glueJobMaxRetries", integer(0, 10), 0),
    rawArchiveDays: read("rawArchiveDays", integer(1, 36500), 0),
    quarantineExpirationDays: read("quarantineExpirationDays", integer(1, 36500), 0),
    athenaResultsExpirationDays: read("athenaResultsExpirationDays", integer(1, 36500), 0),
    accessLogsExpirationDays: read("accessLogsExpirationDays", integer(1, 36500), 0),
    noncurrentVersionExpirationDays: read("noncurrentVersionExpirationDays", integer(1, 36500), 0),
    forceDestroy: read("forceDestroy", bool, false),
    alarmEmail: alarmEmail === undefined ? undefined : read("alarmEmail", matching(EMAIL, "an e-mail address"), ""),
    redshiftBaseCapacity: read("redshiftBaseCapacity", integer(8, 512, 8), 0),
    redshiftDatabase: read("redshiftDatabase", matching(/^[a-z_][a-z0-9_]{0,62}$/, "a lower-case Redshift database name"), ""),
    redshiftSubnetIds: read("redshiftSubnetIds", jsonList(/^subnet-[0-9a-f]+$/, "subnet ids (subnet-...)"), []),
    redshiftSecurityGroupIds: read("redshiftSecurityGroupIds", jsonList(/^sg-[0-9a-f]+$/, "security group ids (sg-...)"), []),
  };
  const reported = (key: string): boolean => problems.some((p) => p.startsWith(`${project}:${key}:`));
  for (const key of requiredUnsetKeys(values)) {
    if (!reported(key)) problems.push(`${project}:${key}: ${REQUIRED_BECAUSE[key]}; ${setHint(key)}`);
  }
  if (config.production && config.forceDestroy) {
    problems.push(`${project}:forceDestroy: a production stack never deletes non-empty buckets; remove it with \`pulumi config rm ${project}:forceDestroy\``);
  }
  if (config.redshiftSubnetIds.length > 0 && config.redshiftSubnetIds.length < 3 && !reported("redshiftSubnetIds")) {
    problems.push(`${project}:redshiftSubnetIds: ${config.redshiftSubnetIds.length} subnet(s); Redshift Serverless needs at least three, in three Availability Zones; ${setHint("redshiftSubnetIds")}`);
  }
  if (problems.length > 0) throw new LakeInputError(`invalid configuration of stack ${project}/${stack}:`, problems);
  return config;
}

/** Why a key without a default is required, when another key's value requires it. */
const REQUIRED_BECAUSE: Readonly<Record<string, string>> = {
  lakeFormationAdmins: "required when manageLakeFormationSettings is true (the settings replace the account's admin list: an empty list locks everyone out, one without the deploying identity makes every later grant fail)",
  alarmEmail: "required in production (a failed load must reach someone)",
  redshiftSubnetIds: "required in production (the Redshift workgroup runs in private subnets, never the default VPC)",
  redshiftSecurityGroupIds: "required in production (the Redshift workgroup's network access is declared, not the VPC default)",
};

const isTrue = (value: string | undefined): boolean => value?.trim().toLowerCase() === "true";
const isEmptyList = (value: string | undefined): boolean => value === undefined || /^\s*\[\s*\]\s*$/.test(value);

/**
 * The keys other values make required that are unset (or empty lists): what a deployer must set
 * for this stack before `pulumi up`. `lake plan` fills exactly these with the mocks' values.
 *
 * @param values bare key -> raw value
 */
export function requiredUnsetKeys(values: ReadonlyMap<string, string>): string[] {
  const required: string[] = [];
  if (isTrue(values.get("manageLakeFormationSettings"))) required.push("lakeFormationAdmins");
  if (isTrue(values.get("production"))) required.push("alarmEmail", "redshiftSubnetIds", "redshiftSecurityGroupIds");
  return required.filter((key) => (key === "alarmEmail" ? values.get(key) === undefined : isEmptyList(values.get(key))));
}

/** The bare `energy-lake:*` keys of raw stack config (as Pulumi stores them, with or without the project prefix). */
export function bareValues(raw: Readonly<Record<string, string | undefined>>, project: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const bare = k.startsWith(`${project}:`) ? k.slice(project.length + 1) : k;
    if (!bare.includes(":")) values.set(bare, v);
  }
  return values;
}

/** Who runs the deployment: the account of the credentials and the IAM identity behind them. */
export interface DeployingIdentity {
  readonly accountId: string;
  /** The IAM role or user ARN (for an assumed role, the role, not the session). */
  readonly arn: string;
}

const accountOf = (iamArn: string): string | undefined => /^arn:[^:]+:iam::(\d{12}):/.exec(iamArn)?.[1];

/**
 * What the config cannot know before credentials exist: every ARN in it belongs to the account
 * being deployed to, and, when the stack owns the Lake Formation settings, the deploying identity
 * is one of the administrators (the settings replace the admin list, and the grants that follow
 * need an administrator). Each problem names the `pulumi config set` that fixes it.
 */
export function deploymentProblems(config: LakeStackConfig, identity: DeployingIdentity): string[] {
  const problems: string[] = [];
  const key = (name: string): string => `${config.project}:${name}`;
  const setList = (name: string, list: readonly string[]): string => `\`pulumi config set ${key(name)} '${JSON.stringify(list)}'\``;
  for (const name of ["lakeFormationAdmins", "lakeFormationReadOnlyAdmins"] as const) {
    const list = config[name];
    const foreign = list.filter((a) => accountOf(a) !== identity.accountId);
    if (foreign.length > 0) {
      problems.push(
        `${key(name)}: ${foreign.join(", ")} ${foreign.length === 1 ? "is" : "are"} not in account ${identity.accountId}, the one being deployed to; ` +
          `list principals of this account only: ${setList(name, list.filter((a) => !foreign.includes(a)))} (or deploy with credentials of the intended account)`,
      );
    }
  }
  if (config.manageLakeFormationSettings && !config.lakeFormationAdmins.includes(identity.arn)) {
    problems.push(
      `${key("lakeFormationAdmins")}: the deploying identity ${identity.arn} is not a Lake Formation administrator, so the settings would remove it and every grant after them would fail; ` +
        `add it: ${setList("lakeFormationAdmins", [...config.lakeFormationAdmins.filter((a) => accountOf(a) === identity.accountId), identity.arn])}`,
    );
  }
  return problems;
}
