import Ajv2019 from "ajv/dist/2019";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { StackOutputs } from "../../src/aws/stack-outputs";
import { isJsonObject, JsonObject } from "../../src/contract/documents";
import { exportOdcs, stackServersFrom } from "../../src/contract/odcs-export";
import { MAPPED_COLUMN_FIELDS, MAPPED_CONTRACT_FIELDS, MAPPED_RULE_FILE_FIELDS, RULE_ORDER_PROPERTY, RULE_SET_PROPERTY } from "../../src/contract/odcs-mapping";
import { ODCS_SCHEMA_FILE } from "../../src/contract/odcs-schema";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { deepCopy, EXPORT_OPTIONS, exportYaml, shippedModel, typedModel } from "./helpers";

// The official schema, compiled here independently of src/contract/odcs-schema.ts.
const ajv = new Ajv2019({ allErrors: true, strict: false, validateFormats: false, logger: false });
const validateOdcs = ajv.compile(JSON.parse(fs.readFileSync(ODCS_SCHEMA_FILE, "utf8")) as object);

const model = shippedModel();
const exported = new Map(model.documents.map((d) => [d.dataset, exportOdcs(d, model.contracts, model.ruleSets, EXPORT_OPTIONS)]));

type Item = JsonObject;
const schemaObject = (dataset: string): JsonObject => ((exported.get(dataset) as JsonObject).schema as JsonObject[])[0];
const property = (dataset: string, column: string): JsonObject => (schemaObject(dataset).properties as JsonObject[]).find((p) => p.name === column) as JsonObject;
const qualityNamed = (items: unknown, name: string): Item[] => ((items ?? []) as Item[]).filter((q) => q.name === name);
const shippedColumn = (dataset: string, column: string): JsonObject =>
  ((model.documents.find((d) => d.dataset === dataset)?.contract.columns ?? []) as JsonObject[]).find((c) => c.name === column) as JsonObject;
const shippedRule = (dataset: string, id: string): JsonObject => ((model.documents.find((d) => d.dataset === dataset)?.rules?.rules ?? []) as JsonObject[]).find((r) => r.id === id) as JsonObject;
const customProperty = (node: JsonObject, name: string) => ((node.customProperties ?? []) as JsonObject[]).find((c) => c.property === name)?.value;

const STACK = StackOutputs.parse(
  "out.json",
  JSON.stringify({
    accountId: "123456789012",
    region: "eu-west-1",
    athenaWorkgroup: "energy-lake-prod",
    buckets: { processed: "lake-processed-1a2b", curated: "lake-curated-3c4d", "athena-results": "lake-athena-5e6f" },
    databases: { processed: "energy_lake_prod_processed", curated: "energy_lake_prod_curated", quarantine: "energy_lake_prod_quarantine" },
  }),
);

describe("ODCS export", () => {
  it("every shipped dataset exports to a document the official ODCS v3.1.0 schema accepts, with and without a stack", () => {
    for (const d of model.documents) {
      for (const options of [EXPORT_OPTIONS, { ...EXPORT_OPTIONS, stack: stackServersFrom(STACK) }]) {
        const document = exportOdcs(d, model.contracts, model.ruleSets, options);
        expect(validateOdcs(document), `${d.dataset}: ${JSON.stringify(validateOdcs.errors?.slice(0, 3))}`).to.equal(true);
      }
    }
    // YAML as written is the same document.
    for (const { text } of exportYaml(model.documents, model.contracts, model.ruleSets)) expect(validateOdcs(parse(text))).to.equal(true);
  });

  it("columns: logical and physical types, required, primary key positions, PII as classification, aliases and value maps as custom properties", () => {
    expect(property("transactions", "price")).to.include({ logicalType: "number", physicalType: "decimal(18,4)", required: true, classification: "internal" });
    expect(property("transactions", "transaction_date")).to.include({ logicalType: "date", physicalType: "date" });
    expect(property("transactions", "transaction_date")).not.to.have.property("required");
    expect(property("transactions", "transaction_id")).to.include({ primaryKey: true, primaryKeyPosition: 1, required: true });
    expect(property("customers", "customer_name")).to.include({ classification: "pii" });
    expect(customProperty(property("transactions", "price"), "aliases")).to.deep.equal(shippedColumn("transactions", "price").aliases);
    expect(customProperty(property("transactions", "transaction_type"), "values")).to.deep.include({ buy: ["compra", "buy", "purchase", "c"] });
    // Contract fields with no ODCS place travel on the schema object, camelCased.
    expect(customProperty(schemaObject("transactions"), "fileNames")).to.deep.equal(["transactions", "transacciones", "transaction", "transaccion", "operaciones"]);
    expect(exported.get("transactions")).to.include({ apiVersion: "v3.1.0", kind: "DataContract", version: "1.0.0", status: "active", name: "transactions" });
  });

  it("rules: ODCS metrics with their threshold and severity where one fits, inclusive bounds never written as mustBeBetween", () => {
    const [notNull] = qualityNamed(property("transactions", "transaction_id").quality, "transactions.transaction_id.not_null");
    expect(notNull).to.include({ type: "library", metric: "nullValues", mustBe: 0, unit: "rows", severity: "error", dimension: "completeness" });
    expect(notNull.id).to.match(/^[A-Za-z0-9_-]+$/);
    const [accepted] = qualityNamed(property("transactions", "transaction_type").quality, "transactions.transaction_type.accepted_values");
    expect(accepted).to.deep.include({ metric: "invalidValues", arguments: { validValues: ["buy", "sell"] }, mustBe: 0 });
    const [pattern] = qualityNamed(property("transactions", "transaction_id").quality, "transactions.transaction_id.pattern");
    expect(pattern).to.deep.include({ metric: "invalidValues", arguments: { pattern: `^(?:${String(shippedRule("transactions", "transactions.transaction_id.pattern").pattern)})$` } });
    // A tolerated ratio is a percent; completeness is the share of nulls it allows.
    const [shared] = qualityNamed(schemaObject("customers").quality, "customers.id_number.unique");
    expect(shared).to.deep.include({ metric: "duplicateValues", arguments: { properties: ["id_type", "id_number"] }, mustBeLessOrEqualTo: 0.1, unit: "percent", severity: "warning" });
    const [complete] = qualityNamed(property("customers", "segment").quality, "customers.segment.completeness");
    expect(complete).to.include({ metric: "nullValues", mustBeLessOrEqualTo: 10, unit: "percent" });
    expect(customProperty(complete, "ruleKind")).to.equal("completeness");
    const [rows] = qualityNamed(schemaObject("transactions").quality, "transactions.row_count");
    expect(rows).to.include({ metric: "rowCount", mustBeGreaterOrEqualTo: 1 });
  });

  it("a row count with both bounds is two ODCS rules of one name, >= min and <= max", () => {
    const docs = deepCopy(model.documents);
    const providers = docs.find((d) => d.dataset === "providers");
    ((providers?.rules?.rules ?? []) as JsonObject[])[0].max = 5000;
    const typed = typedModel(docs);
    const document = exportOdcs(providers as (typeof docs)[number], typed.contracts, typed.ruleSets, EXPORT_OPTIONS);
    const items = qualityNamed(((document.schema as JsonObject[])[0]).quality, "providers.row_count");
    expect(items.map((i) => [i.mustBeGreaterOrEqualTo, i.mustBeLessOrEqualTo])).to.deep.equal([[1, undefined], [undefined, 5000]]);
    expect(new Set(items.map((i) => i.id)).size).to.equal(2);
    expect(JSON.stringify(document)).not.to.include("mustBeBetween");
  });

  it("rules ODCS has no metric for (type, range, conditional references, freshness, where filters) are custom rules carrying the rule, its DQDL and its SQL", () => {
    const [references] = qualityNamed(property("transactions", "counterparty_id").quality, "transactions.counterparty_id.references");
    expect(references).to.include({ type: "custom", engine: "energy-lake" });
    expect((references.implementation as JsonObject).targets).to.have.length(2);
    expect(customProperty(references, "dqdl")).to.match(/^ReferentialIntegrity /);
    expect(customProperty(references, "athenaSql")).to.match(/"energy_lake_dev_processed"\."transactions"/);
    const [largeSell] = qualityNamed(property("transactions", "quantity_kwh").quality, "transactions.quantity_kwh.large_sell");
    expect(largeSell).to.include({ type: "custom" });
    expect((largeSell.implementation as JsonObject).where).to.deep.equal({ column: "transaction_type", equals: "sell" });
    const [fresh] = qualityNamed(property("transactions", "transaction_date").quality, "transactions.transaction_date.freshness");
    expect(fresh).to.include({ type: "custom", dimension: "timeliness" });
    // A conditional reference is not a foreign key: no relationship claims every counterparty is a provider.
    expect(property("transactions", "counterparty_id")).not.to.have.property("relationships");
  });

  it("an unconditional reference is also a foreign key relationship", () => {
    const docs = deepCopy(model.documents);
    const transactions = docs.find((d) => d.dataset === "transactions") as (typeof docs)[number];
    const rule = ((transactions.rules?.rules ?? []) as JsonObject[]).find((r) => r.kind === "references") as JsonObject;
    rule.targets = [{ dataset: "providers", column: "provider_id" }];
    const typed = typedModel(docs);
    const document = exportOdcs(transactions, typed.contracts, typed.ruleSets, EXPORT_OPTIONS);
    const counterparty = (((document.schema as JsonObject[])[0]).properties as JsonObject[]).find((p) => p.name === "counterparty_id") as JsonObject;
    expect(counterparty.relationships).to.deep.equal([{ type: "foreignKey", to: "providers.provider_id" }]);
    expect(validateOdcs(document)).to.equal(true);
  });

  it("servers: the local lake always; Athena and the Glue tables of a stack from its outputs", () => {
    const local = exported.get("providers")?.servers as JsonObject[];
    expect(local).to.deep.equal([{ server: "local", type: "local", description: local[0].description, path: ".lake/curated/providers/**/*.parquet", format: "parquet" }]);
    const withStack = exportOdcs(model.documents[1], model.contracts, model.ruleSets, { ...EXPORT_OPTIONS, stack: stackServersFrom(STACK) });
    const servers = withStack.servers as JsonObject[];
    expect(servers.map((s) => [s.server, s.type])).to.deep.equal([["local", "local"], ["athena", "athena"], ["glue-curated", "glue"], ["glue-processed", "glue"]]);
    expect(servers[1]).to.include({ stagingDir: "s3://lake-athena-5e6f/results/", schema: "energy_lake_prod_curated", regionName: "eu-west-1" });
    expect(customProperty(servers[1], "workgroup")).to.equal("energy-lake-prod");
    expect(servers[2]).to.include({ account: "123456789012", database: "energy_lake_prod_curated", location: "s3://lake-curated-3c4d/providers/", format: "parquet" });
  });

  it("a field or rule kind the exporter has never heard of travels as a custom property or a custom rule", () => {
    const docs = deepCopy(model.documents);
    const providers = docs.find((d) => d.dataset === "providers") as (typeof docs)[number];
    providers.contract.null_markers = ["N/A", "-"];
    (providers.contract.columns as JsonObject[])[0].id_format = "P{4}";
    ((providers.rules?.rules ?? []) as JsonObject[]).push({ id: "providers.schema_drift", kind: "schema_drift", severity: "warn", description: "d", mode: "strict" });
    // The typed model is not asked: these fields are unknown to it as well.
    const document = exportOdcs(providers, model.contracts, model.ruleSets, EXPORT_OPTIONS);
    const object = (document.schema as JsonObject[])[0];
    expect(customProperty(object, "nullMarkers")).to.deep.equal(["N/A", "-"]);
    expect(customProperty((object.properties as JsonObject[])[0], "idFormat")).to.equal("P{4}");
    const [drift] = qualityNamed(object.quality, "providers.schema_drift");
    expect(drift).to.deep.include({ type: "custom", engine: "energy-lake", implementation: { id: "providers.schema_drift", kind: "schema_drift", severity: "warn", description: "d", mode: "strict" } });
    expect(validateOdcs(document)).to.equal(true);
    expect(isJsonObject(document)).to.equal(true);
  });

  it("docs/contracts.md places every field export maps itself, and the custom properties it adds", () => {
    const docs = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "contracts.md"), "utf8");
    const section = docs.slice(docs.indexOf("### Every field of the model"), docs.indexOf("### The document"));
    const rows = section.split("\n").filter((line) => line.startsWith("| `"));
    const documented = (field: string): boolean => rows.some((row) => row.split("|")[1].includes(`\`${field}\``));
    const undocumented = [...MAPPED_CONTRACT_FIELDS, ...MAPPED_COLUMN_FIELDS, ...MAPPED_RULE_FILE_FIELDS].filter((f) => !documented(f));
    expect(undocumented, "fields without a row in docs/contracts.md#every-field-of-the-model").to.deep.equal([]);
    for (const property of [RULE_SET_PROPERTY, RULE_ORDER_PROPERTY]) expect(section, property).to.include(`\`${property}\``);
  });
});
