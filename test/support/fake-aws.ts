import * as http from "http";
import { AddressInfo } from "net";

/**
 * What the fakes of AWS services share: an HTTP server on 127.0.0.1 that the real AWS SDK clients
 * reach through the standard endpoint variables (AWS_ENDPOINT_URL_ATHENA, _GLUE, _S3, _LAKEFORMATION,
 * _CLOUDTRAIL, _SFN), a record
 * of every call, and errors shaped as the services send them. Signatures are not checked.
 */

/** An error as an AWS service returns it: the code clients match on (`err.name`), a message, an HTTP status. */
export class FakeAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export interface RecordedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export type JsonHandler = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** Starts a server on 127.0.0.1 (an ephemeral port); resolves with its URL. */
export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Decides, before its handler runs, whether a call is refused (throttling, outages, access denied). */
export type Intercept = (operation: string, input: Record<string, unknown>) => FakeAwsError | undefined;

/**
 * What the JSON protocols share: a POST with a JSON body, a handler per operation, every call
 * recorded, errors as the service sends them. A protocol says where the operation name is and
 * how an error body looks.
 */
abstract class JsonServiceServer {
  readonly calls: RecordedCall[] = [];
  private server: http.Server | undefined;
  endpoint = "";

  constructor(
    private readonly handlers: Readonly<Record<string, JsonHandler>>,
    private readonly intercept: Intercept,
    private readonly contentType: string,
  ) {}

  /** The operation a request names, or "" when it names none this protocol knows. */
  protected abstract operationOf(request: http.IncomingMessage): string;
  /** The body of an error response. */
  protected abstract errorBody(e: FakeAwsError): Record<string, unknown>;

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    this.endpoint = await listen(this.server);
    return this.endpoint;
  }

  async close(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  callsOf(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body ?? {});
      response.writeHead(status, { "content-type": this.contentType, "content-length": Buffer.byteLength(text), ...headers });
      response.end(text);
    };
    const fail = (e: FakeAwsError): void => send(e.status, this.errorBody(e), { "x-amzn-errortype": e.code });
    const operation = this.operationOf(request);
    let input: Record<string, unknown> = {};
    try {
      const body = (await readBody(request)).toString("utf8");
      input = body === "" ? {} : (JSON.parse(body) as Record<string, unknown>);
    } catch {
      return fail(new FakeAwsError("SerializationException", "request body is not JSON"));
    }
    this.calls.push({ operation, input });
    const handler = request.method === "POST" ? this.handlers[operation] : undefined;
    try {
      const refused = this.intercept(operation, input);
      if (refused) throw refused;
      if (handler === undefined) throw new FakeAwsError("UnknownOperationException", `${request.method} ${request.url} ${request.headers["x-amz-target"] ?? ""}: this fake does not implement ${operation || "that operation"}`);
      send(200, await handler(input));
    } catch (err) {
      fail(err instanceof FakeAwsError ? err : new FakeAwsError("InternalServerException", err instanceof Error ? err.message : String(err), 500));
    }
  }
}

/**
 * A service speaking the AWS JSON protocol, 1.1 (Athena, Glue, CloudTrail) or 1.0 (Step Functions):
 * every request is a POST whose `X-Amz-Target: <prefix>.<Operation>` names the operation; errors
 * carry `__type`.
 */
export class JsonProtocolServer extends JsonServiceServer {
  constructor(
    private readonly targetPrefix: string,
    handlers: Readonly<Record<string, JsonHandler>>,
    intercept: Intercept = () => undefined,
    version: "1.0" | "1.1" = "1.1",
  ) {
    super(handlers, intercept, `application/x-amz-json-${version}`);
  }

  protected operationOf(request: http.IncomingMessage): string {
    const target = String(request.headers["x-amz-target"] ?? "");
    return target.startsWith(`${this.targetPrefix}.`) ? target.slice(this.targetPrefix.length + 1) : "";
  }

  protected errorBody(e: FakeAwsError): Record<string, unknown> {
    return { __type: e.code, message: e.message, Message: e.message, ...e.extra };
  }
}

/**
 * A service speaking the AWS REST-JSON protocol with one POST path per operation (Lake Formation:
 * `POST /ListPermissions`); errors carry the code in `x-amzn-errortype` and a `message`.
 */
export class RestJsonServer extends JsonServiceServer {
  constructor(handlers: Readonly<Record<string, JsonHandler>>, intercept: Intercept = () => undefined) {
    super(handlers, intercept, "application/json");
  }

  protected operationOf(request: http.IncomingMessage): string {
    return (request.url ?? "").replace(/^\//, "").replace(/\?.*$/, "");
  }

  protected errorBody(e: FakeAwsError): Record<string, unknown> {
    return { message: e.message, Message: e.message, ...e.extra };
  }
}

/** The services the fakes stand in for, by the suffix of their standard endpoint variable. */
export interface FakeEndpoints {
  readonly athena?: string;
  readonly glue?: string;
  readonly s3?: string;
  readonly lakeformation?: string;
  readonly cloudtrail?: string;
  readonly sfn?: string;
}

const ENDPOINT_VARIABLES: Readonly<Record<keyof FakeEndpoints, string>> = {
  athena: "AWS_ENDPOINT_URL_ATHENA",
  glue: "AWS_ENDPOINT_URL_GLUE",
  s3: "AWS_ENDPOINT_URL_S3",
  lakeformation: "AWS_ENDPOINT_URL_LAKEFORMATION",
  cloudtrail: "AWS_ENDPOINT_URL_CLOUDTRAIL",
  sfn: "AWS_ENDPOINT_URL_SFN",
};

/**
 * Points the AWS SDK at the fakes through the standard variables only, with throwaway
 * credentials and a region; returns a function that puts the previous environment back.
 */
export function useFakeEndpoints(endpoints: FakeEndpoints): () => void {
  const values: Record<string, string | undefined> = {
    ...Object.fromEntries(Object.entries(ENDPOINT_VARIABLES).map(([service, variable]) => [variable, endpoints[service as keyof FakeEndpoints]])),
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: "eu-west-1",
    // The SDK warns on every process that Node 20 support ends in 2027; the tests know.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const previous = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** The same settings as {@link useFakeEndpoints}, as an environment for a child process (`lake ...` spawned by a test). */
export function fakeEndpointEnv(endpoints: FakeEndpoints): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "eu-west-1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  for (const [service, variable] of Object.entries(ENDPOINT_VARIABLES)) {
    const endpoint = endpoints[service as keyof FakeEndpoints];
    if (endpoint) env[variable] = endpoint;
  }
  return env;
}
