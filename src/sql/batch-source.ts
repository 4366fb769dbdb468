import * as fs from "fs";
import * as path from "path";
import { Contract } from "../model/contracts";
import { athena, Dialect, duckdb } from "./dialect";

/**
 * Where a check engine finds a load's batch and a dataset's keys. The batch of a load is what the
 * pipeline wrote for it: processed rows (typed values written back as text) plus the quarantined
 * rows that had parsable fields (raw text). Checking the written layers, not the CSV again,
 * verifies the lake itself, and works the same on DuckDB files and on Athena tables.
 */
export interface CheckTarget {
  readonly dialect: Dialect;
  /** A relation (parenthesised subquery) with one VARCHAR column per contract column, `_source_file` and `_row`. */
  batchSource(contract: Contract, loadDate: string): string;
  /** A relation over the typed processed rows of a dataset, all loads: what references resolve against. */
  processedSource(contract: Contract): string;
}

function batchUnion(d: Dialect, contract: Contract, processed: string | undefined, quarantine: string | undefined): string {
  const columns = contract.columns.map((c) => d.ident(c.name));
  const meta = `${d.ident("_source_file")}, ${d.ident("_row")}`;
  const branches: string[] = [];
  if (processed !== undefined) {
    const asText = contract.columns.map((c) => `CAST(${d.ident(c.name)} AS ${d.name === "athena" ? "varchar" : "VARCHAR"}) AS ${d.ident(c.name)}`);
    branches.push(`SELECT ${meta}, ${asText.join(", ")} FROM ${processed}`);
  }
  if (quarantine !== undefined) {
    branches.push(`SELECT ${meta}, ${columns.join(", ")} FROM ${quarantine}`);
  }
  if (branches.length === 0) {
    const typedNulls = contract.columns.map((c) => `CAST(NULL AS VARCHAR) AS ${d.ident(c.name)}`);
    branches.push(`SELECT CAST(NULL AS VARCHAR) AS ${d.ident("_source_file")}, CAST(NULL AS BIGINT) AS ${d.ident("_row")}, ${typedNulls.join(", ")} WHERE FALSE`);
  }
  return `(${branches.join(" UNION ALL ")})`;
}

const sqlPath = (p: string): string => duckdb.str(p.split(path.sep).join("/"));

/** The files a load wrote under processed/<dataset>/year=/month=/day=/, named load-<date>_<i>.parquet. */
export function processedFilesOfLoad(lakeDir: string, dataset: string, loadDate: string): string[] {
  const root = path.join(lakeDir, "processed", dataset);
  if (!fs.existsSync(root)) return [];
  const prefix = `load-${loadDate}_`;
  return listParquet(root).filter((f) => path.basename(f).startsWith(prefix));
}

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
  return path.join(lakeDir, "quarantine", dataset, `load_date=${loadDate}`);
}

/** Reads a local lake (the layout `lake run` writes) with DuckDB; only the files of the load being checked are opened. */
export function duckdbTarget(lakeDir: string): CheckTarget {
  const parquetList = (files: string[]): string => `read_parquet([${files.map(sqlPath).join(", ")}], union_by_name = true)`;
  return {
    dialect: duckdb,
    batchSource(contract, loadDate) {
      const processed = processedFilesOfLoad(lakeDir, contract.name, loadDate);
      const quarantine = listParquet(quarantineDir(lakeDir, contract.name, loadDate));
      return batchUnion(
        duckdb,
        contract,
        processed.length > 0 ? parquetList(processed) : undefined,
        quarantine.length > 0 ? `${parquetList(quarantine)} WHERE "_reason_kind" = 'value'` : undefined,
      );
    },
    processedSource(contract) {
      const files = listParquet(path.join(lakeDir, "processed", contract.name));
      if (files.length > 0) return parquetList(files);
      const typedNulls = contract.columns.map((c) => `CAST(NULL AS ${duckdb.sqlType(c.type)}) AS ${duckdb.ident(c.name)}`);
      return `(SELECT ${typedNulls.join(", ")} WHERE FALSE)`;
    },
  };
}

export interface AthenaTables {
  readonly processedDatabase: string;
  readonly quarantineDatabase: string;
}

/**
 * Reads the Glue tables over the S3 layers. `loadDate` "?" emits prepared-statement parameters
 * (two per batch: processed, then quarantine) for aws.athena.PreparedStatement.
 */
export function athenaTarget(tables: AthenaTables): CheckTarget {
  const table = (database: string, name: string): string => `${athena.ident(database)}.${athena.ident(name)}`;
  const dateValue = (loadDate: string): string => (loadDate === "?" ? "?" : athena.str(loadDate));
  return {
    dialect: athena,
    batchSource(contract, loadDate) {
      return batchUnion(
        athena,
        contract,
        `${table(tables.processedDatabase, contract.name)} WHERE "_load_date" = CAST(${dateValue(loadDate)} AS date)`,
        `${table(tables.quarantineDatabase, contract.name)} WHERE "load_date" = ${dateValue(loadDate)} AND "_reason_kind" = 'value'`,
      );
    },
    processedSource: (contract) => table(tables.processedDatabase, contract.name),
  };
}
