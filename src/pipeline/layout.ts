import * as path from "path";

/**
 * Paths of the lake, relative to its root: the same keys locally and in the S3 buckets
 * (one bucket per layer there, one folder per layer here).
 */
export const layerPaths = {
  rawLoad: (dataset: string, loadDate: string): string => path.join("raw", dataset, `load_date=${loadDate}`),
  processedDataset: (dataset: string): string => path.join("processed", dataset),
  quarantineLoad: (dataset: string, loadDate: string): string => path.join("quarantine", dataset, `load_date=${loadDate}`),
  curatedDataset: (dataset: string): string => path.join("curated", dataset),
  curatedFile: (dataset: string): string => path.join("curated", dataset, "data.parquet"),
  qualityLoad: (loadDate: string): string => path.join("quality", loadDate),
  /** What a load read, per dataset: its files, how they were read, and the raw record counts. */
  loadRecord: (dataset: string, loadDate: string): string => path.join("quality", loadDate, `load-${dataset}.json`),
};

/** processed file names carry their load, so a re-run replaces exactly that load's files. */
export const processedFilePattern = (loadDate: string): string => `load-${loadDate}_{i}`;

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
