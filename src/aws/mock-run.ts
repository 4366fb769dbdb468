import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { LakeStackConfig } from "./config";

/** One resource the program registered, as the mocks saw it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** The component it was created under (by the `${parent}-<role>` naming rule); undefined for the stack itself. */
  readonly parent: { readonly type: string; readonly name: string } | undefined;
  readonly custom: boolean;
  /** The inputs the program passed, Outputs resolved. */
  readonly props: Record<string, unknown>;
}

export interface MockRun {
  readonly resources: readonly RecordedResource[];
  /** The stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
}

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "eu-west-1";

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
    case "aws:redshiftserverless/namespace:Namespace":
      return { ...base, adminPasswordSecretArn: `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:secret:redshift!${String(inputs.namespaceName)}-admin` };
    default:
      return base;
  }
}

const INVOKES: Record<string, Record<string, unknown>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/mock`, userId: "mock", id: MOCK_ACCOUNT_ID },
  "aws:index/getRegion:getRegion": { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION, description: "Europe (Ireland)", endpoint: `ec2.${MOCK_REGION}.amazonaws.com` },
  "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" },
};

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The component a resource was created under: the longest component name `<name>-...` starts with, else the stack. */
function parentOf(name: string, components: readonly { type: string; name: string }[], stack: { type: string; name: string }): { type: string; name: string } {
  return components.filter((c) => name.startsWith(`${c.name}-`)).sort((a, b) => b.name.length - a.name.length)[0] ?? stack;
}

/**
 * Runs the lake program of one stack under Pulumi mocks, offline, and returns every resource it
 * registered. Mocks are process-global: runs must not overlap (each awaits the previous one's
 * RPCs before returning), and each run installs fresh mocks.
 */
export async function runLakeUnderMocks(config: LakeStackConfig, model: { contracts?: readonly Contract[]; ruleSets?: readonly RuleSet[] } = {}): Promise<MockRun> {
  const recorded: { type: string; name: string; custom: boolean; props: Record<string, unknown> }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, custom: args.custom ?? true, props: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs as Record<string, unknown>) };
      },
      call(args) {
        const result = INVOKES[args.token];
        if (result === undefined) throw new Error(`no mock for invoke ${args.token}; add it to INVOKES in src/aws/mock-run.ts`);
        return result;
      },
    },
    config.project,
    config.stack,
    true,
  );
  // Imported after the mocks are in place, as Pulumi requires.
  const { createLake } = await import("../../components/energy-data-lake");
  const outputs = await pulumi.runtime.runInPulumiStack(async () => createLake(config, model).outputs);
  const waitForRPCs = (settings as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof waitForRPCs !== "function") throw new Error("@pulumi/pulumi no longer exports runtime waitForRPCs; update src/aws/mock-run.ts");
  await waitForRPCs();
  const stack = { type: STACK_TYPE, name: `${config.project}-${config.stack}` };
  const components = recorded.filter((r) => !r.custom && r.type !== STACK_TYPE).map((r) => ({ type: r.type, name: r.name }));
  return {
    resources: recorded.map((r) => ({ ...r, parent: r.type === STACK_TYPE ? undefined : parentOf(r.name, components, stack) })),
    outputs: (outputs ?? {}) as Record<string, unknown>,
  };
}
