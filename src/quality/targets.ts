import * as path from "path";
import { Contract } from "../model/contracts";
import {
  athenaTarget,
  AthenaTables,
  CheckTarget,
  duckdbTarget,
  listParquet,
  processedFilesOfLoad,
  quarantineDir,
} from "../sql/batch-source";
import { athena, Dialect, duckdb } from "../sql/dialect";
import { presentName, rawName, typedViewSql } from "../sql/typed-view";

/**
 * Check targets that hand the processed rows of a batch over already typed. Processed values are
 * the typed view's own output (a row with any value that does not type is quarantined whole), so
 * typing their text again yields the same values: skipping that round trip is what keeps the
 * check scan close to a bare read of the columns. Quarantined rows still go through the typed view.
 */
export interface TypedBatchSource {
  /** Relation of the load's processed rows: typed contract columns, `_source_file`, `_row`; undefined when there are none. */
  processed(contract: Contract, loadDate: string): string | undefined;
  /** Relation of the load's quarantined value rows: raw text columns, `_source_file`, `_row`; undefined when there are none. */
  quarantine(contract: Contract, loadDate: string): string | undefined;
}

export interface QualityCheckTarget extends CheckTarget {
  readonly typedBatch?: TypedBatchSource;
}

const sqlPath = (p: string): string => duckdb.str(p.split(path.sep).join("/"));
const parquetList = (files: string[]): string => `read_parquet([${files.map(sqlPath).join(", ")}], union_by_name = true)`;

/** The local lake (the layout `lake run` writes), read by DuckDB. */
export function localCheckTarget(lakeDir: string): QualityCheckTarget {
  return {
    ...duckdbTarget(lakeDir),
    typedBatch: {
      processed(contract, loadDate) {
        const files = processedFilesOfLoad(lakeDir, contract.name, loadDate);
        return files.length > 0 ? parquetList(files) : undefined;
      },
      quarantine(contract, loadDate) {
        const files = listParquet(quarantineDir(lakeDir, contract.name, loadDate));
        return files.length > 0 ? `(SELECT * FROM ${parquetList(files)} WHERE "_reason_kind" = 'value')` : undefined;
      },
    },
  };
}

/** The Glue tables of the processed and quarantine layers, read by Athena; "?" leaves the load date a parameter. */
export function athenaCheckTarget(tables: AthenaTables): QualityCheckTarget {
  const table = (database: string, name: string): string => `${athena.ident(database)}.${athena.ident(name)}`;
  const dateValue = (loadDate: string): string => (loadDate === "?" ? "?" : athena.str(loadDate));
  return {
    ...athenaTarget(tables),
    typedBatch: {
      processed: (contract, loadDate) => `(SELECT * FROM ${table(tables.processedDatabase, contract.name)} WHERE "_load_date" = CAST(${dateValue(loadDate)} AS date))`,
      quarantine: (contract, loadDate) => `(SELECT * FROM ${table(tables.quarantineDatabase, contract.name)} WHERE "load_date" = ${dateValue(loadDate)} AND "_reason_kind" = 'value')`,
    },
  };
}

/** Typed processed rows in the typed view's shape: c__raw, c__present and c for each column. */
function typedProcessedSql(d: Dialect, contract: Contract, source: string, columns: readonly string[]): string {
  const varchar = d.sqlType({ kind: "string" });
  const typed = contract.columns
    .filter((c) => columns.includes(c.name))
    .flatMap((c) => {
      const value = `CAST(${d.ident(c.name)} AS ${d.sqlType(c.type)})`;
      return [
        `CAST(${d.ident(c.name)} AS ${varchar}) AS ${d.ident(rawName(c.name))}`,
        `(${d.ident(c.name)} IS NOT NULL) AS ${d.ident(presentName(c.name))}`,
        `${value} AS ${d.ident(c.name)}`,
      ];
    });
  return `SELECT ${[d.ident("_source_file"), d.ident("_row"), ...typed].join(", ")} FROM ${source} AS ${d.ident("processed")}`;
}

/**
 * The typed view of a load's batch restricted to `columns`: from the split sources when the target
 * has them, else by typing the whole batch's text (any CheckTarget).
 */
export function checkedBatchSql(target: QualityCheckTarget, contract: Contract, loadDate: string, columns: readonly string[]): string {
  const d = target.dialect;
  if (target.typedBatch === undefined) return typedViewSql(d, contract, target.batchSource(contract, loadDate), columns);
  const processed = target.typedBatch.processed(contract, loadDate);
  const quarantine = target.typedBatch.quarantine(contract, loadDate);
  const branches: string[] = [];
  if (processed !== undefined) branches.push(typedProcessedSql(d, contract, processed, columns));
  if (quarantine !== undefined) branches.push(typedViewSql(d, contract, quarantine, columns));
  // No file at all: the generic batch source already knows how to spell an empty batch.
  if (branches.length === 0) return typedViewSql(d, contract, target.batchSource(contract, loadDate), columns);
  return branches.join(" UNION ALL ");
}
