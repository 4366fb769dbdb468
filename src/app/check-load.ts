import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import * as path from "path";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { RuleSet } from "../model/rules";
import { curatedFiles, layerPaths, processedFilesOfLoad } from "../pipeline/layout";
import { contractForLoad } from "../model/contracts";
import { LoadRecord, loadDates, readLoadRecords } from "../pipeline/load";
import { runChecks } from "../quality/engine";
import { rawExportsOf, sourceFilesOf } from "../quality/load-context";
import { loadHistory } from "../report/history";
import { buildReport, DatasetParts } from "../report/build";
import { QualityReport } from "../report/types";
import { duckdbTarget, listParquet, quarantineDir, readParquet } from "../sql/batch-source";

export interface CheckLoadOptions {
  readonly lakeDir: string;
  /** Default: the latest load in the lake. */
  readonly loadDate?: string;
  readonly contracts: readonly Contract[];
  readonly ruleSets: readonly RuleSet[];
  /** Default: every dataset the load wrote. */
  readonly datasets?: readonly string[];
  readonly sampleSize?: number;
}

async function countRows(connection: DuckDBConnection, files: readonly string[]): Promise<number> {
  if (files.length === 0) return 0;
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${readParquet(files)}`);
  return Number(reader.getRows()[0][0]);
}

/**
 * Layer counts of one dataset's load, read from the files in the lake, against the raw records the
 * load recorded: that load's processed and quarantine partitions, and the dataset's curated rows
 * (Parquet footers only).
 */
async function layerCounts(connection: DuckDBConnection, lakeDir: string, contract: Contract | undefined, record: LoadRecord): Promise<DatasetParts["rows"]> {
  const raw = record.files.reduce((sum, f) => sum + f.records, 0);
  const processed = await countRows(connection, processedFilesOfLoad(lakeDir, record.dataset, record.load_date));
  const quarantined = await countRows(connection, listParquet(quarantineDir(lakeDir, record.dataset, record.load_date)));
  const curated = await countRows(connection, contract === undefined ? listParquet(path.join(lakeDir, layerPaths.curatedDataset(record.dataset))) : curatedFiles(lakeDir, contract));
  return { raw, processed, quarantined, curated };
}

/**
 * Checks one load of a local lake: every rule of every dataset the load wrote, one scan per
 * dataset batch, plus the layer-to-layer reconciliation. `lake run` calls it right after its load;
 * `lake check` calls it on an existing lake.
 */
export async function checkLoad(options: CheckLoadOptions): Promise<QualityReport> {
  const started = Date.now();
  const lakeDir = path.resolve(options.lakeDir);
  const dates = loadDates(lakeDir);
  if (dates.length === 0) throw new LakeInputError(`${lakeDir}: no loads found in this lake; run \`lake run --input DIR --lake ${options.lakeDir}\` first`);
  const loadDate = options.loadDate ?? dates[dates.length - 1];
  if (!dates.includes(loadDate)) throw new LakeInputError(`${lakeDir}: no load on ${loadDate}; loads in this lake: ${dates.join(", ")}`);
  let records = readLoadRecords(lakeDir, loadDate);
  if (options.datasets !== undefined) {
    const missing = options.datasets.filter((d) => !records.some((r) => r.dataset === d));
    if (missing.length > 0) {
      throw new LakeInputError(`the load of ${loadDate} has no ${missing.map((m) => `"${m}"`).join(", ")}; it loaded ${records.map((r) => r.dataset).join(", ")}`);
    }
    records = records.filter((r) => options.datasets?.includes(r.dataset));
  }
  const checked = new Set(options.ruleSets.map((r) => r.dataset));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const results = await runChecks({
      connection,
      sources: new Map(records.map((r) => [r.dataset, sourceFilesOf(r)])),
      rawExports: new Map(records.map((r) => [r.dataset, rawExportsOf(lakeDir, r)])),
      history: loadHistory(lakeDir),
      target: duckdbTarget(lakeDir),
      // Each dataset as its load read it (the decimal separator its values showed), so the checks type values as the load did.
      contracts: options.contracts.map((c) => contractForLoad(c, records.find((r) => r.dataset === c.name)?.numbers)),
      ruleSets: options.ruleSets,
      loadDate,
      sampleSize: options.sampleSize,
      datasets: records.map((r) => r.dataset).filter((d) => checked.has(d)),
    });
    const datasets: DatasetParts[] = [];
    for (const record of records) {
      const result = results.find((r) => r.dataset === record.dataset);
      datasets.push({
        name: record.dataset,
        files: record.files.map((f) => f.raw_path),
        rows: await layerCounts(connection, lakeDir, options.contracts.find((c) => c.name === record.dataset), record),
        rules: result?.rules ?? [],
        queries: result?.queries ?? 0,
        curation: record.curated === undefined ? null : { mode: record.curated.mode, reason: record.curated.reason ?? null },
      });
    }
    return buildReport({ engine: "duckdb", loadDate, lake: lakeDir, durationSeconds: (Date.now() - started) / 1000, datasets });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
