import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { LakeStackConfig } from "./config";

export interface ResourceId {
  readonly type: string;
  readonly name: string;
}

/** One resource the program registered, as the mocks saw it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** The resource it was created under; undefined for the stack itself. */
  readonly parent: ResourceId | undefined;
  /** The resources it was told to wait for (its explicit dependsOn). */
  readonly dependsOn: readonly ResourceId[];
  /** The resources whose replacement replaces it too (its replaceWith). */
  readonly replaceWith: readonly ResourceId[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly custom: boolean;
  /** The inputs the program passed, Outputs resolved. */
  readonly props: Record<string, unknown>;
  /** The id and state the mocked provider returned (names and ARNs shaped like AWS's). */
  readonly id: string;
  readonly state: Record<string, unknown>;
}

export interface MockRun {
  readonly resources: readonly RecordedResource[];
  /** The stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
}

/** The model a run deploys; the shipped contracts/ and quality-rules/ where a part is not given. */
export interface LakeModel {
  readonly contracts?: readonly Contract[];
  readonly ruleSets?: readonly RuleSet[];
}

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "eu-west-1";
/** The identity the mocked program is deployed by: a role, assumed. */
export const MOCK_DEPLOYER_ROLE_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/energy-lake-deployer`;
const MOCK_DEPLOYER_SESSION_ARN = `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/energy-lake-deployer/mock-session`;

/**
 * Values for the keys only a deployer can know (their admins, their network, their on-call
 * address), used by `lake plan` and the tests where a stack file leaves them unset
 * (see requiredUnsetKeys in src/aws/config.ts). They name the mocks' account and reserved
 * addresses, and are never written to a stack file.
 */
export const MOCK_DEPLOYMENT_VALUES: Readonly<Record<string, string>> = {
  lakeFormationAdmins: JSON.stringify([MOCK_DEPLOYER_ROLE_ARN]),
  alarmEmail: "lake-alarms@mock.invalid",
  redshiftSubnetIds: JSON.stringify(["subnet-0a0000000000000a1", "subnet-0b0000000000000b2", "subnet-0c0000000000000c3"]),
  redshiftSecurityGroupIds: JSON.stringify(["sg-0d0000000000000d4"]),
};

/** Physical names and ARNs the mocked provider invents, shaped like AWS's. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = typeof inputs.name === "string" ? inputs.name : `${name}-mock`;
  const base = { ...inputs, name: physical, arn: `arn:aws:${type.split(":")[1]?.split("/")[0] ?? "mock"}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${name}` };
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { ...inputs, bucket: physical, arn: `arn:aws:s3:::${physical}` };
    case "aws:kms/key:Key":
      return { ...base, keyId: `${name}-key-id`, arn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:key/${name}` };
    case "aws:iam/role:Role":
      return { ...base, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${physical}` };
    case "aws:sqs/queue:Queue":
      return { ...base, arn: `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${physical}`, url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/${physical}` };
    case "aws:sfn/stateMachine:StateMachine":
      return { ...base, arn: `arn:aws:states:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:stateMachine:${physical}` };
    case "aws:lambda/function:Function":
      return { ...base, arn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${physical}` };
    case "aws:redshiftserverless/namespace:Namespace":
      return { ...base, adminPasswordSecretArn: `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:secret:redshift!${String(inputs.namespaceName)}-admin` };
    default:
      return base;
  }
}

const INVOKES: Record<string, Record<string, unknown>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": { accountId: MOCK_ACCOUNT_ID, arn: MOCK_DEPLOYER_SESSION_ARN, userId: "AROAMOCK:mock-session", id: MOCK_ACCOUNT_ID },
  "aws:iam/getSessionContext:getSessionContext": {
    arn: MOCK_DEPLOYER_SESSION_ARN,
    issuerArn: MOCK_DEPLOYER_ROLE_ARN,
    issuerId: "AROAMOCK",
    issuerName: "energy-lake-deployer",
    sessionName: "mock-session",
    id: MOCK_DEPLOYER_SESSION_ARN,
  },
  "aws:index/getRegion:getRegion": { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION, description: "Europe (Ireland)", endpoint: `ec2.${MOCK_REGION}.amazonaws.com` },
  "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" },
};

const STACK_TYPE = "pulumi:pulumi:Stack";
const idKey = (r: ResourceId): string => `${r.type}::${r.name}`;

/** Resolves once every resource registration in flight has reached the mocks. */
export async function waitForMockedResources(): Promise<void> {
  const waitForRPCs = (settings as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof waitForRPCs !== "function") throw new Error("@pulumi/pulumi no longer exports runtime waitForRPCs; update src/aws/mock-run.ts");
  await waitForRPCs();
}

/** Mocks for the invokes the program makes and resources with AWS-shaped names and ARNs; `record` sees every registration. */
export function lakeMocks(record: (args: pulumi.runtime.MockResourceArgs, result: { id: string; state: Record<string, unknown> }) => void = () => undefined): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const result = { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs as Record<string, unknown>) };
      record(args, result);
      return result;
    },
    call(args) {
      const result = INVOKES[args.token];
      if (result === undefined) throw new Error(`no mock for invoke ${args.token}; add it to INVOKES in src/aws/mock-run.ts`);
      return result;
    },
  };
}

/**
 * Runs the lake program of one stack under Pulumi mocks, offline, and returns every resource it
 * registered. Mocks are process-global: runs must not overlap (each awaits the previous one's
 * RPCs before returning), and each run installs fresh mocks.
 */
export async function runLakeUnderMocks(config: LakeStackConfig, model: LakeModel = {}): Promise<MockRun> {
  const recorded: { type: string; name: string; custom: boolean; props: Record<string, unknown>; id: string; state: Record<string, unknown> }[] = [];
  await pulumi.runtime.setMocks(
    lakeMocks((args, result) => recorded.push({ type: args.type, name: args.name, custom: args.custom ?? true, props: args.inputs as Record<string, unknown>, ...result })),
    config.project,
    config.stack,
    true,
  );
  // Loaded after the mocks are in place, as Pulumi requires (require: the project is CommonJS,
  // and a dynamic import() would bypass the tsx/cjs hook the tests run under).
  const { deployLake } = require("../../components/energy-data-lake") as typeof import("../../components/energy-data-lake");
  // Parent, dependsOn, replaceWith, protect and retainOnDelete are resource options the mocks
  // never see: a (legacy, SDK-side) stack transformation observes them as each resource is constructed.
  const identities = new WeakMap<pulumi.Resource, ResourceId>();
  const options = new Map<string, Pick<RecordedResource, "parent" | "dependsOn" | "replaceWith" | "protect" | "retainOnDelete">>();
  const ids = (value: unknown): ResourceId[] =>
    ((Array.isArray(value) ? value : value === undefined ? [] : [value]) as pulumi.Resource[]).map((r) => identities.get(r)).filter((r): r is ResourceId => r !== undefined);
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      identities.set(args.resource, { type: args.type, name: args.name });
      const opts = args.opts as pulumi.CustomResourceOptions;
      options.set(idKey(args), {
        parent: opts.parent === undefined ? undefined : identities.get(opts.parent),
        dependsOn: ids(opts.dependsOn),
        replaceWith: ids(opts.replaceWith),
        protect: opts.protect === true,
        retainOnDelete: opts.retainOnDelete === true,
      });
      return undefined;
    });
    return (await deployLake(config, model)).outputs;
  });
  await waitForMockedResources();
  const stack = { type: STACK_TYPE, name: `${config.project}-${config.stack}` };
  return {
    resources: recorded.map((r) => {
      const seen = options.get(idKey(r));
      return {
        ...r,
        parent: r.type === STACK_TYPE ? undefined : (seen?.parent ?? stack),
        dependsOn: seen?.dependsOn ?? [],
        replaceWith: seen?.replaceWith ?? [],
        protect: seen?.protect ?? false,
        retainOnDelete: seen?.retainOnDelete ?? false,
      };
    }),
    outputs: (outputs ?? {}) as Record<string, unknown>,
  };
}
