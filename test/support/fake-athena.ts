import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { randomUUID } from "crypto";
import { TrinoSQL } from "dt-sql-parser";
import * as fs from "fs";
import * as path from "path";
import { GlueTablePlan, TABLE_PLANNERS } from "../../src/aws/catalog";
import { Layer, LAYERS, LakeNames } from "../../src/aws/naming";
import { Contract } from "../../src/model/contracts";
import { duckdb } from "../../src/sql/dialect";
import { parameterOffsets, parameterProblems } from "../../src/sql/parameters";
import { FakeAwsError, JsonProtocolServer } from "./fake-aws";
import { trinoToDuckdb } from "./trino-to-duckdb";

/**
 * A fake Amazon Athena on 127.0.0.1, for the real @aws-sdk/client-athena (JSON 1.1 protocol,
 * `X-Amz-Target: AmazonAthena.*`). Query text is checked as Trino (dt-sql-parser), its execution
 * parameters bound as Athena binds them (only inside WHERE), rewritten where Trino and DuckDB
 * differ and executed on DuckDB over a local lake in the layout `lake run` writes: each Glue
 * database is a DuckDB schema and each table a view over its folder, with the columns and
 * partition keys the catalog declares. Queries go QUEUED, RUNNING, then SUCCEEDED or FAILED with
 * a reason; hooks make calls throttle, queries fail or never finish; results come in pages as
 * small as asked; StopQueryExecution cancels. Partition projection is honoured where it refuses
 * queries (injected keys need an equality) and bytes scanned count only the partitions a query's
 * equalities select, so a test can see what a query reads.
 */

export interface FakeTable {
  readonly database: string;
  readonly name: string;
  /** The local folder holding the table's files (its S3 location, mirrored). */
  readonly dir: string;
  readonly format: "csv" | "parquet";
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly partitionKeys: readonly { readonly name: string; readonly type: string }[];
  readonly parameters: Readonly<Record<string, string>>;
  /** Registered partitions (values of the single partition key), for tables read through the catalog; undefined = every folder. */
  readonly registeredPartitions?: () => readonly string[];
}

export interface FakeAthenaOptions {
  readonly tables: readonly FakeTable[];
  /** Workgroups that exist. */
  readonly workGroups: readonly string[];
  /** States a query reports, one per GetQueryExecution, before its outcome. @default ["QUEUED", "RUNNING"] */
  readonly lifecycle?: (sql: string) => readonly string[];
  /** A query this returns true for stays RUNNING until stopped. */
  readonly neverFinishes?: (sql: string) => boolean;
  /** A reason makes the query FAILED with it. */
  readonly failure?: (sql: string) => string | undefined;
  /** True refuses the call with ThrottlingException (or, for StartQueryExecution, TooManyRequestsException). */
  readonly throttle?: (operation: string, input: Record<string, unknown>) => boolean;
  /** Most rows per GetQueryResults page, header included on the first page. @default 1000 */
  readonly pageSize?: number;
}

interface Execution {
  readonly id: string;
  readonly sql: string;
  readonly workGroup: string;
  readonly parameters: readonly string[];
  readonly pending: string[];
  /** What GetQueryExecution last reported. */
  state: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";
  /** How the query ended, once DuckDB is done with it; reported after the lifecycle's states. */
  outcome?: "SUCCEEDED" | "FAILED";
  reason?: string;
  bytesScanned: number;
  result?: { names: string[]; types: string[]; rows: (string | null)[][] };
  done: boolean;
  readonly submitted: number;
}

/**
 * The Glue tables of a lake (src/aws/catalog.ts) over a local lake folder: what Athena would see
 * if the lake were in S3. `databases` names each layer's Glue database (LakeNames, or a stack's
 * `databases` output).
 */
export function lakeTables(
  lakeDir: string,
  databases: LakeNames | Readonly<Record<Layer, string>>,
  contracts: readonly Contract[],
  /** The partitions the catalog has registered for a table that is read through them (curated); all folders when absent. */
  registered?: (database: string, table: string) => readonly string[],
): FakeTable[] {
  const database = (layer: Layer): string => ("database" in databases && typeof databases.database === "function" ? databases.database(layer) : (databases as Record<Layer, string>)[layer]);
  return LAYERS.flatMap((layer) =>
    contracts.map((contract) => {
      const plan: GlueTablePlan = TABLE_PLANNERS[layer](contract);
      return {
        database: database(layer),
        name: plan.name,
        dir: path.join(lakeDir, layer, plan.prefix),
        format: plan.format,
        columns: plan.columns,
        partitionKeys: plan.partitionKeys,
        parameters: plan.parameters,
        ...(registered !== undefined && plan.partitionKeys.length > 0 && plan.parameters["projection.enabled"] !== "true"
          ? { registeredPartitions: () => registered(database(layer), plan.name) }
          : {}),
      };
    }),
  );
}

const GLUE_TO_DUCKDB: Readonly<Record<string, string>> = { string: "VARCHAR", bigint: "BIGINT", int: "INTEGER", date: "DATE", timestamp: "TIMESTAMP", boolean: "BOOLEAN", double: "DOUBLE" };

function duckdbType(glueType: string): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(glueType);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const type = GLUE_TO_DUCKDB[glueType];
  if (type === undefined) throw new Error(`fake Athena: no DuckDB type for Glue type ${glueType}`);
  return type;
}

function filesUnder(dir: string, suffix: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, suffix));
    else if (entry.name.endsWith(suffix)) out.push(full);
  }
  return out.sort();
}

/** Athena returns every value as text; NULL is a Data entry without VarCharValue. */
function athenaText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return `[${value.map((v) => athenaText(v) ?? "null").join(", ")}]`;
  return String(value);
}

function athenaType(duckType: string): string {
  const t = duckType.toUpperCase();
  if (t.startsWith("DECIMAL")) return "decimal";
  if (t.endsWith("[]")) return "array";
  return ({ VARCHAR: "varchar", BIGINT: "bigint", INTEGER: "integer", HUGEINT: "bigint", DATE: "date", BOOLEAN: "boolean", DOUBLE: "double", TIMESTAMP: "timestamp" } as Record<string, string>)[t] ?? "varchar";
}

export class FakeAthena {
  readonly executions = new Map<string, Execution>();
  readonly stopped: string[] = [];
  private readonly server: JsonProtocolServer;
  private instance: DuckDBInstance | undefined;
  private readonly parser = new TrinoSQL();
  private readonly running = new Set<Promise<void>>();
  /** DuckDB runs one query at a time here (views are redefined per query); Athena's states still overlap. */
  private serial: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: FakeAthenaOptions) {
    this.server = new JsonProtocolServer(
      "AmazonAthena",
      {
        StartQueryExecution: (input) => this.startQuery(input),
        GetQueryExecution: (input) => this.getQuery(input),
        GetQueryResults: (input) => this.getResults(input),
        StopQueryExecution: (input) => this.stopQuery(input),
      },
      (operation, input) => {
        if (!this.options.throttle?.(operation, input)) return undefined;
        return operation === "StartQueryExecution"
          ? new FakeAwsError("TooManyRequestsException", "You have exceeded the limit for the number of queries you can run concurrently.", 400, { Reason: "CONCURRENT_QUERY_LIMIT_EXCEEDED" })
          : new FakeAwsError("ThrottlingException", "Rate exceeded", 400);
      },
    );
  }

  static async start(options: FakeAthenaOptions): Promise<FakeAthena> {
    const fake = new FakeAthena(options);
    fake.instance = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "256MB" });
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

  /** The SQL of every query started, parameters bound. */
  get queries(): string[] {
    return [...this.executions.values()].map((e) => bindParameters(e.sql, e.parameters));
  }

  async close(): Promise<void> {
    await this.server.close();
    await Promise.allSettled([...this.running]);
    this.instance?.closeSync();
  }

  private startQuery(input: Record<string, unknown>): unknown {
    const sql = String(input.QueryString ?? "");
    const workGroup = String(input.WorkGroup ?? "primary");
    if (!this.options.workGroups.includes(workGroup)) throw new FakeAwsError("InvalidRequestException", `WorkGroup ${workGroup} is not found.`);
    const token = input.ClientRequestToken;
    const same = [...this.executions.values()].find((e) => token !== undefined && (e as Execution & { token?: unknown }).token === token);
    if (same) return { QueryExecutionId: same.id };
    const parameters = ((input.ExecutionParameters as string[] | undefined) ?? []).map(String);
    const execution: Execution & { token?: unknown } = {
      id: randomUUID(),
      sql,
      workGroup,
      parameters,
      pending: [...(this.options.lifecycle?.(sql) ?? ["QUEUED", "RUNNING"])],
      state: "QUEUED",
      bytesScanned: 0,
      done: false,
      submitted: Date.now(),
      token,
    };
    this.executions.set(execution.id, execution);
    if (!this.options.neverFinishes?.(sql)) {
      const run = this.execute(execution).finally(() => this.running.delete(run));
      this.running.add(run);
    }
    return { QueryExecutionId: execution.id };
  }

  private async execute(e: Execution): Promise<void> {
    // Answer StartQueryExecution first, as Athena does, then plan and run.
    await new Promise((resolve) => setImmediate(resolve));
    const fail = (reason: string): void => {
      if (e.state !== "CANCELLED") e.reason = reason;
      e.outcome = "FAILED";
      e.done = true;
    };
    const problems = parameterProblems(e.sql);
    if (problems.length > 0) return fail(`NOT_SUPPORTED: ${problems[0]}`);
    const expected = parameterOffsets(e.sql).length;
    if (expected !== e.parameters.length) return fail(`INVALID_PARAMETER_USAGE: the query has ${expected} parameters but ${e.parameters.length} execution parameters were given`);
    const bound = bindParameters(e.sql, e.parameters);
    const injected = this.injectedProblem(bound);
    if (injected) return fail(injected);
    const syntax = this.parser.validate(bound);
    if (syntax.length > 0) return fail(`SYNTAX_ERROR: line ${syntax[0]!.startLine}:${syntax[0]!.startColumn}: ${syntax[0]!.message}`);
    const injectedFailure = this.options.failure?.(bound);
    if (injectedFailure) return fail(injectedFailure);
    e.bytesScanned = this.bytesScanned(bound);
    const run = this.serial.then(async () => {
      const connection = await this.instance!.connect();
      try {
        await this.defineTables(connection);
        const reader = await connection.runAndReadAll(trinoToDuckdb(bound));
        const names = reader.columnNames();
        const types = reader.columnTypes().map((t) => athenaType(t.toString()));
        const rows = (reader.getRowObjectsJson() as Record<string, unknown>[]).map((r) => names.map((n) => athenaText(r[n])));
        e.result = { names, types, rows };
        e.outcome = "SUCCEEDED";
        e.done = true;
      } catch (err) {
        fail(`GENERIC_INTERNAL_ERROR: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        connection.closeSync();
      }
    });
    this.serial = run.catch(() => undefined);
    await run;
  }

  /** Schemas and views, defined again before each query so they read the lake as it is now. */
  private async defineTables(connection: DuckDBConnection): Promise<void> {
    for (const database of new Set(this.options.tables.map((t) => t.database))) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${duckdb.ident(database)}`);
    for (const table of this.options.tables) {
      await connection.run(`CREATE OR REPLACE VIEW ${duckdb.ident(table.database)}.${duckdb.ident(table.name)} AS ${await this.tableSql(connection, table)}`);
    }
  }

  private tableFiles(table: FakeTable): string[] {
    const files = filesUnder(table.dir, table.format === "csv" ? "" : ".parquet");
    const registered = table.registeredPartitions?.();
    if (registered === undefined || table.partitionKeys.length === 0) return files;
    const key = table.partitionKeys[0]!.name;
    return files.filter((f) => registered.some((value) => f.startsWith(path.join(table.dir, `${key}=${value}`) + path.sep)));
  }

  private async tableSql(connection: DuckDBConnection, table: FakeTable): Promise<string> {
    const files = this.tableFiles(table).filter((f) => table.format === "parquet" || !path.basename(f).startsWith("."));
    const columns = [...table.columns, ...table.partitionKeys];
    if (files.length === 0 || table.format === "csv") {
      // The raw CSV table is for ad-hoc looks only; nothing the lake runs reads it.
      return `SELECT ${columns.map((c) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${duckdb.ident(c.name)}`).join(", ")} WHERE FALSE`;
    }
    const list = `[${files.map((f) => duckdb.str(f)).join(", ")}]`;
    const hive = table.partitionKeys.length > 0 ? `hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${duckdb.str(k.name)}: 'VARCHAR'`).join(", ")}}` : "hive_partitioning = false";
    const source = `read_parquet(${list}, union_by_name = true, ${hive})`;
    const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson() as { column_name: string; column_type: string }[];
    const inFiles = new Map(described.map((d) => [d.column_name, d.column_type]));
    const select = columns.map((c) => {
      const found = inFiles.get(c.name);
      // Athena reads Parquet columns by name: a column the files lack reads as NULL.
      if (found === undefined) return `CAST(NULL AS ${duckdbType(c.type)}) AS ${duckdb.ident(c.name)}`;
      const declared = duckdbType(c.type);
      if (found.replace(/\s/g, "") !== declared.replace(/\s/g, "")) {
        throw new Error(`HIVE_BAD_DATA: column ${c.name} of ${table.database}.${table.name} is declared ${c.type} but the files hold ${found}`);
      }
      return duckdb.ident(c.name);
    });
    return `SELECT ${select.join(", ")} FROM ${source}`;
  }

  /** The tables a query names, as `"db"."table"`. */
  private tablesIn(sql: string): FakeTable[] {
    return this.options.tables.filter((t) => sql.includes(`${duckdb.ident(t.database)}.${duckdb.ident(t.name)}`));
  }

  /** Equalities `"key" = 'value'` (or IN lists) a query states for a partition key. */
  private static partitionValues(sql: string, key: string): string[] | undefined {
    const values: string[] = [];
    for (const m of sql.matchAll(new RegExp(`"${key}"\\s*=\\s*'((?:[^']|'')*)'`, "g"))) values.push(m[1]!.replace(/''/g, "'"));
    for (const m of sql.matchAll(new RegExp(`"${key}"\\s+IN\\s*\\(([^)]*)\\)`, "gi"))) for (const v of m[1]!.matchAll(/'((?:[^']|'')*)'/g)) values.push(v[1]!.replace(/''/g, "'"));
    return values.length > 0 ? values : undefined;
  }

  /** Athena's rule for injected projection: the query must pin the key with equalities. */
  private injectedProblem(sql: string): string | undefined {
    for (const table of this.tablesIn(sql)) {
      if (table.parameters["projection.enabled"] !== "true") continue;
      for (const key of table.partitionKeys) {
        if (table.parameters[`projection.${key.name}.type`] !== "injected") continue;
        if (FakeAthena.partitionValues(sql, key.name) === undefined) {
          return `CONSTRAINT_VIOLATION: For the injected projected partition column ${key.name}, the WHERE clause must contain only static equality conditions, and at least one such condition must be present.`;
        }
      }
    }
    return undefined;
  }

  /** What a query reads: the files of the partitions its equalities select (all of a table without them). */
  private bytesScanned(sql: string): number {
    let bytes = 0;
    for (const table of this.tablesIn(sql)) {
      let files = this.tableFiles(table);
      for (const key of table.partitionKeys) {
        const values = FakeAthena.partitionValues(sql, key.name);
        if (values !== undefined) files = files.filter((f) => values.some((v) => f.includes(`${path.sep}${key.name}=${v}${path.sep}`)));
      }
      bytes += files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
    }
    return bytes;
  }

  private execution(input: Record<string, unknown>): Execution {
    const e = this.executions.get(String(input.QueryExecutionId));
    if (!e) throw new FakeAwsError("InvalidRequestException", `QueryExecution ${String(input.QueryExecutionId)} was not found`);
    return e;
  }

  private getQuery(input: Record<string, unknown>): unknown {
    const e = this.execution(input);
    if (e.state !== "CANCELLED") {
      const next = e.pending.shift();
      if (next !== undefined) e.state = next as Execution["state"];
      else e.state = e.outcome ?? "RUNNING";
    }
    const finished = e.state === "SUCCEEDED" || e.state === "FAILED" || e.state === "CANCELLED";
    return {
      QueryExecution: {
        QueryExecutionId: e.id,
        Query: e.sql,
        StatementType: "DML",
        WorkGroup: e.workGroup,
        ExecutionParameters: e.parameters,
        Status: {
          State: e.state,
          SubmissionDateTime: e.submitted / 1000,
          ...(finished ? { CompletionDateTime: Date.now() / 1000 } : {}),
          ...(e.reason !== undefined && finished ? { StateChangeReason: e.reason } : {}),
        },
        Statistics: { DataScannedInBytes: finished ? e.bytesScanned : 0, EngineExecutionTimeInMillis: finished ? Date.now() - e.submitted : 0 },
      },
    };
  }

  private getResults(input: Record<string, unknown>): unknown {
    const e = this.execution(input);
    if (e.state !== "SUCCEEDED" || e.result === undefined) throw new FakeAwsError("InvalidRequestException", `Query has not yet finished. Current state: ${e.state}`);
    const pageSize = Math.min(Number(input.MaxResults ?? 1000), this.options.pageSize ?? 1000);
    const offset = input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), "base64").toString("utf8"));
    // The first page starts with a row repeating the column names, as Athena sends it.
    const all = [e.result.names, ...e.result.rows];
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? Buffer.from(String(offset + pageSize)).toString("base64") : undefined;
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: { ColumnInfo: e.result.names.map((Name, i) => ({ Name, Label: Name, Type: e.result!.types[i], Nullable: "UNKNOWN", CaseSensitive: false })) },
      },
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  private stopQuery(input: Record<string, unknown>): unknown {
    const e = this.execution(input);
    this.stopped.push(e.id);
    if (e.state === "QUEUED" || e.state === "RUNNING") {
      e.state = "CANCELLED";
      e.reason = "Query was cancelled by the user";
      e.pending.length = 0;
    }
    return {};
  }
}

/** The query text with its `?` replaced, in order, by the execution parameters (SQL literals). */
export function bindParameters(sql: string, parameters: readonly string[]): string {
  const offsets = parameterOffsets(sql);
  let out = "";
  let last = 0;
  offsets.forEach((at, i) => {
    out += sql.slice(last, at) + (parameters[i] ?? "?");
    last = at + 1;
  });
  return out + sql.slice(last);
}
