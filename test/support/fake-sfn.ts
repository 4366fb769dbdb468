import { FakeAwsError, JsonProtocolServer } from "./fake-aws";

/**
 * Step Functions, as far as the report function asks it: DescribeExecution of the execution that
 * holds a load date's lock (AWS JSON 1.0, `AWSStepFunctions.DescribeExecution`). The test says
 * which executions exist and their status.
 */
export class FakeSfn {
  /** execution ARN -> status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE). */
  readonly executions = new Map<string, string>();
  private readonly server = new JsonProtocolServer(
    "AWSStepFunctions",
    {
      DescribeExecution: (input) => {
        const arn = String(input.executionArn);
        const status = this.executions.get(arn);
        if (status === undefined) throw new FakeAwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
        const stateMachineArn = arn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, "");
        return { executionArn: arn, stateMachineArn, name: arn.split(":").pop(), status, startDate: Date.now() / 1000 };
      },
    },
    () => undefined,
    "1.0",
  );

  static async start(): Promise<FakeSfn> {
    const fake = new FakeSfn();
    await fake.server.start();
    return fake;
  }

  get calls(): JsonProtocolServer["calls"] {
    return this.server.calls;
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}
