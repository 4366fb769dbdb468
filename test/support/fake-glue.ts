import { randomUUID } from "crypto";
import { FakeAwsError, JsonProtocolServer } from "./fake-aws";

/**
 * A fake AWS Glue on 127.0.0.1 for the real @aws-sdk/client-glue (JSON 1.1, `X-Amz-Target:
 * AWSGlue.*`), holding what the lake asks Glue after a load: the transform job's runs
 * (GetJobRuns), their Data Quality results (ListDataQualityResults, GetDataQualityResult, shapes
 * from the Glue API reference), and the partitions of catalog tables (GetTable, GetPartitions,
 * BatchCreatePartition). Timestamps travel as epoch seconds, as the JSON protocol sends them.
 */

export interface FakeJobRun {
  readonly Id: string;
  readonly JobName: string;
  readonly JobRunState: string;
  readonly Arguments: Readonly<Record<string, string>>;
  readonly StartedOn: Date;
  readonly CompletedOn?: Date;
}

export interface FakeRuleResult {
  readonly Name: string;
  readonly Description?: string;
  readonly EvaluationMessage?: string;
  readonly Result: "PASS" | "FAIL" | "ERROR";
  readonly EvaluatedMetrics?: Readonly<Record<string, number>>;
  readonly EvaluatedRule?: string;
  readonly Labels?: Readonly<Record<string, string>>;
}

export interface FakeDataQualityResult {
  readonly ResultId: string;
  readonly JobName: string;
  readonly JobRunId: string;
  readonly RulesetName?: string;
  readonly EvaluationContext?: string;
  readonly StartedOn: Date;
  readonly CompletedOn: Date;
  readonly RuleResults: readonly FakeRuleResult[];
}

export interface FakeGlueTable {
  readonly DatabaseName: string;
  readonly Name: string;
  readonly StorageDescriptor: Record<string, unknown>;
  readonly PartitionKeys: readonly { readonly Name: string; readonly Type: string }[];
  readonly Parameters?: Readonly<Record<string, string>>;
}

export interface FakeGlueOptions {
  /** True refuses the call with ThrottlingException. */
  readonly throttle?: (operation: string) => boolean;
  /** Most items per page of the list calls. @default 100 */
  readonly pageSize?: number;
}

const seconds = (d: Date | undefined): number | undefined => (d === undefined ? undefined : d.getTime() / 1000);

function page<T>(items: readonly T[], input: Record<string, unknown>, size: number): { items: T[]; next: string | undefined } {
  const limit = Math.min(size, Number(input.MaxResults ?? size));
  const offset = input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), "base64").toString("utf8"));
  const slice = items.slice(offset, offset + limit);
  return { items: slice, next: offset + limit < items.length ? Buffer.from(String(offset + limit)).toString("base64") : undefined };
}

export class FakeGlue {
  readonly jobRuns: FakeJobRun[] = [];
  readonly results: FakeDataQualityResult[] = [];
  readonly tables: FakeGlueTable[] = [];
  /** database.table -> registered partitions (their values, one per partition key). */
  readonly partitions = new Map<string, { Values: string[]; StorageDescriptor: Record<string, unknown> }[]>();
  private readonly server: JsonProtocolServer;

  private constructor(private readonly options: FakeGlueOptions) {
    const size = options.pageSize ?? 100;
    this.server = new JsonProtocolServer(
      "AWSGlue",
      {
        GetJobRuns: (input) => {
          const runs = this.jobRuns.filter((r) => r.JobName === input.JobName).sort((a, b) => b.StartedOn.getTime() - a.StartedOn.getTime());
          const { items, next } = page(runs, input, size);
          return { JobRuns: items.map((r) => ({ ...r, StartedOn: seconds(r.StartedOn), CompletedOn: seconds(r.CompletedOn) })), ...(next ? { NextToken: next } : {}) };
        },
        ListDataQualityResults: (input) => {
          const filter = (input.Filter ?? {}) as Record<string, unknown>;
          const matching = this.results.filter((r) => (filter.JobName === undefined || r.JobName === filter.JobName) && (filter.JobRunId === undefined || r.JobRunId === filter.JobRunId));
          const { items, next } = page(matching, input, size);
          return { Results: items.map((r) => ({ ResultId: r.ResultId, JobName: r.JobName, JobRunId: r.JobRunId, StartedOn: seconds(r.StartedOn) })), ...(next ? { NextToken: next } : {}) };
        },
        GetDataQualityResult: (input) => {
          const found = this.results.find((r) => r.ResultId === input.ResultId);
          if (!found) throw new FakeAwsError("EntityNotFoundException", `Cannot find Data Quality result ${String(input.ResultId)}`);
          const passed = found.RuleResults.filter((r) => r.Result === "PASS").length;
          return { ...found, StartedOn: seconds(found.StartedOn), CompletedOn: seconds(found.CompletedOn), Score: found.RuleResults.length === 0 ? 1 : passed / found.RuleResults.length };
        },
        GetTable: (input) => {
          const table = this.table(String(input.DatabaseName), String(input.Name));
          return { Table: { ...table, TableType: "EXTERNAL_TABLE" } };
        },
        GetPartitions: (input) => {
          this.table(String(input.DatabaseName), String(input.TableName));
          const all = this.partitions.get(`${String(input.DatabaseName)}.${String(input.TableName)}`) ?? [];
          const { items, next } = page(all, input, size);
          return { Partitions: items.map((p) => ({ ...p, DatabaseName: input.DatabaseName, TableName: input.TableName })), ...(next ? { NextToken: next } : {}) };
        },
        BatchCreatePartition: (input) => {
          this.table(String(input.DatabaseName), String(input.TableName));
          const key = `${String(input.DatabaseName)}.${String(input.TableName)}`;
          const list = this.partitions.get(key) ?? [];
          const errors: unknown[] = [];
          for (const p of (input.PartitionInputList as { Values: string[]; StorageDescriptor: Record<string, unknown> }[]) ?? []) {
            if (list.some((q) => q.Values.join("\u0000") === p.Values.join("\u0000"))) {
              errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: "AlreadyExistsException", ErrorMessage: "Partition already exists." } });
            } else {
              list.push({ Values: [...p.Values], StorageDescriptor: p.StorageDescriptor });
            }
          }
          this.partitions.set(key, list);
          return errors.length > 0 ? { Errors: errors } : {};
        },
      },
      (operation) => (this.options.throttle?.(operation) ? new FakeAwsError("ThrottlingException", "Rate exceeded") : undefined),
    );
  }

  static async start(options: FakeGlueOptions = {}): Promise<FakeGlue> {
    const fake = new FakeGlue(options);
    await fake.server.start();
    return fake;
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get calls(): JsonProtocolServer["calls"] {
    return this.server.calls;
  }

  callsOf(operation: string): JsonProtocolServer["calls"] {
    return this.server.callsOf(operation);
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  /** Records a job run and its Data Quality result, as the transform job leaves them; returns the run id. */
  addTransformRun(jobName: string, args: Readonly<Record<string, string>>, ruleResults: readonly FakeRuleResult[] | undefined, options: { state?: string; startedOn?: Date; rulesetName?: string } = {}): string {
    const startedOn = options.startedOn ?? new Date();
    const id = `jr_${randomUUID().replace(/-/g, "")}`;
    this.jobRuns.push({ Id: id, JobName: jobName, JobRunState: options.state ?? "SUCCEEDED", Arguments: args, StartedOn: startedOn, CompletedOn: new Date(startedOn.getTime() + 60_000) });
    if (ruleResults !== undefined) {
      this.results.push({
        ResultId: `dqresult-${randomUUID().replace(/-/g, "").slice(0, 20)}`,
        JobName: jobName,
        JobRunId: id,
        RulesetName: options.rulesetName,
        EvaluationContext: `${args["--dataset"]}_${args["--load_date"]}`,
        StartedOn: startedOn,
        CompletedOn: new Date(startedOn.getTime() + 30_000),
        RuleResults: ruleResults,
      });
    }
    return id;
  }

  private table(database: string, name: string): FakeGlueTable {
    const table = this.tables.find((t) => t.DatabaseName === database && t.Name === name);
    if (!table) throw new FakeAwsError("EntityNotFoundException", `Table ${name} not found in database ${database}.`);
    return table;
  }
}
