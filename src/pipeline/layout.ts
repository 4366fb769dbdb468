import * as fs from "fs";
import * as path from "path";
import { Contract, CuratedPartition, PeriodGranularity } from "../model/contracts";

/**
 * Paths of the lake, relative to its root: the same keys locally and in the S3 buckets
 * (one bucket per layer there, one folder per layer here).
 *
 *     raw/<dataset>/load_date=D/<file>                  as received
 *     processed/<dataset>/load_date=D/part-<n>.parquet  that load's typed rows, a few size-bounded files
 *     quarantine/<dataset>/load_date=D/part-0.parquet   that load's rejected rows, with reasons
 *     curated/<dataset>/data.parquet                    one row per key (datasets without curated_partition)
 *     curated/<dataset>/<name>=<period>/part-<n>.parquet one row per key, by business period
 */
export const layerPaths = {
  rawLoad: (dataset: string, loadDate: string): string => path.join("raw", dataset, `load_date=${loadDate}`),
  processedDataset: (dataset: string): string => path.join("processed", dataset),
  processedLoad: (dataset: string, loadDate: string): string => path.join("processed", dataset, `load_date=${loadDate}`),
  quarantineLoad: (dataset: string, loadDate: string): string => path.join("quarantine", dataset, `load_date=${loadDate}`),
  curatedDataset: (dataset: string): string => path.join("curated", dataset),
  /** The one file of a dataset without curated partitioning. */
  curatedFile: (dataset: string): string => path.join("curated", dataset, "data.parquet"),
  curatedPartition: (dataset: string, partition: CuratedPartition, value: string): string => path.join("curated", dataset, `${partition.name}=${value}`),
  qualityLoad: (loadDate: string): string => path.join("quality", loadDate),
  /** What a load read, per dataset: its files, how they were read, and the raw record counts. */
  loadRecord: (dataset: string, loadDate: string): string => path.join("quality", loadDate, `load-${dataset}.json`),
};

/** Hive's name for the partition of rows whose partition value is NULL (Athena, Glue and Spark read it as NULL). */
export const NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";

/**
 * Which row of a key curated keeps: the latest load, then the last source file, then the last line.
 * The local merge (curate.ts) and Athena's view of curated after a load (athenaTarget) order by it.
 */
export const CURATED_PRECEDENCE = `"_load_date" DESC, "_source_file" DESC, "_row" DESC`;

/** strftime formats of the partition values: YYYY, YYYY-MM, YYYY-MM-DD. */
export const PERIOD_FORMATS: Readonly<Record<PeriodGranularity, string>> = { year: "%Y", month: "%Y-%m", day: "%Y-%m-%d" };

/**
 * How the lake writes Parquet: ZSTD at level 1, which on the lake's data writes faster than the
 * default level and compresses as well (docs/benchmarks.md); every engine reads any ZSTD level.
 */
export const PARQUET_WRITE = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1";

/** Files written per processed partition and per curated write: Athena and Spark read files of this size well. */
export const TARGET_FILE_BYTES = 128 * 2 ** 20;

const PART_FILE = /^part-(\d+)\.parquet$/;

/** `part-<n>.parquet` files directly in `dir`, in n order. */
export function partFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => PART_FILE.test(f))
    .sort((a, b) => Number(PART_FILE.exec(a)?.[1]) - Number(PART_FILE.exec(b)?.[1]))
    .map((f) => path.join(dir, f));
}

/** The part files of one load's processed partition. */
export function processedFilesOfLoad(lakeDir: string, dataset: string, loadDate: string): string[] {
  return partFiles(path.join(lakeDir, layerPaths.processedLoad(dataset, loadDate)));
}

/** Load dates that have a processed partition, oldest first. */
export function processedLoadDates(lakeDir: string, dataset: string): string[] {
  const dir = path.join(lakeDir, layerPaths.processedDataset(dataset));
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => d.startsWith("load_date="))
    .map((d) => d.slice("load_date=".length))
    .sort();
}

/** Values of a dataset's curated period partitions (folder names `<name>=<value>`), in order. */
export function curatedPartitionValues(lakeDir: string, contract: Contract): string[] {
  const dir = path.join(lakeDir, layerPaths.curatedDataset(contract.name));
  if (contract.curatedPartition === undefined || !fs.existsSync(dir)) return [];
  const prefix = `${contract.curatedPartition.name}=`;
  return fs
    .readdirSync(dir)
    .filter((d) => d.startsWith(prefix))
    .sort()
    .map((d) => d.slice(prefix.length));
}

/** Every curated file of a dataset: its one file, or the part files of every period partition. */
export function curatedFiles(lakeDir: string, contract: Contract): string[] {
  const partition = contract.curatedPartition;
  if (partition === undefined) {
    const file = path.join(lakeDir, layerPaths.curatedFile(contract.name));
    return fs.existsSync(file) ? [file] : [];
  }
  return curatedPartitionValues(lakeDir, contract).flatMap((value) => partFiles(path.join(lakeDir, layerPaths.curatedPartition(contract.name, partition, value))));
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
