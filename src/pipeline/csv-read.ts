import * as path from "path";
import { duckdb as d } from "../sql/dialect";
import { duckdbReadPath } from "../sql/duckdb-paths";
import { ByteLayout, byteLayoutOf, readSourceSample } from "./decode";
import { parseSource, ParsedSource } from "./parse";
import { MAX_RECORD_BYTES } from "./records";

/** What reading an export needs to know about it: what sniffing found, as the load record keeps it. */
export interface CsvReadLayout {
  readonly file: string;
  readonly delimiter: string;
  readonly headers: readonly string[];
  /** 8-bit or UTF-16; found from the file's first bytes when not given. */
  readonly byteLayout?: ByteLayout;
}

/** The name of the field at a source position: fields are read by position, never by header text. */
export const positionalColumn = (position: number): string => `c${position}`;

export interface ReadExport extends ParsedSource {
  /** The accepted records: `_row` (the source line), then one text column per source position. */
  readonly accepted: string;
  /** The refused records: `line`, `reason`, `raw_line`. */
  readonly refused: string;
}

/** DuckDB reads only files parse.ts wrote: nothing to sniff, nothing to guess, every record exactly as written. */
const EXACTLY = `header = false, auto_detect = false, quote = '"', escape = '"', strict_mode = true, new_line = '\\n', hive_partitioning = false, max_line_size = ${2 * MAX_RECORD_BYTES + 1024}`;

/**
 * Reads one export the way the load reads it (parse.ts: encodings, quoting, line breaks, hostile
 * records), into files under `workDir` named after `name`; returns the DuckDB relations of its
 * accepted and refused records. The load quarantines the refused ones; the profiler counts them
 * from the load record.
 */
export async function readExport(layout: CsvReadLayout, workDir: string, name: string): Promise<ReadExport> {
  const byteLayout = layout.byteLayout ?? byteLayoutOf(await readSourceSample(layout.file, 4096, false));
  const parsed = await parseSource({ ...layout, byteLayout }, path.join(workDir, `${name}-accepted.csv`), path.join(workDir, `${name}-refused.csv`));
  const columns = [`'_row': 'BIGINT'`, ...layout.headers.map((_, i) => `${d.str(positionalColumn(i))}: 'VARCHAR'`)].join(", ");
  return {
    ...parsed,
    accepted: `read_csv(${duckdbReadPath(parsed.acceptedFile)}, delim = ${d.str(layout.delimiter)}, columns = {${columns}}, ${EXACTLY})`,
    refused: `read_csv(${duckdbReadPath(parsed.refusedFile)}, delim = ',', columns = {'line': 'BIGINT', 'reason': 'VARCHAR', 'raw_line': 'VARCHAR'}, ${EXACTLY})`,
  };
}
