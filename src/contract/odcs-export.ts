import { glueType } from "../aws/catalog";
import { StackOutputs } from "../aws/stack-outputs";
import { Contract, parseColumnType } from "../model/contracts";
import { isSchemaRule, RuleSet } from "../model/rules";
import { compileDqdlRules } from "../quality/dqdl";
import { compileChecks } from "../quality/sql";
import { AthenaTables, athenaTarget } from "../sql/batch-source";
import { DatasetDocuments, Json, JsonObject } from "./documents";
import {
  anchoredPattern,
  ATHENA_SQL_PROPERTY,
  DQDL_PROPERTY,
  ENGINE,
  Level,
  MAPPED_COLUMN_FIELDS,
  MAPPED_CONTRACT_FIELDS,
  MAPPED_RULE_FILE_FIELDS,
  NON_PII_CLASSIFICATION,
  odcsSeverity,
  PII_CLASSIFICATION,
  ratioToPercent,
  RULE_KIND_PROPERTY,
  RULE_ORDER_PROPERTY,
  RULE_SET_PROPERTY,
  snakeToCamel,
  stableId,
  tolerance,
} from "./odcs-mapping";
import { ODCS_API_VERSION } from "./odcs-schema";

/** Where the data of a stack lives, from its outputs: the Athena and Glue servers of every exported contract. */
export interface StackServers {
  readonly accountId: string;
  readonly region: string;
  readonly workgroup: string;
  readonly athenaResultsBucket: string;
  readonly databases: { readonly processed: string; readonly curated: string; readonly quarantine: string };
  readonly buckets: { readonly processed: string; readonly curated: string };
}

export function stackServersFrom(outputs: StackOutputs): StackServers {
  return {
    accountId: outputs.string("accountId"),
    region: outputs.string("region"),
    workgroup: outputs.string("athenaWorkgroup"),
    athenaResultsBucket: outputs.entry("buckets", "athena-results"),
    databases: { processed: outputs.entry("databases", "processed"), curated: outputs.entry("databases", "curated"), quarantine: outputs.entry("databases", "quarantine") },
    buckets: { processed: outputs.entry("buckets", "processed"), curated: outputs.entry("buckets", "curated") },
  };
}

export interface OdcsExportOptions {
  /** The local lake folder as the user names it (the `local` server's path starts with it). */
  readonly lakeDir: string;
  /** The AWS servers; none without --stack-outputs. */
  readonly stack?: StackServers;
  /** The Glue databases the Athena SQL of custom rules reads (the stack's, or those `lake compile --target athena` uses). */
  readonly athenaTables: AthenaTables;
}

const COMMON_RULE_FIELDS = ["id", "kind", "severity", "description"];

/** The ODCS data-quality dimension of each kind (classification for catalogues; not read back). */
const DIMENSIONS: Readonly<Record<string, string>> = {
  not_null: "completeness",
  completeness: "completeness",
  row_count: "completeness",
  unique: "uniqueness",
  accepted_values: "conformity",
  pattern: "conformity",
  type: "conformity",
  range: "conformity",
  references: "consistency",
  freshness: "timeliness",
};

/** One ODCS quality rule and where it goes: on the schema object or on one property. */
interface Placed {
  readonly level: Level;
  readonly column?: string;
  readonly item: JsonObject;
}

interface LibraryMapping {
  /** The rule fields (besides id, kind, severity, description) the library form states exactly. */
  readonly fields: readonly string[];
  forms(rule: JsonObject): { level: Level; column?: string; suffix?: string; item: JsonObject }[];
}

const onColumn = (rule: JsonObject, item: JsonObject) => [{ level: "property" as const, column: String(rule.column), item }];

/**
 * The kinds ODCS v3.1.0 has a library metric for. A rule of another kind, or with a field its
 * metric cannot state (a `where` filter, a field added to the format later), is exported as a
 * custom rule carrying the rule itself, so no reader is told a check that is not the one we run.
 */
const LIBRARY: Readonly<Record<string, LibraryMapping>> = {
  not_null: {
    fields: ["column", "threshold"],
    forms: (rule) => onColumn(rule, { metric: "nullValues", ...tolerance(rule.threshold) }),
  },
  completeness: {
    // present / rows >= min_ratio  <=>  nulls / rows <= 1 - min_ratio
    fields: ["column", "min_ratio"],
    forms: (rule) =>
      onColumn(rule, {
        metric: "nullValues",
        mustBeLessOrEqualTo: ratioToPercent(1 - Number(rule.min_ratio)),
        unit: "percent",
        customProperties: [{ property: RULE_KIND_PROPERTY, value: "completeness" }],
      }),
  },
  unique: {
    fields: ["columns", "threshold"],
    forms: (rule) => {
      const columns = rule.columns as string[];
      return columns.length === 1
        ? onColumn({ column: columns[0] }, { metric: "duplicateValues", ...tolerance(rule.threshold) })
        : [{ level: "schema", item: { metric: "duplicateValues", arguments: { properties: columns }, ...tolerance(rule.threshold) } }];
    },
  },
  accepted_values: {
    fields: ["column", "values", "threshold"],
    forms: (rule) => onColumn(rule, { metric: "invalidValues", arguments: { validValues: rule.values }, ...tolerance(rule.threshold) }),
  },
  pattern: {
    fields: ["column", "pattern", "threshold"],
    forms: (rule) => onColumn(rule, { metric: "invalidValues", arguments: { pattern: anchoredPattern(String(rule.pattern)) }, ...tolerance(rule.threshold) }),
  },
  row_count: {
    // One comparison per ODCS rule (its operators are oneOf); both bounds are two rules of one name.
    // Never mustBeBetween: ODCS defines it as mustBeGreaterThan and mustBeLessThan (exclusive) while
    // SQL-minded tools read it inclusively; ours are inclusive, stated with the OrEqualTo operators.
    fields: ["min", "max"],
    forms: (rule) => {
      const bound = (operator: string, value: Json) => ({ metric: "rowCount", [operator]: value, unit: "rows" });
      if (typeof rule.min === "number" && typeof rule.max === "number") {
        return [
          { level: "schema", suffix: "-min", item: bound("mustBeGreaterOrEqualTo", rule.min) },
          { level: "schema", suffix: "-max", item: bound("mustBeLessOrEqualTo", rule.max) },
        ];
      }
      return [{ level: "schema", item: typeof rule.min === "number" ? bound("mustBeGreaterOrEqualTo", rule.min) : bound("mustBeLessOrEqualTo", rule.max as Json) }];
    },
  },
};

function libraryForms(rule: JsonObject): ReturnType<LibraryMapping["forms"]> | undefined {
  const mapping = LIBRARY[String(rule.kind)];
  if (!mapping) return undefined;
  const stated = new Set([...COMMON_RULE_FIELDS, ...mapping.fields]);
  return Object.keys(rule).every((field) => stated.has(field)) ? mapping.forms(rule) : undefined;
}

/** The fields every ODCS quality rule we write carries, in reading order around the metric-specific part. */
function qualityItem(rule: JsonObject, idSuffix: string, body: JsonObject): JsonObject {
  const { customProperties, ...rest } = body;
  const dimension = DIMENSIONS[String(rule.kind)];
  return {
    id: `${stableId(String(rule.id))}${idSuffix}`,
    name: rule.id,
    description: rule.description,
    ...("metric" in rest ? { type: "library" } : {}),
    ...rest,
    ...(dimension !== undefined ? { dimension } : {}),
    severity: odcsSeverity(String(rule.severity)),
    ...(customProperties !== undefined ? { customProperties } : {}),
  };
}

class DatasetExporter {
  private readonly dqdl: Map<string, readonly string[]>;

  constructor(
    private readonly documents: DatasetDocuments,
    private readonly contracts: readonly Contract[],
    private readonly ruleSet: RuleSet | undefined,
    private readonly options: OdcsExportOptions,
  ) {
    this.dqdl = new Map(ruleSet ? compileDqdlRules(ruleSet, contracts).map((r) => [r.ruleId, r.dqdl]) : []);
  }

  private customRule(rule: JsonObject): JsonObject {
    const typed = this.ruleSet?.rules.find((r) => r.id === rule.id);
    const derived: JsonObject[] = [];
    const dqdl = this.dqdl.get(String(rule.id));
    if (dqdl !== undefined && dqdl.length > 0) derived.push({ property: DQDL_PROPERTY, value: dqdl.join("\n"), description: "The rule in Glue Data Quality (DQDL), as the Glue job evaluates it." });
    // A rule judged from the load's file headers (schema kinds) runs no SQL of its own.
    if (typed && this.ruleSet && !isSchemaRule(typed)) {
      // Without failing-row samples: the statements count what the rule counts, as the verification step does.
      const sql = compileChecks({ ...this.ruleSet, rules: [typed] }, this.contracts, athenaTarget(this.options.athenaTables), "?", { sampleSize: 0 })
        .queries.filter((q) => q.rules.includes(typed.id))
        .map((q) => q.sql);
      if (sql.length > 0) derived.push({ property: ATHENA_SQL_PROPERTY, value: sql.join(";\n\n"), description: "The Athena statements counting the rule's failures on one load (each ? is the load date)." });
    }
    return qualityItem(rule, "", { type: "custom", engine: ENGINE, implementation: rule, ...(derived.length > 0 ? { customProperties: derived } : {}) });
  }

  private placedRules(columns: ReadonlySet<string>): Placed[] {
    const rules = (this.documents.rules?.rules ?? []) as JsonObject[];
    return rules.flatMap((rule): Placed[] => {
      const forms = libraryForms(rule);
      if (forms) return forms.map((f) => ({ level: f.level, column: f.column, item: qualityItem(rule, f.suffix ?? "", f.item) }));
      const column = typeof rule.column === "string" && columns.has(rule.column) ? rule.column : undefined;
      return [{ level: column === undefined ? "schema" : "property", column, item: this.customRule(rule) }];
    });
  }

  /** A references rule with one unconditional target is also a foreign key, which ODCS readers understand. */
  private relationshipsOf(column: string): JsonObject[] {
    const rules = (this.documents.rules?.rules ?? []) as JsonObject[];
    return rules
      .filter((r) => r.kind === "references" && r.column === column && Array.isArray(r.targets) && r.targets.length === 1)
      .map((r) => (r.targets as JsonObject[])[0])
      .filter((t) => t.when === undefined)
      .map((t) => ({ type: "foreignKey", to: `${String(t.dataset)}.${String(t.column)}` }));
  }

  private property(column: JsonObject, key: readonly string[], placed: readonly Placed[]): JsonObject {
    const name = String(column.name);
    const type = parseColumnType(String(column.type));
    const position = key.indexOf(name);
    const quality = placed.filter((p) => p.level === "property" && p.column === name).map((p) => p.item);
    const relationships = this.relationshipsOf(name);
    const custom = Object.entries(column)
      .filter(([field]) => !MAPPED_COLUMN_FIELDS.includes(field))
      .map(([field, value]) => ({ property: snakeToCamel(field), value }));
    return {
      name,
      logicalType: type.kind === "decimal" ? "number" : type.kind,
      physicalType: glueType(type),
      ...(typeof column.description === "string" ? { description: column.description } : {}),
      ...(position >= 0 ? { primaryKey: true, primaryKeyPosition: position + 1 } : {}),
      ...(position >= 0 || column.required === true ? { required: true } : {}),
      classification: column.pii === true ? PII_CLASSIFICATION : NON_PII_CLASSIFICATION,
      ...(relationships.length > 0 ? { relationships } : {}),
      ...(quality.length > 0 ? { quality } : {}),
      ...(custom.length > 0 ? { customProperties: custom } : {}),
    };
  }

  /** The rule ids in the order import rebuilds them without help: schema-level rules, then property by property. */
  private static placementOrder(placed: readonly Placed[], columns: readonly string[]): string[] {
    const ids = [
      ...placed.filter((p) => p.level === "schema"),
      ...columns.flatMap((c) => placed.filter((p) => p.level === "property" && p.column === c)),
    ].map((p) => String(p.item.name));
    return [...new Set(ids)];
  }

  schemaObject(): JsonObject {
    const { contract, rules } = this.documents;
    const columns = (contract.columns as JsonObject[]) ?? [];
    const columnNames = columns.map((c) => String(c.name));
    const key = (contract.key as string[]) ?? [];
    const placed = this.placedRules(new Set(columnNames));
    const custom: JsonObject[] = Object.entries(contract)
      .filter(([field]) => !MAPPED_CONTRACT_FIELDS.includes(field))
      .map(([field, value]) => ({ property: snakeToCamel(field), value }));
    const ruleSetFields = Object.fromEntries(Object.entries(rules ?? {}).filter(([field]) => !MAPPED_RULE_FILE_FIELDS.includes(field)));
    // A rule file without rules is still a file: the property says it exists.
    const emptyRuleFile = rules !== undefined && ((rules.rules ?? []) as Json[]).length === 0;
    if (Object.keys(ruleSetFields).length > 0 || emptyRuleFile) custom.push({ property: RULE_SET_PROPERTY, value: ruleSetFields, description: "Fields of the energy-lake rule file of this dataset." });
    const fileOrder = ((rules?.rules ?? []) as JsonObject[]).map((r) => String(r.id));
    if (JSON.stringify(DatasetExporter.placementOrder(placed, columnNames)) !== JSON.stringify(fileOrder)) {
      custom.push({ property: RULE_ORDER_PROPERTY, value: fileOrder, description: "The quality rules in the order energy-lake runs and reports them." });
    }
    const quality = placed.filter((p) => p.level === "schema").map((p) => p.item);
    return {
      name: this.documents.dataset,
      physicalName: this.documents.dataset,
      physicalType: "table",
      logicalType: "object",
      description: contract.description,
      properties: columns.map((c) => this.property(c, key, placed)),
      ...(quality.length > 0 ? { quality } : {}),
      ...(custom.length > 0 ? { customProperties: custom } : {}),
    };
  }

  servers(): JsonObject[] {
    const dataset = this.documents.dataset;
    const lake = this.options.lakeDir.replace(/\/+$/, "");
    const servers: JsonObject[] = [
      {
        server: "local",
        type: "local",
        description: "The local lake written by `lake run`: the dataset's curated Parquet files, read with DuckDB.",
        path: `${lake}/curated/${dataset}/**/*.parquet`,
        format: "parquet",
      },
    ];
    const stack = this.options.stack;
    if (stack) {
      servers.push(
        {
          server: "athena",
          type: "athena",
          description: "Athena over the curated Glue database; queries run in the stack's enforced workgroup.",
          stagingDir: `s3://${stack.athenaResultsBucket}/results/`,
          schema: stack.databases.curated,
          catalog: "awsdatacatalog",
          regionName: stack.region,
          customProperties: [{ property: "workgroup", value: stack.workgroup }],
        },
        {
          server: "glue-curated",
          type: "glue",
          description: "The curated table: one row per key, the latest load winning.",
          account: stack.accountId,
          database: stack.databases.curated,
          location: `s3://${stack.buckets.curated}/${dataset}/`,
          format: "parquet",
        },
        {
          server: "glue-processed",
          type: "glue",
          description: "The processed table: every load's typed rows, partitioned by load_date.",
          account: stack.accountId,
          database: stack.databases.processed,
          location: `s3://${stack.buckets.processed}/${dataset}/`,
          format: "parquet",
        },
      );
    }
    return servers;
  }
}

/** The ODCS `id` of a dataset's contract: stable across exports, so catalogues keep recognising it. */
export const odcsContractId = (dataset: string): string => `energy-lake:contract:${dataset}`;

/**
 * One dataset's contract and rules as an ODCS v3.1.0 document (one schema object). The model must
 * have been validated (loadModel): `contracts` and `ruleSets` are its typed form, used for the
 * DQDL and SQL custom rules carry.
 */
export function exportOdcs(documents: DatasetDocuments, contracts: readonly Contract[], ruleSets: readonly RuleSet[], options: OdcsExportOptions): JsonObject {
  const exporter = new DatasetExporter(documents, contracts, ruleSets.find((r) => r.dataset === documents.dataset), options);
  const { contract } = documents;
  return {
    apiVersion: ODCS_API_VERSION,
    kind: "DataContract",
    id: odcsContractId(documents.dataset),
    name: documents.dataset,
    version: contract.version,
    status: typeof contract.status === "string" ? contract.status : "active",
    servers: exporter.servers(),
    schema: [exporter.schemaObject()],
  };
}

