import { awsClients, AwsClients, AwsLake, awsLakeFromOutputs } from "../aws/athena-check";
import { StackOutputs } from "../aws/stack-outputs";
import { LakeInputError } from "../errors";
import { QueriesAbortedError } from "../quality/athena-engine";

/**
 * What a command working against a deployed stack needs: the lake its outputs file describes,
 * SDK clients from the standard configuration, Ctrl-C wired to an AbortSignal (running Athena
 * queries are stopped), and AWS errors turned into messages that say what to fix.
 */

export const STACK_OUTPUTS_USAGE = "--stack-outputs FILE";

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

export interface AwsSession {
  readonly outputs: StackOutputs;
  readonly lake: AwsLake;
  readonly clients: AwsClients;
  readonly signal: AbortSignal;
}

const PERMISSIONS = "the permissions each command needs are listed in docs/aws.md (IAM permissions per command)";

/** An SDK failure as a user can act on it; undefined when it is not one of those. */
export function awsProblem(err: unknown): LakeInputError | undefined {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? "";
  const message = e?.message ?? String(err);
  if (name === "CredentialsProviderError" || /Could not load credentials/.test(message)) {
    return new LakeInputError(`no AWS credentials: ${message}; sign in (aws sso login, AWS_PROFILE=...) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any pair for a local endpoint set with AWS_ENDPOINT_URL_ATHENA / _GLUE / _S3)`);
  }
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized|InvalidClientTokenId|ExpiredToken/.test(name)) {
    return new LakeInputError(`AWS refused the request (${name}: ${message}); ${PERMISSIONS}`);
  }
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH"].includes(e?.code ?? "") || /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(message)) {
    return new LakeInputError(`cannot reach AWS (${message}); check the network, AWS_REGION, and any AWS_ENDPOINT_URL_* you set`);
  }
  if (name === "NoSuchBucket" || name === "ResourceNotFoundException" || name === "EntityNotFoundException") {
    return new LakeInputError(`${name}: ${message}; is the stack outputs file from this account and region, and the stack deployed (pulumi up)?`);
  }
  return undefined;
}

/** Runs `work` against the stack of `outputsFile`; returns its result, or EXIT_INTERRUPTED after Ctrl-C. */
export async function withAwsSession<T>(outputsFile: string, work: (session: AwsSession) => Promise<T>): Promise<T | typeof EXIT_INTERRUPTED> {
  const outputs = StackOutputs.read(outputsFile);
  const lake = awsLakeFromOutputs(outputs);
  const clients = await awsClients(lake.region);
  const controller = new AbortController();
  const onInterrupt = (): void => {
    process.stderr.write("\ninterrupted: stopping the Athena queries still running...\n");
    controller.abort(new QueriesAbortedError("interrupted (Ctrl-C)"));
  };
  process.once("SIGINT", onInterrupt);
  try {
    return await work({ outputs, lake, clients, signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) {
      process.stderr.write("interrupted: every query this run started was asked to stop\n");
      return EXIT_INTERRUPTED;
    }
    throw awsProblem(err) ?? err;
  } finally {
    process.removeListener("SIGINT", onInterrupt);
    for (const client of Object.values(clients)) client.destroy();
  }
}
