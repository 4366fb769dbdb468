import { ColumnType, Contract } from "../model/contracts";
import { Layer } from "./naming";

/** A Glue column: name, Hive type and comment. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

/** Everything a Glue table of one layer needs, as plain data (the component turns it into aws.glue.CatalogTable). */
export interface GlueTablePlan {
  readonly layer: Layer;
  readonly name: string;
  readonly description: string;
  readonly columns: readonly GlueColumn[];
  readonly partitionKeys: readonly GlueColumn[];
  /** Key inside the layer's bucket the table lives under, with a trailing slash. */
  readonly prefix: string;
  readonly format: "csv" | "parquet";
  /** Table parameters: classification and partition projection. `${bucket}` stands for the bucket name. */
  readonly parameters: Readonly<Record<string, string>>;
}

export function glueType(type: ColumnType): string {
  switch (type.kind) {
    case "string": return "string";
    case "integer": return "bigint";
    case "decimal": return `decimal(${type.precision},${type.scale})`;
    case "date": return "date";
    case "timestamp": return "timestamp";
    case "boolean": return "boolean";
  }
}

/** Lineage columns every processed and curated row carries. */
export const LINEAGE_COLUMNS: readonly GlueColumn[] = [
  { name: "_load_date", type: "date", comment: "load the row arrived with" },
  { name: "_source_file", type: "string", comment: "raw file the row came from" },
  { name: "_row", type: "bigint", comment: "line of the row in its source file" },
];

export const QUARANTINE_EXTRA_COLUMNS: readonly GlueColumn[] = [
  { name: "_source_file", type: "string", comment: "raw file the row came from" },
  { name: "_row", type: "bigint", comment: "line of the row in its source file" },
  { name: "_reason", type: "string", comment: "why the row could not be typed" },
  { name: "_reason_kind", type: "string", comment: "value (a field did not type) or structure (the record did not parse)" },
  { name: "_raw_line", type: "string", comment: "the source line, for records that did not parse" },
];

const typedColumns = (contract: Contract): GlueColumn[] =>
  contract.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.description }));

/**
 * The load_date partitions, projected as `injected`: Athena takes the value from the query's
 * equality (`WHERE load_date = '2026-01-05'`, or an IN list) and reads that folder, so every date
 * a load can have is visible (a date range would hide loads before its start or after NOW, which
 * the CLI accepts), nothing has to be registered, and a query cannot scan every load by mistake:
 * without the equality Athena refuses it (CONSTRAINT_VIOLATION).
 */
const loadDateProjection = (prefix: string): Record<string, string> => ({
  "projection.enabled": "true",
  "projection.load_date.type": "injected",
  "storage.location.template": `s3://\${bucket}/${prefix}load_date=\${load_date}/`,
});

/** raw: the CSV as received, every column a string, partitioned by load date (projected). */
export function rawTable(contract: Contract): GlueTablePlan {
  const prefix = `${contract.name}/`;
  return {
    layer: "raw",
    name: contract.name,
    description: `${contract.description} As received (CSV, canonical column order).`,
    columns: contract.columns.map((c) => ({ name: c.name, type: "string", comment: c.description })),
    partitionKeys: [{ name: "load_date", type: "string" }],
    prefix,
    format: "csv",
    parameters: { classification: "csv", "skip.header.line.count": "1", ...loadDateProjection(prefix) },
  };
}

/** processed: typed Parquet plus lineage, partitioned by load date (projected), one partition per load. */
export function processedTable(contract: Contract): GlueTablePlan {
  const prefix = `${contract.name}/`;
  return {
    layer: "processed",
    name: contract.name,
    description: `${contract.description} Typed and normalised, one partition per load.`,
    columns: [...typedColumns(contract), ...LINEAGE_COLUMNS],
    partitionKeys: [{ name: "load_date", type: "string" }],
    prefix,
    format: "parquet",
    parameters: { classification: "parquet", "parquet.compression": "ZSTD", ...loadDateProjection(prefix) },
  };
}

/** quarantine: every column as received (string) plus the reason, partitioned by load date (projected). */
export function quarantineTable(contract: Contract): GlueTablePlan {
  const prefix = `${contract.name}/`;
  return {
    layer: "quarantine",
    name: contract.name,
    description: `${contract.description} Rows that could not be typed, with the reason.`,
    columns: [...contract.columns.map((c) => ({ name: c.name, type: "string", comment: c.description })), ...QUARANTINE_EXTRA_COLUMNS],
    partitionKeys: [{ name: "load_date", type: "string" }],
    prefix,
    format: "parquet",
    parameters: { classification: "parquet", ...loadDateProjection(prefix) },
  };
}

/**
 * curated: one row per key (latest load wins), typed, with lineage; partitioned by the contract's
 * business period (`trade_month`, a string YYYY-MM) where it declares one. Those partitions are
 * registered as loads write them, not projected: trade dates are unbounded.
 */
export function curatedTable(contract: Contract): GlueTablePlan {
  return {
    layer: "curated",
    name: contract.name,
    description: `${contract.description} One row per ${contract.key.join(", ")}, latest load wins.`,
    columns: [...typedColumns(contract), ...LINEAGE_COLUMNS],
    partitionKeys: contract.curatedPartition === undefined ? [] : [{ name: contract.curatedPartition.name, type: "string", comment: `${contract.curatedPartition.granularity} of ${contract.curatedPartition.column}` }],
    prefix: `${contract.name}/`,
    format: "parquet",
    parameters: { classification: "parquet", "parquet.compression": "ZSTD" },
  };
}

export const TABLE_PLANNERS: Readonly<Record<Layer, (contract: Contract) => GlueTablePlan>> = {
  raw: rawTable,
  processed: processedTable,
  curated: curatedTable,
  quarantine: quarantineTable,
};

/** Substitutes the bucket into a plan's parameters (`${bucket}` placeholders). */
export function tableParameters(plan: GlueTablePlan, bucket: string): Record<string, string> {
  return Object.fromEntries(Object.entries(plan.parameters).map(([k, v]) => [k, v.replace("${bucket}", bucket)]));
}
