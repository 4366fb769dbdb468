import * as path from "path";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { curatedTable } from "../../src/aws/catalog";
import { registerCuratedPartitions } from "../../src/aws/curated-partitions";
import { loadOutcomeKey } from "../../src/aws/lake-objects";
import { Layer } from "../../src/aws/naming";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { Contract } from "../../src/model/contracts";
import { RuleSet } from "../../src/model/rules";
import { readLoadRecords } from "../../src/pipeline/load";
import { compileDqdlRules, RULE_ID_LABEL, SEVERITY_LABEL } from "../../src/quality/dqdl";
import type { QualityReport } from "../../src/report/types";
import { fakeEndpointEnv, useFakeEndpoints } from "./fake-aws";
import { FakeAthena, FakeAthenaOptions, lakeTables } from "./fake-athena";
import { FakeGlue, FakeRuleResult } from "./fake-glue";
import { FakeS3 } from "./fake-s3";

/**
 * A deployed stack, faked: Athena over a local lake written by `lake run`, Glue holding the
 * transform's runs and Data Quality results, S3 holding the processed bucket's load records and
 * reports; all named as a stack outputs file says, for the real SDK clients of the CLI and the
 * report function.
 */
export class FakeStack {
  private constructor(
    readonly outputs: StackOutputs,
    readonly athena: FakeAthena,
    readonly glue: FakeGlue,
    readonly s3: FakeS3,
  ) {}

  /**
   * Curated tables partitioned by period are read through the partitions registered in the fake
   * Glue catalog, as Athena reads them: a partition the load did not register is invisible.
   */
  static async start(lakeDir: string, outputs: StackOutputs, contracts: readonly Contract[], athena: Partial<FakeAthenaOptions> = {}): Promise<FakeStack> {
    const databases = outputs.record("databases") as Record<Layer, string>;
    const glue = await FakeGlue.start();
    for (const contract of contracts) {
      const plan = curatedTable(contract);
      glue.tables.push({
        DatabaseName: databases.curated,
        Name: plan.name,
        StorageDescriptor: { Location: `s3://${outputs.entry("buckets", "curated")}/${plan.prefix}`, Columns: plan.columns.map((c) => ({ Name: c.name, Type: c.type })) },
        PartitionKeys: plan.partitionKeys.map((k) => ({ Name: k.name, Type: k.type })),
        Parameters: plan.parameters,
      });
    }
    const registered = (database: string, table: string): string[] => (glue.partitions.get(`${database}.${table}`) ?? []).map((p) => p.Values[0]!);
    const fakeAthena = await FakeAthena.start({ tables: lakeTables(lakeDir, databases, contracts, registered), workGroups: [outputs.string("athenaWorkgroup")], ...athena });
    const s3 = await FakeS3.start(Object.values(outputs.record("buckets")));
    return new FakeStack(outputs, fakeAthena, glue, s3);
  }

  get curatedBucket(): string {
    return this.outputs.entry("buckets", "curated");
  }

  /** Registers the curated period partitions the way a load does after curating (registerCuratedPartitions, over the wire). */
  async registerCuratedPartitions(contracts: readonly Contract[]): Promise<string[]> {
    const restore = this.use();
    const glue = new GlueClient({});
    const s3 = new S3Client({});
    try {
      const registered: string[] = [];
      for (const contract of contracts) {
        registered.push(...(await registerCuratedPartitions({ glue, s3, database: this.outputs.entry("databases", "curated"), bucket: this.curatedBucket, contract })));
      }
      return registered;
    } finally {
      glue.destroy();
      s3.destroy();
      restore();
    }
  }

  get endpoints(): { athena: string; glue: string; s3: string } {
    return { athena: this.athena.endpoint, glue: this.glue.endpoint, s3: this.s3.endpoint };
  }

  /** Points this process's SDK clients at the fakes; returns the function that undoes it. */
  use(): () => void {
    return useFakeEndpoints(this.endpoints);
  }

  /** The environment of a `lake` child process pointed at the fakes. */
  env(): NodeJS.ProcessEnv {
    return fakeEndpointEnv(this.endpoints);
  }

  get processedBucket(): string {
    return this.outputs.entry("buckets", "processed");
  }

  get transformJob(): string {
    return this.outputs.entry("glueJobs", "transform");
  }

  /**
   * The IAM actions the calls made since the last look need, each with the resource it acts on
   * where the call names one (S3 objects and buckets, Athena workgroups, Glue jobs): what the
   * caller's policy must allow. The calls are forgotten, so each caller's can be told apart.
   */
  takeIamRequests(): { action: string; resource?: string }[] {
    const s3 = this.s3.requests.map(({ method, bucket, key }) =>
      key === "" ? { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}` } : { action: method === "PUT" ? "s3:PutObject" : method === "DELETE" ? "s3:DeleteObject" : "s3:GetObject", resource: `arn:aws:s3:::${bucket}/${key}` },
    );
    const where = `${this.outputs.string("region")}:${this.outputs.string("accountId")}`;
    const athena = this.athena.calls.map(({ operation, input }) => ({ action: `athena:${operation}`, ...(typeof input.WorkGroup === "string" ? { resource: `arn:aws:athena:${where}:workgroup/${input.WorkGroup}` } : {}) }));
    const glue = this.glue.calls.map(({ operation, input }) => ({ action: `glue:${operation}`, ...(typeof input.JobName === "string" ? { resource: `arn:aws:glue:${where}:job/${input.JobName}` } : {}) }));
    const unique = new Map([...s3, ...athena, ...glue].map((r) => [`${r.action} ${r.resource ?? ""}`, r]));
    this.s3.requests.splice(0);
    this.athena.calls.splice(0);
    this.glue.calls.splice(0);
    return [...unique.values()];
  }

  async close(): Promise<void> {
    await Promise.all([this.athena.close(), this.glue.close(), this.s3.close()]);
  }

  /**
   * What the transform and curate jobs leave for one load, from a local load of the same exports: each
   * dataset's load record in the processed bucket, and a succeeded job run whose Data Quality
   * result judges every rule as `local` did (unless `glueOutcome` says otherwise: "none" publishes
   * no result, a function may change a rule's result).
   */
  publishLoad(lakeDir: string, loadDate: string, local: QualityReport, ruleSets: readonly RuleSet[], contracts: readonly Contract[], glueOutcome: (dataset: string) => "agree" | "none" | ((ruleId: string, result: "PASS" | "FAIL") => "PASS" | "FAIL" | "ERROR") = () => "agree"): void {
    // The curate job's output, as the curated bucket holds it (the fake Athena reads the same files locally).
    this.s3.putTree(this.curatedBucket, path.join(lakeDir, "curated"));
    for (const record of readLoadRecords(lakeDir, loadDate)) {
      const dataset = local.datasets.find((d) => d.name === record.dataset);
      if (dataset === undefined) throw new Error(`the local report has no ${record.dataset}`);
      const outcome = {
        dataset: record.dataset,
        load_date: loadDate,
        raw_files: record.files.map((f) => `${record.dataset}/load_date=${loadDate}/${path.posix.basename(f.raw_path)}`),
        rows_raw: record.files.reduce((sum, f) => sum + f.records, 0),
        rows_processed: dataset.rows.processed,
        rows_quarantined: dataset.rows.quarantined,
        files: record.files.map((f) => ({ raw_path: `${record.dataset}/load_date=${loadDate}/${path.posix.basename(f.raw_path)}`, delimiter: f.delimiter, headers: f.headers })),
        numbers: record.numbers,
      };
      this.s3.put(this.processedBucket, loadOutcomeKey(loadDate, record.dataset), JSON.stringify(outcome), "application/json");
      const ruleSet = ruleSets.find((r) => r.dataset === record.dataset);
      const how = glueOutcome(record.dataset);
      let results: FakeRuleResult[] | undefined;
      if (ruleSet !== undefined && how !== "none") {
        let position = 0;
        results = compileDqdlRules(ruleSet, contracts).flatMap((compiled) => {
          const status = dataset.rules.find((r) => r.id === compiled.ruleId)?.status;
          const agreed = status === "pass" ? "PASS" : "FAIL";
          const result = how === "agree" ? agreed : how(compiled.ruleId, agreed);
          return compiled.dqdl.map((dqdl) => ({
            Name: `Rule_${++position}`,
            Description: dqdl,
            Result: result,
            ...(result === "PASS" ? {} : { EvaluationMessage: result === "ERROR" ? "Rule could not be evaluated" : "Value: 0.9 does not meet the constraint requirement!" }),
            Labels: { [RULE_ID_LABEL]: compiled.ruleId, [SEVERITY_LABEL]: compiled.severity },
          }));
        });
      }
      this.glue.addTransformRun(this.transformJob, { "--dataset": record.dataset, "--load_date": loadDate }, results);
    }
  }
}
