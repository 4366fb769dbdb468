import { sqlPath } from "../sql/batch-source";
import { duckdb as d } from "../sql/dialect";

/** What reading an export needs to know about it: what sniffing found, as the load record keeps it. */
export interface CsvReadLayout {
  readonly file: string;
  readonly encoding: string;
  readonly delimiter: string;
  readonly headers: readonly string[];
}

/** The name of the field at a source position: fields are read by position, never by header text. */
export const positionalColumn = (position: number): string => `c${position}`;

/**
 * DuckDB reading one export the way the load reads it: every field as text, named by position.
 * With `rejects`, records that do not split into the header's fields go to those tables (the load
 * quarantines them); without, they are skipped (the profiler, which counts them from the load record).
 */
export function readCsvSql(layout: CsvReadLayout, rejects?: { readonly table: string; readonly scan: string }): string {
  const columns = layout.headers.map((_, i) => `${d.str(positionalColumn(i))}: 'VARCHAR'`).join(", ");
  const errors = rejects === undefined ? "ignore_errors = true" : `store_rejects = true, rejects_table = ${d.str(rejects.table)}, rejects_scan = ${d.str(rejects.scan)}`;
  return (
    `read_csv(${sqlPath(layout.file)}, delim = ${d.str(layout.delimiter)}, quote = '"', escape = '"', header = true, auto_detect = false, ` +
    `columns = {${columns}}, encoding = ${d.str(layout.encoding)}, strict_mode = true, ${errors})`
  );
}
