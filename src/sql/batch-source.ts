import * as fs from "fs";
import * as path from "path";
import { Contract } from "../model/contracts";
import { CURATED_PRECEDENCE, curatedFiles, layerPaths, processedFilesOfLoad } from "../pipeline/layout";
import { athena, Dialect, duckdb } from "./dialect";
import { duckdbReadPath } from "./duckdb-paths";
import { presentName, rawName, typedViewSql } from "./typed-view";

/**
 * Where a check engine finds a load's batch and a dataset's keys. The batch of a load is what the
 * pipeline wrote for it: its processed rows (already typed) plus its quarantined rows that had
 * parsable fields (raw text, typed again by the typed view). Checking the written layers, not the
 * CSV again, verifies the lake itself, and reads the same on DuckDB files and on Athena tables.
 */
export interface CheckTarget {
  readonly dialect: Dialect;
  /** The load's processed rows: typed contract columns, `_source_file`, `_row`; undefined when there are none. */
  processedBatch(contract: Contract, loadDate: string): string | undefined;
  /** The load's quarantined rows with parsable fields: raw text columns, `_source_file`, `_row`; undefined when there are none. */
  quarantineBatch(contract: Contract, loadDate: string): string | undefined;
  /**
   * The typed curated rows of a dataset (one per key, every load): what references resolve
   * against. With `loadDate`, curated as it is once that load is merged: locally the merge runs
   * before the check, so that is curated itself; on AWS the check runs before curation (the
   * quality gate decides whether to curate), so the Athena target computes the merge's outcome.
   */
  curatedSource(contract: Contract, loadDate?: string): string;
}

/**
 * Processed rows in the typed view's shape (c__raw, c__present, c): they were typed by the load,
 * so they are not typed again. Their c__raw is NULL: the text of a typed value is the value cast
 * back, which a sample takes only on the rows it shows (casting every row's numbers and dates to
 * text costs more than the rest of a sample).
 */
function typedProcessedSql(d: Dialect, contract: Contract, source: string, columns: readonly string[]): string {
  const typed = contract.columns
    .filter((c) => columns.includes(c.name))
    .flatMap((c) => [
      `CAST(NULL AS ${d.sqlType({ kind: "string" })}) AS ${d.ident(rawName(c.name))}`,
      `(${d.ident(c.name)} IS NOT NULL) AS ${d.ident(presentName(c.name))}`,
      `CAST(${d.ident(c.name)} AS ${d.sqlType(c.type)}) AS ${d.ident(c.name)}`,
    ]);
  // One column per line, as the typed view lays out its steps.
  const meta = `${d.ident("_source_file")}, ${d.ident("_row")}`;
  return `SELECT ${[meta, ...typed].join(",\n  ")}\nFROM ${source} AS ${d.ident("processed")}`;
}

/** A relation of no rows with the batch's text columns, for a load that wrote nothing. */
function emptyTextBatch(d: Dialect, contract: Contract): string {
  const text = d.sqlType({ kind: "string" });
  const columns = contract.columns.map((c) => `CAST(NULL AS ${text}) AS ${d.ident(c.name)}`);
  return `(SELECT CAST(NULL AS ${text}) AS ${d.ident("_source_file")}, CAST(NULL AS BIGINT) AS ${d.ident("_row")}, ${columns.join(", ")} WHERE FALSE)`;
}

/** The typed view of a load's batch, restricted to `columns`: what every check query scans. */
export function checkedBatchSql(target: CheckTarget, contract: Contract, loadDate: string, columns: readonly string[]): string {
  const d = target.dialect;
  const processed = target.processedBatch(contract, loadDate);
  const quarantine = target.quarantineBatch(contract, loadDate);
  const branches: string[] = [];
  if (processed !== undefined) branches.push(typedProcessedSql(d, contract, processed, columns));
  if (quarantine !== undefined) branches.push(typedViewSql(d, contract, quarantine, columns));
  if (branches.length === 0) branches.push(typedViewSql(d, contract, emptyTextBatch(d, contract), columns));
  return branches.join("\nUNION ALL\n");
}

/**
 * The same batch with its processed rows cast back to text and typed again, as a dbt project
 * testing a staging view would. The benchmark's baseline, and a test that typing processed
 * values again changes nothing.
 */
export function retypedFromText(target: CheckTarget): CheckTarget {
  const d = target.dialect;
  return {
    ...target,
    processedBatch: () => undefined,
    quarantineBatch(contract, loadDate) {
      const meta = `${d.ident("_source_file")}, ${d.ident("_row")}`;
      const branches: string[] = [];
      const processed = target.processedBatch(contract, loadDate);
      const quarantine = target.quarantineBatch(contract, loadDate);
      if (processed !== undefined) {
        const asText = contract.columns.map((c) => `CAST(${d.ident(c.name)} AS ${d.sqlType({ kind: "string" })}) AS ${d.ident(c.name)}`);
        branches.push(`SELECT ${meta}, ${asText.join(", ")} FROM ${processed} AS processed`);
      }
      if (quarantine !== undefined) branches.push(`SELECT ${meta}, ${contract.columns.map((c) => d.ident(c.name)).join(", ")} FROM ${quarantine} AS quarantine`);
      return branches.length === 0 ? undefined : `(${branches.join(" UNION ALL ")})`;
    },
  };
}

/**
 * DuckDB reading exactly these Parquet files. Partition values are not read from the paths: every
 * column the lake needs is in the files (a curated period derives from its column), and `SELECT *`
 * must not grow load_date or trade_month columns.
 */
export const readParquet = (files: readonly string[]): string =>
  `read_parquet([${files.map(duckdbReadPath).join(", ")}], union_by_name = true, hive_partitioning = false)`;

export function listParquet(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listParquet(full));
    else if (entry.name.endsWith(".parquet")) found.push(full);
  }
  return found.sort();
}

export function quarantineDir(lakeDir: string, dataset: string, loadDate: string): string {
  return path.join(lakeDir, layerPaths.quarantineLoad(dataset, loadDate));
}

/**
 * A local lake (the layout `lake run` writes), read by DuckDB: a load's batch opens only that
 * load's processed and quarantine partitions; references read the referenced dataset's curated files.
 */
export function duckdbTarget(lakeDir: string): CheckTarget {
  return {
    dialect: duckdb,
    processedBatch(contract, loadDate) {
      const files = processedFilesOfLoad(lakeDir, contract.name, loadDate);
      return files.length > 0 ? readParquet(files) : undefined;
    },
    quarantineBatch(contract, loadDate) {
      const files = listParquet(quarantineDir(lakeDir, contract.name, loadDate));
      return files.length > 0 ? `(SELECT * FROM ${readParquet(files)} WHERE "_reason_kind" = 'value')` : undefined;
    },
    curatedSource(contract) {
      const files = curatedFiles(lakeDir, contract);
      if (files.length > 0) return readParquet(files);
      // Curated's own columns too, as its files have them: readers filter on them (reconciliation on `_load_date`).
      const typedNulls = [
        ...contract.columns.map((c) => `CAST(NULL AS ${duckdb.sqlType(c.type)}) AS ${duckdb.ident(c.name)}`),
        `CAST(NULL AS DATE) AS "_load_date"`,
        `CAST(NULL AS VARCHAR) AS "_source_file"`,
        `CAST(NULL AS BIGINT) AS "_row"`,
      ];
      return `(SELECT ${typedNulls.join(", ")} WHERE FALSE)`;
    },
  };
}

/** The Glue databases Athena reads a lake through, one per layer (the table of a dataset has its name in each). */
export interface AthenaTables {
  readonly processedDatabase: string;
  readonly quarantineDatabase: string;
  readonly curatedDatabase: string;
}

/**
 * The Glue tables over the S3 layers, read by Athena: a load's batch is its `load_date` partitions
 * only. `loadDate` "?" emits execution parameters (the prepared statements): each the load date,
 * each inside a WHERE clause, where Athena binds them.
 */
export function athenaTarget(tables: AthenaTables): CheckTarget {
  const table = (database: string, name: string): string => `${athena.ident(database)}.${athena.ident(name)}`;
  const dateValue = (loadDate: string): string => (loadDate === "?" ? "?" : athena.str(loadDate));
  return {
    dialect: athena,
    processedBatch: (contract, loadDate) => `(SELECT * FROM ${table(tables.processedDatabase, contract.name)} WHERE "load_date" = ${dateValue(loadDate)})`,
    quarantineBatch: (contract, loadDate) => `(SELECT * FROM ${table(tables.quarantineDatabase, contract.name)} WHERE "load_date" = ${dateValue(loadDate)} AND "_reason_kind" = 'value')`,
    curatedSource(contract, loadDate) {
      if (loadDate === undefined) return table(tables.curatedDatabase, contract.name);
      // The curated merge's own rule over curated and the load's processed rows: the same rows
      // whether this load has been curated yet or not, so the gate can run before curation.
      const columns = [...contract.columns.map((c) => c.name), "_load_date", "_source_file", "_row"].map((c) => athena.ident(c)).join(", ");
      const keys = contract.key.map((k) => athena.ident(k)).join(", ");
      const candidates =
        `SELECT ${columns} FROM ${table(tables.curatedDatabase, contract.name)} UNION ALL ` +
        `SELECT ${columns} FROM ${table(tables.processedDatabase, contract.name)} WHERE "load_date" = ${dateValue(loadDate)}`;
      return `(SELECT ${columns} FROM (SELECT ${columns}, row_number() OVER (PARTITION BY ${keys} ORDER BY ${CURATED_PRECEDENCE}) AS "_rank" FROM (${candidates}) AS "candidates") AS "ranked" WHERE "_rank" = 1)`;
    },
  };
}

/**
 * One statement counting a dataset's load in each layer Athena sees: the load's processed and
 * quarantined rows (every quarantined row, structure ones too) and the curated table. Every `?` is
 * the load date, inside a WHERE clause.
 */
export function athenaLayerCountsSql(tables: AthenaTables, contract: Contract): string {
  const table = (database: string): string => `${athena.ident(database)}.${athena.ident(contract.name)}`;
  return (
    `SELECT (SELECT count(*) FROM ${table(tables.processedDatabase)} WHERE "load_date" = ?) AS "processed", ` +
    `(SELECT count(*) FROM ${table(tables.quarantineDatabase)} WHERE "load_date" = ?) AS "quarantined", ` +
    `(SELECT count(*) FROM ${table(tables.curatedDatabase)}) AS "curated"`
  );
}
