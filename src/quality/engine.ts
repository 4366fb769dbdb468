import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { CheckTarget } from "../sql/batch-source";
import { DatasetCheckResult, selectRuleSets } from "./check-run";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readExport } from "../pipeline/csv-read";
import { LoadContext, LoadInputs, RawExport, datasetInputs } from "./load-context";
import { ResultRow, readCheckResults } from "./results";
import { CompiledChecks, RawFile, compileChecks } from "./sql";

export interface RunChecksArgs extends LoadInputs {
  /** Created (in memory) when absent. */
  readonly connection?: DuckDBConnection;
  readonly target: CheckTarget;
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  readonly loadDate: string;
  readonly sampleSize?: number;
  /** Only these datasets; default: every rule set. */
  readonly datasets?: readonly string[];
}

async function runOne(connection: DuckDBConnection, sql: string): Promise<ResultRow | Error> {
  try {
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJson();
    if (rows.length !== 1) return new Error(`check query returned ${rows.length} rows instead of 1`);
    return rows[0] as ResultRow;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Runs one dataset's compiled checks; a query that fails marks its rules "error" instead of aborting the run. */
export async function runCompiledChecks(connection: DuckDBConnection, compiled: CompiledChecks, context: LoadContext = {}): Promise<DatasetCheckResult> {
  const rows: (ResultRow | Error)[] = [];
  for (const query of compiled.queries) rows.push(await runOne(connection, query.sql));
  return { dataset: compiled.dataset, rules: readCheckResults(compiled, rows, compiled.loadDate, context), queries: compiled.queries.length };
}

/** The raw files parsed again by the load's reader into `workDir`, as relations of their records. */
async function readRawFiles(exports: readonly RawExport[], workDir: string): Promise<RawFile[]> {
  const files: RawFile[] = [];
  for (const [i, raw] of exports.entries()) {
    const read = await readExport({ file: raw.file, delimiter: raw.delimiter, headers: raw.headers }, workDir, `raw-${i}`);
    files.push({ name: raw.name, headers: raw.headers, records: read.accepted });
  }
  return files;
}

/** Checks a load's batch of every selected dataset on DuckDB: one aggregate scan per dataset, plus one anti-join per referenced dataset. */
export async function runChecks(args: RunChecksArgs): Promise<DatasetCheckResult[]> {
  const selected = selectRuleSets(args.ruleSets, args.datasets);
  let connection = args.connection;
  let instance: DuckDBInstance | undefined;
  if (connection === undefined) {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
  }
  try {
    const results: DatasetCheckResult[] = [];
    for (const ruleSet of selected) {
      const contract = args.contracts.find((c) => c.name === ruleSet.dataset);
      if (contract === undefined) throw new Error(`no contract "${ruleSet.dataset}" (rule files are validated before checking)`);
      const { filesWithout, rawExports, context } = datasetInputs(contract, args);
      // Raw files are read again only for reconciliation, through the load's own reader.
      const reconciles = ruleSet.rules.some((r) => r.kind === "reconciliation");
      const workDir = reconciles && rawExports !== undefined ? fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-reconcile-")) : undefined;
      try {
        const rawFiles = workDir === undefined ? undefined : await readRawFiles(rawExports ?? [], workDir);
        const compiled = compileChecks(ruleSet, args.contracts, args.target, args.loadDate, { sampleSize: args.sampleSize, filesWithout, rawFiles });
        results.push(await runCompiledChecks(connection, compiled, context));
      } finally {
        if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
      }
    }
    return results;
  } finally {
    if (instance !== undefined) {
      connection.closeSync();
      instance.closeSync();
    }
  }
}
