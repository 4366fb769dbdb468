import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { glueType } from "../aws/catalog";
import { ColumnType, Contract, CONTRACT_SCHEMA_FILE, CONTRACT_STATUSES, contractProblems, DEFAULT_NULL_MARKERS, parseColumnType, parseContract } from "../model/contracts";
import { ruleFileProblems } from "../model/rules";
import { headerKey } from "../model/text";
import { DatasetDocuments, isJsonObject, Json, JsonObject } from "./documents";
import { odcsContractId } from "./odcs-export";
import { ImportedRule, importQuality, RuleContext, wholeValuePattern } from "./odcs-import-rules";
import {
  camelToSnake,
  MAPPED_COLUMN_FIELDS,
  MAPPED_CONTRACT_FIELDS,
  MAPPED_RULE_FILE_FIELDS,
  PII_CLASSIFICATION,
  RULE_ORDER_PROPERTY,
  RULE_SET_PROPERTY,
} from "./odcs-mapping";
import { Finding, Findings, OdcsNode } from "./odcs-reader";
import { ODCS_API_VERSION, odcsSchemaProblems } from "./odcs-schema";

export interface OdcsSource {
  readonly file: string;
  readonly text: string;
}

export interface ImportOptions {
  /** Where the model is written: rule files are validated as DIR/quality-rules/<dataset>.json. */
  readonly outDir: string;
  /** Contracts already in the output model, which imported references may name. */
  readonly existing?: readonly Contract[];
}

export interface ImportResult {
  readonly datasets: DatasetDocuments[];
  readonly findings: Finding[];
}

const DOCUMENTATION = "documentation an energy-lake contract does not carry";

const TOP_LEVEL_REASONS: Readonly<Record<string, string>> = {
  domain: "energy-lake keeps one lake per company: domains are not recorded",
  tenant: "energy-lake keeps one lake per company: tenants are not recorded",
  dataProduct: "data products are not recorded",
  team: "who owns the data is governed by the stack (Lake Formation roles, docs/aws.md), not by the contract",
  roles: "access is granted by the stack's Lake Formation roles (docs/aws.md), not by the contract",
  support: "support channels are not recorded",
  price: "energy-lake has no pricing",
  slaProperties: "service levels are not checked as such; a freshness rule (quality-rules kind freshness) is the nearest",
  slaDefaultElement: "service levels are not checked as such",
  tags: DOCUMENTATION,
  authoritativeDefinitions: DOCUMENTATION,
  contractCreatedTs: DOCUMENTATION,
  customProperties: "contract-level custom properties have no counterpart (per-dataset ones, on the schema object, do)",
};

const SCHEMA_REASONS: Readonly<Record<string, string>> = {
  id: "stable ids are not kept: datasets, columns and rules are named",
  businessName: DOCUMENTATION,
  dataGranularityDescription: DOCUMENTATION,
  tags: DOCUMENTATION,
  authoritativeDefinitions: DOCUMENTATION,
};

const PROPERTY_REASONS: Readonly<Record<string, string>> = {
  id: "stable ids are not kept: columns are named",
  businessName: DOCUMENTATION,
  examples: DOCUMENTATION,
  authoritativeDefinitions: DOCUMENTATION,
  criticalDataElement: DOCUMENTATION,
  encryptedName: "energy-lake does not encrypt single columns (the buckets are encrypted with the lake's KMS key); PII columns are hidden by Lake Formation instead",
  transformSourceObjects: DOCUMENTATION,
  transformLogic: DOCUMENTATION,
  transformDescription: DOCUMENTATION,
  partitioned: "energy-lake partitions curated data by a date column declared in the contract (curated_partition), not by partition properties",
  partitionKeyPosition: "energy-lake partitions curated data by a date column declared in the contract (curated_partition), not by partition properties",
  physicalName: "the lake names its columns after the contract",
  items: "nested data is kept as text",
  properties: "nested data is kept as text",
};

/** The servers export writes, by name -> type. */
const EXPORTED_SERVERS: Readonly<Record<string, string>> = { local: "local", athena: "athena", "glue-curated": "glue", "glue-processed": "glue" };

const PII_TAGS = new Set(["pii", "sensitive", "personal", "personal-data", "personal_data", "gdpr", "confidential"]);
const PII_CLASSIFICATIONS = new Set(["pii", "sensitive", "personal", "restricted", "confidential", "secret", "private", "4", "5"]);
const NON_PII_CLASSIFICATIONS = new Set(["internal", "public", "1", "2", "3"]);

/** Physical types that say no more than the lake's own for a column type. */
const PHYSICAL_SYNONYMS: Readonly<Record<string, RegExp>> = {
  string: /^(string|varchar|text|char|nvarchar|character varying)$/,
  integer: /^(bigint|int|integer|int2|int4|int8|smallint|tinyint|serial|bigserial|smallserial|long|short|int32|int64)$/,
  date: /^date$/,
  timestamp: /^(timestamp|datetime|timestamp_ntz)$/,
  boolean: /^(bool|boolean)$/,
};

function samePhysicalType(physical: string, type: ColumnType): boolean {
  const p = physical.trim().toLowerCase().replace(/\s+/g, " ");
  if (p === glueType(type)) return true;
  if (type.kind === "decimal") return p.replace(/\s/g, "") === `decimal(${type.precision},${type.scale})` || p.replace(/\s/g, "") === `numeric(${type.precision},${type.scale})`;
  return PHYSICAL_SYNONYMS[type.kind]?.test(p) ?? false;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/** A name as a contract identifier: snake_case, accents dropped, at most 63 characters, starting with a letter. One already is kept as it is. */
export function toIdentifier(name: string): string {
  if (IDENTIFIER.test(name)) return name;
  let s = name
    .normalize("NFD")
    .replace(/\p{Mn}/gu, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(s)) s = `c_${s}`;
  return s.slice(0, 63).replace(/_+$/, "");
}

/** ODCS versions are free text; ours are MAJOR.MINOR.PATCH. */
function semver(version: string | undefined, node: OdcsNode): string {
  if (version === undefined) {
    node.findings.changed(node.at("version"), "the document has no version; the contract starts at 1.0.0");
    return "1.0.0";
  }
  if (/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) return version;
  const parts = (/(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version) ?? []).slice(1, 4).map((p) => Number(p ?? 0));
  const normalised = parts.length === 3 && !parts.some(Number.isNaN) ? parts.join(".") : "1.0.0";
  node.findings.changed(node.at("version"), `"${version}" is not MAJOR.MINOR.PATCH; the contract's version is ${normalised}`);
  return normalised;
}

const DATE_FORMAT = /^(yyyy|MM|dd|[-/. ])+$/;
const TIMESTAMP_FORMAT = /^(yyyy|MM|dd|HH|mm|ss|'T'|[-/.: ])+$/;

interface ImportedDataset {
  readonly dataset: string;
  readonly schemaPath: string;
  readonly findings: Findings;
  contract: JsonObject;
  rules: ImportedRule[];
  readonly ruleSetFields: JsonObject;
  /** The document carries the rule file's own fields (so it had one, even without rules). */
  readonly hasRuleFile: boolean;
  readonly ruleOrder: string[] | undefined;
  /** Contract fields that came from custom properties -> where: dropped (and reported) if the contract refuses them. */
  readonly fieldOrigins: Map<string, string>;
}

class SchemaObjectImporter {
  private readonly columns: JsonObject[] = [];
  /** Missing-value spellings per column, added to its null markers once the contract's own are known. */
  private readonly missingMarkers = new Map<JsonObject, string[]>();
  private readonly columnOf = new Map<string, string>();
  private readonly columnTypes = new Map<string, ColumnType>();
  private readonly key: { column: string; position: number; order: number }[] = [];
  private readonly uniqueColumns: { column: string; required: boolean; path: string }[] = [];
  private readonly propertyRules: ImportedRule[] = [];
  private readonly dateFormats = new Set<string>();
  private readonly timestampFormats = new Set<string>();
  private readonly fieldOrigins = new Map<string, string>();

  constructor(
    private readonly node: OdcsNode,
    private readonly top: { version: string; status: string | undefined; description: () => string | undefined; file: string },
  ) {}

  private get findings() {
    return this.node.findings;
  }

  private columnType(p: OdcsNode, name: string): string {
    const logical = p.string("logicalType");
    const physical = p.string("physicalType");
    const phys = physical?.trim().toLowerCase();
    const decimal = phys === undefined ? null : /^(?:decimal|numeric|number|dec|float|double)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(phys);
    const integerLike = phys !== undefined && /^(tinyint|smallint|int|integer|bigint|int2|int4|int8|serial|bigserial|smallserial|long|short|byte|int32|int64)$/.test(phys);
    const approx = (typeName: string, why: string): string => {
      this.findings.changed(p.at(logical === undefined ? "physicalType" : "logicalType"), `${name}: ${why}; imported as ${typeName}`);
      return typeName;
    };
    const fromNumber = (): string => {
      if (integerLike) return "integer";
      if (decimal) {
        const precision = Math.min(Number(decimal[1]), 38);
        const scale = Math.min(Number(decimal[2] ?? 0), precision);
        const typeName = `decimal(${precision},${scale})`;
        if (phys?.startsWith("float") || phys?.startsWith("double") || Number(decimal[1]) > 38) return approx(typeName, `${physical} is not an exact decimal energy-lake stores`);
        return typeName;
      }
      return approx("decimal(38,9)", `a number${physical ? ` (${physical})` : ""} without precision and scale: energy-lake has no floating-point type`);
    };
    switch (logical) {
      case "string":
      case "date":
      case "boolean":
      case "integer":
        return logical;
      case "timestamp":
        return "timestamp";
      case "number":
        return fromNumber();
      case "time":
        return approx("string", "energy-lake has no time-of-day type");
      case "object":
      case "array":
        return approx("string", `energy-lake columns are flat; ${logical} values are kept as their text`);
      case undefined:
        if (phys === undefined) return approx("string", "no logicalType or physicalType");
        if (integerLike) return "integer";
        if (decimal || /^(double|float|real|float4|float8|double precision|decimal|numeric)$/.test(phys)) return fromNumber();
        if (/^(date)$/.test(phys)) return "date";
        if (/^(timestamp|datetime|timestamptz|timestamp_ntz|timestamp_ltz)/.test(phys)) return "timestamp";
        if (/^(bool|boolean|bit)$/.test(phys)) return "boolean";
        if (!/^(varchar|char|text|string|nvarchar|nchar|character|uuid)/.test(phys)) return approx("string", `no logicalType and physical type ${physical} is not one energy-lake knows`);
        return "string";
      default:
        return approx("string", `logicalType ${JSON.stringify(logical)} is not an ODCS logical type`);
    }
  }

  private pii(p: OdcsNode, name: string): boolean {
    let pii = false;
    const classification = p.string("classification");
    if (classification !== undefined) {
      const c = classification.toLowerCase();
      if (c === PII_CLASSIFICATION) pii = true;
      else if (PII_CLASSIFICATIONS.has(c)) {
        pii = true;
        this.findings.changed(p.at("classification"), `${name}: "${classification}" is read as PII (hidden from analysts, masked in reports); set pii to false in the contract if it is not personal data`);
      } else if (!NON_PII_CLASSIFICATIONS.has(c)) {
        pii = true;
        this.findings.changed(p.at("classification"), `${name}: classification "${classification}" is not one energy-lake knows; read as PII to be safe (set pii to false in the contract if it is not personal data)`);
      } else if (c !== "internal") {
        this.findings.changed(p.at("classification"), `${name}: "${classification}" is read as not personal data (energy-lake knows pii or internal)`);
      }
    }
    const tags = p.get("tags");
    if (Array.isArray(tags)) {
      const sensitive = tags.filter((t): t is string => typeof t === "string" && PII_TAGS.has(t.toLowerCase()));
      if (sensitive.length > 0 && !pii) {
        pii = true;
        this.findings.changed(p.at("tags"), `${name}: tag ${sensitive.map((t) => `"${t}"`).join(", ")} is read as PII`);
      }
      if (sensitive.length < tags.length) this.findings.notImported(p.at("tags"), `${name}: tags other than PII markers are ${DOCUMENTATION}`);
    } else if (tags !== undefined) {
      this.findings.notImported(p.at("tags"), "expected a list of tags");
    }
    return pii;
  }

  /** Schema constraints on values (logicalTypeOptions) become rules; formats of dates become accepted formats. */
  private typeOptions(p: OdcsNode, column: string, typeName: string): void {
    const options = p.child("logicalTypeOptions");
    if (!options) return;
    const kind = parseColumnType(typeName).kind;
    const rule = (ruleKind: string, body: JsonObject, what: string, source: string, idSuffix = ruleKind): void => {
      this.propertyRules.push({
        rule: { kind: ruleKind, severity: "error", description: `${column} ${what} (logicalTypeOptions of the ODCS contract).`, column, ...body },
        wantedId: undefined,
        fallbackId: `${this.dataset}.${column}.${idSuffix}`,
        source,
      });
    };
    const numeric = kind === "integer" || kind === "decimal";
    const temporal = kind === "date" || kind === "timestamp";
    if (numeric || temporal) {
      const bounds: JsonObject = {};
      const bound = (key: string, target: "min" | "max", step: number): void => {
        const raw = options.get(key);
        if (raw === undefined || raw === null) return;
        const exclusive = step !== 0;
        if (numeric && typeof raw === "number") {
          if (!exclusive) bounds[target] = raw;
          else if (kind === "integer" && Number.isInteger(raw)) bounds[target] = raw + step;
          else this.findings.notImported(options.at(key), `${column}: energy-lake ranges include their bounds; an exclusive bound on a decimal has no exact counterpart (write ${target === "min" ? "minimum" : "maximum"} instead)`);
          return;
        }
        const date = typeof raw === "string" ? /^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?$/.exec(raw)?.[1] : undefined;
        if (temporal && date !== undefined) {
          if (!exclusive) bounds[target] = date;
          else if (kind === "date") {
            const d = new Date(`${date}T00:00:00Z`);
            d.setUTCDate(d.getUTCDate() + step);
            bounds[target] = d.toISOString().slice(0, 10);
          } else this.findings.notImported(options.at(key), `${column}: energy-lake ranges include their bounds; an exclusive timestamp bound has no exact counterpart`);
          return;
        }
        this.findings.notImported(options.at(key), `${column}: ${JSON.stringify(raw)} is not a bound energy-lake can check on a ${typeName} column (numbers; ISO dates for date and timestamp columns)`);
      };
      bound("minimum", "min", 0);
      bound("exclusiveMinimum", "min", 1);
      bound("maximum", "max", 0);
      bound("exclusiveMaximum", "max", -1);
      const { min, max } = bounds;
      const within = min !== undefined && max !== undefined ? `is between ${String(min)} and ${String(max)}` : min !== undefined ? `is at least ${String(min)}` : `is at most ${String(max)}`;
      if (min !== undefined || max !== undefined) rule("range", bounds, within, options.path);
    }
    if (kind === "string") {
      const min = options.number("minLength");
      const max = options.number("maxLength");
      if (min !== undefined || max !== undefined) {
        if ((max ?? min ?? 0) > 1000) this.findings.notImported(options.path, `${column}: lengths above 1000 cannot be checked with an RE2 pattern`);
        else rule("pattern", { pattern: `.{${min ?? 0},${max ?? ""}}` }, `has ${min ?? 0} to ${max ?? "any number of"} characters`, options.path, "length");
      }
      const pattern = options.string("pattern");
      if (pattern !== undefined) rule("pattern", { pattern: wholeValuePattern(pattern, (m) => this.findings.changed(options.at("pattern"), m)) }, "matches the pattern", options.at("pattern"));
    }
    const format = options.string("format");
    if (format !== undefined) {
      if (kind === "date" && DATE_FORMAT.test(format)) this.dateFormats.add(format);
      else if (kind === "timestamp" && TIMESTAMP_FORMAT.test(format)) this.timestampFormats.add(format);
      else if (kind === "date" || kind === "timestamp") this.findings.notImported(options.at("format"), `${column}: format "${format}" uses tokens energy-lake does not parse (yyyy MM dd HH mm ss 'T')`);
      else if (kind === "integer" && /^(i8|i16|i32|i64)$/.test(format)) options.consume("format");
      else this.findings.notImported(options.at("format"), `${column}: format "${format}" is not checked (energy-lake stores ${typeName})`);
    }
    if (options.boolean("timezone") === true) this.findings.changed(options.at("timezone"), `${column}: energy-lake timestamps carry no time zone; values are read as written`);
    options.finish({}, `${column}: not a constraint energy-lake checks`);
  }

  private get dataset(): string {
    return toIdentifier(String(this.node.value.name ?? "dataset"));
  }

  private customFields(p: OdcsNode, allowed: ReadonlySet<string>, mapped: readonly string[], into: JsonObject, what: string, origins?: Map<string, string>): Map<string, Json> {
    const special = new Map<string, Json>();
    for (const c of p.children("customProperties")) {
      const property = c.string("property");
      const value = c.get("value");
      c.consume("description", "id");
      c.finish({}, "not part of a custom property");
      if (property === undefined || value === undefined) continue;
      if (property === RULE_SET_PROPERTY || property === RULE_ORDER_PROPERTY) {
        if (what === "contract") {
          special.set(property, value);
          continue;
        }
      }
      const field = camelToSnake(property);
      if (allowed.has(field) && !mapped.includes(field)) {
        into[field] = value;
        origins?.set(field, c.path);
      } else {
        this.findings.notImported(c.path, `custom property "${property}" is not a field of an energy-lake ${what} (${[...allowed].filter((f) => !mapped.includes(f)).join(", ")})`);
      }
    }
    return special;
  }

  private property(p: OdcsNode, columnFields: ReadonlySet<string>, order: number): void {
    const odcsName = p.string("name") ?? `column_${order + 1}`;
    const name = toIdentifier(odcsName);
    if (this.columnOf.has(odcsName) || this.columns.some((c) => c.name === name)) {
      this.findings.error(p.at("name"), `property "${odcsName}" is declared twice (as column ${name}); the second is not imported`);
      p.consume(...Object.keys(p.value));
      return;
    }
    const reported = this.findings.list.length;
    const typeName = this.columnType(p, name);
    const physical = p.string("physicalType");
    const stored = glueType(parseColumnType(typeName));
    const approximated = this.findings.list.length > reported;
    if (physical !== undefined && !approximated && !samePhysicalType(physical, parseColumnType(typeName))) {
      this.findings.changed(p.at("physicalType"), `${name}: ${physical} is stored as ${stored} (${typeName}); what the physical type says beyond that (a length, another engine's type) is not kept`);
    }
    // Quality rules and relationships are read once every column is known (rules may name several).
    p.consume("quality", "relationships");
    const column: JsonObject = { name, type: typeName };
    const description = p.string("description");
    if (description !== undefined) column.description = description;
    const primary = p.boolean("primaryKey") === true;
    const position = p.number("primaryKeyPosition");
    const required = p.boolean("required") === true;
    if (required || primary) column.required = true;
    if (this.pii(p, name)) column.pii = true;
    this.customFields(p, columnFields, MAPPED_COLUMN_FIELDS, column, "column");
    if (name !== odcsName) {
      const aliases = Array.isArray(column.aliases) ? (column.aliases as Json[]) : [];
      if (headerKey(odcsName) !== headerKey(name) && !aliases.includes(odcsName)) column.aliases = [...aliases, odcsName];
      this.findings.changed(p.at("name"), `"${odcsName}" becomes column ${name} (contract names are snake_case); source headers spelled "${odcsName}" still match it`);
    }
    this.columns.push(column);
    this.columnOf.set(odcsName, name);
    this.columnTypes.set(name, parseColumnType(typeName));
    if (primary) this.key.push({ column: name, position: position !== undefined && position > 0 ? position : Number.MAX_SAFE_INTEGER, order });
    if (p.boolean("unique") === true) this.uniqueColumns.push({ column: name, required, path: p.at("unique") });
    this.typeOptions(p, name, typeName);
  }

  private relationship(r: OdcsNode, from: string | undefined): ImportedRule | undefined {
    const type = r.string("type") ?? "foreignKey";
    const to = r.get("to");
    r.consume("from");
    for (const c of r.children("customProperties")) c.consume(...Object.keys(c.value));
    if (r.has("customProperties")) this.findings.notImported(r.at("customProperties"), "relationship custom properties are not kept");
    r.finish({}, "not part of a relationship");
    if (type !== "foreignKey") {
      this.findings.notImported(r.at("type"), `relationship type "${type}" is not a foreign key`);
      return undefined;
    }
    const shorthand = typeof to === "string" ? /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(to) : null;
    if (!shorthand || from === undefined) {
      this.findings.notImported(r.path, `only single-column foreign keys written table.column are imported as references rules${Array.isArray(to) ? " (composite keys have no counterpart)" : ""}`);
      return undefined;
    }
    const target = { dataset: toIdentifier(shorthand[1]), column: toIdentifier(shorthand[2]) };
    return {
      rule: { kind: "references", severity: "error", description: `${from} refers to ${target.dataset}.${target.column} (a foreign key of the ODCS contract).`, column: from, targets: [target] },
      wantedId: undefined,
      fallbackId: `${this.dataset}.${from}.references`,
      source: r.path,
    };
  }

  import(): ImportedDataset | undefined {
    const schemaNode = this.node;
    const odcsName = schemaNode.string("name");
    if (odcsName === undefined) {
      this.findings.error(schemaNode.path, "a schema object without a name cannot become a dataset");
      schemaNode.consume(...Object.keys(schemaNode.value));
      return undefined;
    }
    const dataset = toIdentifier(odcsName);
    if (dataset !== odcsName) this.findings.changed(schemaNode.at("name"), `"${odcsName}" becomes dataset ${dataset} (dataset names are snake_case)`);
    const physicalName = schemaNode.string("physicalName");
    if (physicalName !== undefined && physicalName !== dataset) this.findings.notImported(schemaNode.at("physicalName"), `the lake names its tables after the dataset (${dataset}), not "${physicalName}"`);
    const physicalType = schemaNode.string("physicalType");
    if (physicalType !== undefined && physicalType.toLowerCase() !== "table") this.findings.changed(schemaNode.at("physicalType"), `a ${physicalType} becomes a table of files in the lake`);
    schemaNode.consume("logicalType");

    const contractSchema = JSON.parse(fs.readFileSync(CONTRACT_SCHEMA_FILE, "utf8")) as { properties: Record<string, unknown>; $defs: { column: { properties: Record<string, unknown> } } };
    const contractFields = new Set(Object.keys(contractSchema.properties));
    const columnFields = new Set(Object.keys(contractSchema.$defs.column.properties));

    schemaNode.children("properties").forEach((p, i) => {
      this.property(p, columnFields, i);
      p.finish(PROPERTY_REASONS, "has no counterpart in an energy-lake column");
    });
    const ctx: RuleContext = { dataset, columnTypes: this.columnTypes, columnOf: this.columnOf, declareMissing: (column, values) => this.declareMissing(columnFields, column, values) };
    schemaNode.children("properties").forEach((p) => {
      const column = this.columnOf.get(String(p.value.name ?? ""));
      if (column === undefined) return;
      for (const q of p.children("quality")) this.propertyRules.push(...importQuality(q, column, ctx));
      for (const r of p.children("relationships")) {
        const rule = this.relationship(r, column);
        if (rule) this.propertyRules.push(rule);
      }
    });
    const schemaRules: ImportedRule[] = [];
    for (const q of schemaNode.children("quality")) schemaRules.push(...importQuality(q, undefined, ctx));
    for (const r of schemaNode.children("relationships")) {
      const from = r.value.from;
      const fromColumn = typeof from === "string" ? this.columnOf.get(from.split(".").pop() ?? from) ?? this.columnOf.get(from) : undefined;
      if (typeof from === "string" && fromColumn === undefined) this.findings.notImported(r.at("from"), `"${from}" is not a property of this schema object`);
      const rule = this.relationship(r, fromColumn);
      if (rule) schemaRules.push(rule);
    }

    const contract: JsonObject = { name: dataset, version: this.top.version };
    if (this.top.status !== undefined && this.top.status !== "active") contract.status = this.top.status;
    const description = schemaNode.string("description") ?? this.top.description();
    if (description !== undefined && description.trim() !== "") contract.description = description;
    else {
      contract.description = `Imported from ${path.basename(this.top.file)} (ODCS schema object ${odcsName}).`;
      this.findings.changed(schemaNode.path, `no description; the contract says where it was imported from`);
    }
    const custom: JsonObject = {};
    const special = this.customFields(schemaNode, contractFields, MAPPED_CONTRACT_FIELDS, custom, "contract", this.fieldOrigins);
    if (custom.file_names === undefined) {
      const names = [...new Set([dataset, odcsName, physicalName].filter((n): n is string => n !== undefined))];
      contract.file_names = names.filter((n, i) => names.findIndex((m) => headerKey(m) === headerKey(n)) === i);
      this.findings.changed(schemaNode.path, `source files are recognised by the names ${JSON.stringify(contract.file_names)} (file_names of the contract; add the names your exports use)`);
    }
    const key = this.keyColumns(schemaNode);
    if (key === undefined) return undefined;
    contract.key = key;
    Object.assign(contract, custom);
    this.applyMissingMarkers(contract);
    if (this.dateFormats.size > 0) this.mergeFormats(contract, "date_formats", this.dateFormats, schemaNode);
    if (this.timestampFormats.size > 0) this.mergeFormats(contract, "timestamp_formats", this.timestampFormats, schemaNode);
    contract.columns = this.columns;
    schemaNode.finish(SCHEMA_REASONS, "has no counterpart in an energy-lake contract");

    const ruleSetFields = isJsonObject(special.get(RULE_SET_PROPERTY)) ? (special.get(RULE_SET_PROPERTY) as JsonObject) : {};
    for (const field of Object.keys(ruleSetFields)) {
      if (MAPPED_RULE_FILE_FIELDS.includes(field)) delete ruleSetFields[field];
    }
    const order = special.get(RULE_ORDER_PROPERTY);
    return {
      dataset,
      schemaPath: schemaNode.path,
      findings: this.findings,
      contract,
      rules: [...schemaRules, ...this.propertyRules.filter((r) => !this.duplicatesKnownReference(r, [...schemaRules, ...this.propertyRules]))].concat(this.uniqueRules([...schemaRules, ...this.propertyRules], dataset)),
      ruleSetFields,
      hasRuleFile: isJsonObject(special.get(RULE_SET_PROPERTY)),
      ruleOrder: Array.isArray(order) ? order.map(String) : undefined,
      fieldOrigins: this.fieldOrigins,
    };
  }

  /** Missing-value spellings of an ODCS rule as the column's null markers, where the contract format declares them. */
  private declareMissing(columnFields: ReadonlySet<string>, column: string, values: readonly string[]): boolean {
    const target = this.columns.find((c) => c.name === column);
    if (!columnFields.has("null_markers") || !target) return false;
    this.missingMarkers.set(target, [...(this.missingMarkers.get(target) ?? []), ...values]);
    return true;
  }

  /** A column's markers replace the contract's, so a column given missing values keeps what it had: its own markers, else the contract's, else the defaults. */
  private applyMissingMarkers(contract: JsonObject): void {
    const inherited = Array.isArray(contract.null_markers) ? (contract.null_markers as Json[]) : DEFAULT_NULL_MARKERS;
    for (const [column, values] of this.missingMarkers) {
      const declared = Array.isArray(column.null_markers) ? (column.null_markers as Json[]) : inherited;
      column.null_markers = [...declared, ...values.filter((v, i) => !declared.includes(v) && values.indexOf(v) === i)];
    }
  }

  private mergeFormats(contract: JsonObject, field: string, formats: ReadonlySet<string>, node: OdcsNode): void {
    const declared = Array.isArray(contract[field]) ? (contract[field] as Json[]) : undefined;
    const missing = [...formats].filter((f) => !(declared ?? []).includes(f));
    if (missing.length === 0) return;
    if (declared === undefined) {
      contract[field] = [...formats];
      this.findings.changed(node.path, `${field} of the contract are ${JSON.stringify([...formats])}, from the properties' logicalTypeOptions.format (they apply to every ${field === "date_formats" ? "date" : "timestamp"} column)`);
    } else {
      contract[field] = [...declared, ...missing];
      this.findings.changed(node.path, `${JSON.stringify(missing)} added to the contract's ${field}, from the properties' logicalTypeOptions.format`);
    }
  }

  /** A foreign key also written as our own custom references rule is that rule, not a second one. */
  private duplicatesKnownReference(rule: ImportedRule, all: readonly ImportedRule[]): boolean {
    if (rule.rule.kind !== "references" || rule.wantedId !== undefined || !rule.source.includes("/relationships/")) return false;
    const target = JSON.stringify((rule.rule.targets as Json[])[0]);
    return all.some(
      (other) =>
        other !== rule &&
        other.rule.kind === "references" &&
        other.rule.column === rule.rule.column &&
        Array.isArray(other.rule.targets) &&
        other.rule.targets.some((t) => isJsonObject(t) && JSON.stringify({ dataset: t.dataset, column: t.column }) === target),
    );
  }

  /** `unique: true` on a property is a uniqueness rule, unless a duplicateValues rule already checks it. */
  private uniqueRules(rules: readonly ImportedRule[], dataset: string): ImportedRule[] {
    return this.uniqueColumns
      .filter((u) => !rules.some((r) => r.rule.kind === "unique" && JSON.stringify(r.rule.columns) === JSON.stringify([u.column])))
      .map((u) => ({
        rule: { kind: "unique", severity: "error", description: `${u.column} is unique (unique: true in the ODCS contract).`, columns: [u.column] },
        wantedId: undefined,
        fallbackId: `${dataset}.${u.column}.unique`,
        source: u.path,
      }));
  }

  private keyColumns(schemaNode: OdcsNode): string[] | undefined {
    if (this.key.length > 0) return [...this.key].sort((a, b) => a.position - b.position || a.order - b.order).map((k) => k.column);
    const unique = this.uniqueColumns.find((u) => u.required) ?? this.uniqueColumns[0];
    if (unique) {
      this.findings.changed(unique.path, `no property is a primary key; ${unique.column} (unique) is the dataset's key (curated keeps one row per key)`);
      return [unique.column];
    }
    this.findings.error(schemaNode.path, "no property has primaryKey: true (or unique: true): energy-lake needs a key (curated keeps one row per key); mark the identifying properties primaryKey: true");
    return undefined;
  }
}

function importDocument(value: JsonObject, findings: Findings, file: string): ImportedDataset[] {
  const root = new OdcsNode(value, "", findings);
  const apiVersion = root.string("apiVersion");
  if (apiVersion !== undefined && !/^v3\./.test(apiVersion)) {
    findings.error(root.at("apiVersion"), `ODCS ${apiVersion} is not supported; energy-lake reads v3 documents (convert it to v3.1.0)`);
    root.consume(...Object.keys(value));
    return [];
  }
  if (apiVersion === ODCS_API_VERSION) for (const problem of odcsSchemaProblems(value)) findings.add("invalid", problem.split(":")[0], `not valid ODCS ${ODCS_API_VERSION}: ${problem.slice(problem.indexOf(":") + 2)}`);
  if (root.string("kind") !== undefined && value.kind !== "DataContract") findings.notImported(root.at("kind"), `kind ${JSON.stringify(value.kind)} is not DataContract`);
  const version = semver(root.string("version"), root);
  const status = root.string("status");
  if (status !== undefined && !(CONTRACT_STATUSES as readonly string[]).includes(status)) findings.notImported(root.at("status"), `status "${status}" is not one of ${CONTRACT_STATUSES.join(", ")}; the contract is active`);
  const description = root.child("description");
  // The contract's purpose describes a dataset only where its schema object has no description of its own.
  const purposeKey = description?.has("purpose") ? "purpose" : "usage";
  const purpose = (): string | undefined => description?.string(purposeKey);
  const top = { version, status: status !== undefined && (CONTRACT_STATUSES as readonly string[]).includes(status) ? status : undefined, description: purpose, file };
  const datasets = root
    .children("schema")
    .map((s) => new SchemaObjectImporter(s, top).import())
    .filter((d): d is ImportedDataset => d !== undefined);
  description?.finish({ purpose: "every dataset has a description of its own", usage: DOCUMENTATION, limitations: DOCUMENTATION, authoritativeDefinitions: DOCUMENTATION, customProperties: DOCUMENTATION }, DOCUMENTATION);
  if (datasets.length === 0 && !root.has("schema")) findings.error(root.at("schema"), "the document has no schema objects: nothing to import");
  // Servers say where the data lives: export derives them from the lake (and --stack-outputs); the ones it wrote are not findings.
  root.children("servers").forEach((server) => {
    const name = server.string("server");
    if (!(name !== undefined && EXPORTED_SERVERS[name] === server.value.type)) {
      findings.notImported(server.path, `server ${JSON.stringify(name)}: energy-lake derives the servers of a contract on export (the local lake; Athena and Glue with --stack-outputs), so they are not imported`);
    }
    server.consume(...Object.keys(server.value));
  });
  const id = root.string("id");
  if (id !== undefined && !(datasets.length === 1 && id === odcsContractId(datasets[0].dataset))) {
    findings.notImported(root.at("id"), "the contract id is not kept; export derives one from the dataset name");
  }
  const name = root.string("name");
  if (name !== undefined && !datasets.some((d) => d.dataset === name)) findings.notImported(root.at("name"), `contracts are named after their dataset (${datasets.map((d) => d.dataset).join(", ") || "none"}), not "${name}"`);
  root.finish(TOP_LEVEL_REASONS, "has no counterpart in an energy-lake contract");
  return datasets;
}

/** Gives every rule an id unique in its file, puts the rules in order and merges the two halves of a two-sided row count. */
function finishRules(d: ImportedDataset): void {
  const byId = new Map<string, ImportedRule>();
  const rules: ImportedRule[] = [];
  for (const r of d.rules) {
    const wanted = r.wantedId ?? r.fallbackId;
    const twin = byId.get(wanted);
    // Export writes the min and the max of one row_count as two ODCS rules of one name.
    if (twin && r.wantedId !== undefined && twin.rule.kind === "row_count" && r.rule.kind === "row_count") {
      const sides = (rule: JsonObject): string => `${rule.min === undefined ? "" : "min"}${rule.max === undefined ? "" : "max"}`;
      if ((sides(twin.rule) === "min" && sides(r.rule) === "max") || (sides(twin.rule) === "max" && sides(r.rule) === "min")) {
        twin.rule[sides(r.rule)] = r.rule[sides(r.rule)];
        continue;
      }
    }
    let id = wanted;
    for (let n = 2; byId.has(id); n++) id = `${wanted}-${n}`;
    if (id !== wanted) d.findings.changed(r.source, `rule id ${wanted} is taken; this rule is ${id}`);
    const entry = { ...r, rule: { id, ...r.rule } };
    byId.set(id, entry);
    rules.push(entry);
  }
  if (d.ruleOrder) {
    const position = new Map(d.ruleOrder.map((id, i) => [id, i]));
    const at = (r: ImportedRule): number => position.get(String(r.rule.id)) ?? Number.MAX_SAFE_INTEGER;
    rules.sort((a, b) => at(a) - at(b));
  }
  d.rules = rules;
}

function validateContract(d: ImportedDataset, outDir: string): Contract | undefined {
  const file = path.join(outDir, "contracts", `${d.dataset}.json`);
  for (let attempt = 0; attempt <= d.fieldOrigins.size; attempt++) {
    const problems = contractProblems(file, d.contract);
    if (problems.length === 0) return parseContract(file, d.contract);
    // A field that came from a custom property and is refused is dropped, and said so; anything else stops the dataset.
    const culprit = [...d.fieldOrigins.keys()].find((field) => problems.some((p) => p.includes(`: /${field}`)));
    if (culprit === undefined) {
      d.findings.error(d.schemaPath, `the dataset does not make a valid energy-lake contract, so it is not written: ${problems.map((p) => p.slice(p.indexOf(": ") + 2)).join("; ")}`);
      return undefined;
    }
    d.findings.error(d.fieldOrigins.get(culprit) as string, `not imported: ${problems.filter((p) => p.includes(`: /${culprit}`)).map((p) => p.slice(p.indexOf(": ") + 2)).join("; ")}`);
    delete d.contract[culprit];
    d.fieldOrigins.delete(culprit);
  }
  return undefined;
}

function ruleDocument(d: ImportedDataset): JsonObject {
  return { dataset: d.dataset, ...d.ruleSetFields, rules: d.rules.map((r) => r.rule) };
}

/** Drops the rules our validation refuses (an unknown column, a pattern RE2 rejects, ...), each reported at its ODCS path. */
function validateRules(d: ImportedDataset, contracts: readonly Contract[], outDir: string): void {
  const file = path.join(outDir, "quality-rules", `${d.dataset}.json`);
  for (;;) {
    const problems = ruleFileProblems(file, ruleDocument(d), contracts);
    if (problems.length === 0) return;
    const refused = new Map<number, string[]>();
    for (const p of problems) {
      const index = /: \/rules\/(\d+)/.exec(p)?.[1];
      if (index === undefined) {
        d.findings.error(d.schemaPath, `quality rules not written: ${p}`);
        d.rules = [];
        return;
      }
      refused.set(Number(index), [...(refused.get(Number(index)) ?? []), p.slice(p.indexOf(": /rules/") + 2).replace(/^\/rules\/\d+/, "") || "/"]);
    }
    for (const [index, found] of refused) d.findings.error(d.rules[index].source, `rule ${String(d.rules[index].rule.id)} is not imported: ${found.join("; ")}`);
    d.rules = d.rules.filter((_, i) => !refused.has(i));
  }
}

/**
 * ODCS documents (YAML, several per file allowed) as energy-lake contracts and rule files, with a
 * finding for everything that could not be carried over as it was. Never throws on a document's
 * content: what cannot be imported is a finding of kind `error`.
 */
export function importOdcs(sources: readonly OdcsSource[], options: ImportOptions): ImportResult {
  const documentFindings: Findings[] = [];
  const imported: ImportedDataset[] = [];
  for (const source of sources) {
    const documents = parseAllDocuments(source.text);
    const list = Array.isArray(documents) ? documents : [documents];
    list.forEach((doc, n) => {
      const file = list.length > 1 ? `${source.file} (document ${n + 1})` : source.file;
      const docFindings = new Findings(file);
      documentFindings.push(docFindings);
      if (doc.errors.length > 0) {
        for (const e of doc.errors) docFindings.error("/", `not valid YAML${e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : ""}: ${e.message.split("\n")[0]}`);
      } else {
        const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
        if (!isJsonObject(value)) docFindings.error("/", "not an ODCS document (expected a YAML mapping with apiVersion, kind, schema, ...)");
        else imported.push(...importDocument(value as JsonObject, docFindings, source.file));
      }
    });
  }
  const seen = new Map<string, ImportedDataset>();
  const unique: ImportedDataset[] = [];
  for (const d of imported) {
    const first = seen.get(d.dataset);
    if (first) {
      d.findings.error(d.schemaPath, `dataset ${d.dataset} is also imported from ${first.findings.file} ${first.schemaPath}; the first one is kept`);
      continue;
    }
    seen.set(d.dataset, d);
    unique.push(d);
  }
  const contracts = new Map<string, Contract>();
  const valid = unique.filter((d) => {
    const contract = validateContract(d, options.outDir);
    if (contract) contracts.set(d.dataset, contract);
    return contract !== undefined;
  });
  const all = [...(options.existing ?? []).filter((c) => !contracts.has(c.name)), ...contracts.values()];
  for (const d of valid) {
    finishRules(d);
    validateRules(d, all, options.outDir);
  }
  return {
    datasets: valid.map((d) => ({ dataset: d.dataset, contract: d.contract, rules: d.rules.length > 0 || d.hasRuleFile ? ruleDocument(d) : undefined })),
    findings: documentFindings.flatMap((f) => f.list),
  };
}
