import * as path from "path";
import { duckdb } from "./dialect";

const toPosix = (p: string): string => p.split(path.sep).join("/");

/**
 * A local file for DuckDB to read (read_csv, read_parquet), as a string literal. DuckDB expands
 * `*`, `?` and `[` in any path it reads as a glob pattern, so an input named `clientes_*.csv` or a
 * lake under `/data/lake[1]/` would pull in other files; each is escaped as a one-character class
 * (`[*]`, `[?]`, `[[]`), which matches exactly that character.
 */
export const duckdbReadPath = (p: string): string => duckdb.str(toPosix(p).replace(/[*?[]/g, (c) => `[${c}]`));

/** A path DuckDB writes (COPY ... TO): taken literally, so it is not escaped. */
export const duckdbWritePath = (p: string): string => duckdb.str(toPosix(p));
