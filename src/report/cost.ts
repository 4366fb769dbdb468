import type { QueryRun, RunCost } from "./types";

/**
 * What Athena bills for a query, estimated the way its pricing states it: 5 USD per TB scanned
 * (AWS bills binary units: a TB here is a TiB), each query rounded up to the next MB with a 10 MB
 * minimum; failed queries are not billed, cancelled ones are for what they scanned.
 */
export const ATHENA_USD_PER_TIB = 5;
const MIB = 1024 * 1024;
export const ATHENA_MINIMUM_BYTES_PER_QUERY = 10 * MIB;

export function athenaBilledBytes(bytesScanned: number, state: string): number {
  if (state === "FAILED" || state === "NOT_STARTED") return 0;
  return Math.max(ATHENA_MINIMUM_BYTES_PER_QUERY, Math.ceil(bytesScanned / MIB) * MIB);
}

export function athenaQueryCost(bytesScanned: number, state: string): number {
  return (athenaBilledBytes(bytesScanned, state) / (MIB * MIB)) * ATHENA_USD_PER_TIB;
}

/** The run's total over every query of every dataset. */
export function athenaRunCost(runs: readonly QueryRun[]): RunCost {
  return {
    bytes_scanned: runs.reduce((sum, r) => sum + r.bytes_scanned, 0),
    estimated_cost_usd: runs.reduce((sum, r) => sum + r.estimated_cost_usd, 0),
    usd_per_tib: ATHENA_USD_PER_TIB,
    minimum_bytes_per_query: ATHENA_MINIMUM_BYTES_PER_QUERY,
  };
}
