import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { CONTRACT_SCHEMA_FILE } from "../model/contracts";
import { RULES_SCHEMA_FILE } from "../model/rules";
import { readJsonFile } from "../model/schema-validation";

/**
 * The model as its files say it, field for field: what export, import and diff work on, so a field
 * added to the contract or rule format travels without this module knowing it. (The typed model
 * of src/model/ is what the engines compile; it drops the spelling of the files.)
 */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One dataset's contract document and, when it has one, its rule file. */
export interface DatasetDocuments {
  readonly dataset: string;
  readonly contract: JsonObject;
  readonly rules: JsonObject | undefined;
}

const modelFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .sort()
    .map((f) => path.join(dir, f));

function readObject(file: string): JsonObject {
  const document = readJsonFile(file);
  if (!isJsonObject(document)) throw new LakeInputError(`${file}: expected a JSON object`);
  return document;
}

/**
 * The documents of a contracts folder and a rules folder (absent or undefined: no rules), keyed by
 * dataset (a contract's `name`, a rule file's `dataset`). Only parsed: callers that need a valid
 * model load it with src/model first; `lake contract diff` reads old revisions that may predate
 * today's schema.
 */
export function readModelDocuments(contractsDir: string, rulesDir: string | undefined): DatasetDocuments[] {
  if (!fs.existsSync(contractsDir)) throw new LakeInputError(`${contractsDir}: contracts folder not found; pass --contracts DIR`);
  const rulesByDataset = new Map<string, JsonObject>();
  if (rulesDir !== undefined && fs.existsSync(rulesDir)) {
    for (const file of modelFiles(rulesDir)) {
      const document = readObject(file);
      rulesByDataset.set(typeof document.dataset === "string" ? document.dataset : path.basename(file, ".json"), document);
    }
  }
  return modelFiles(contractsDir)
    .map((file) => {
      const contract = readObject(file);
      const dataset = typeof contract.name === "string" ? contract.name : path.basename(file, ".json");
      return { dataset, contract, rules: rulesByDataset.get(dataset) };
    })
    .sort((a, b) => a.dataset.localeCompare(b.dataset));
}

type SchemaNode = Record<string, unknown>;

function resolve(root: SchemaNode, node: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
  const target = ref
    .slice(2)
    .split("/")
    .reduce<unknown>((n, key) => (isJsonObject(n) ? (n as Record<string, unknown>)[key] : undefined), root);
  return isJsonObject(target) ? resolve(root, target as SchemaNode) : node;
}

/** Keys in the order the schema declares them (unknown keys last, as found), recursively: files read like the hand-written ones. */
function orderedBySchema(value: Json, node: SchemaNode | undefined, root: SchemaNode): Json {
  const schema = node === undefined ? undefined : resolve(root, node);
  if (Array.isArray(value)) {
    const items = isJsonObject(schema?.items) ? (schema?.items as SchemaNode) : undefined;
    return value.map((v) => orderedBySchema(v, items, root));
  }
  if (!isJsonObject(value)) return value;
  const properties = isJsonObject(schema?.properties) ? (schema?.properties as Record<string, SchemaNode>) : {};
  const declared = Object.keys(properties).filter((k) => k in value);
  const rest = Object.keys(value).filter((k) => !(k in properties));
  const additional = isJsonObject(schema?.additionalProperties) ? (schema?.additionalProperties as SchemaNode) : undefined;
  return Object.fromEntries([...declared, ...rest].map((k) => [k, orderedBySchema(value[k], properties[k] ?? additional, root)]));
}

const schemaOf = (file: string): SchemaNode => JSON.parse(fs.readFileSync(file, "utf8")) as SchemaNode;

/** Writes DIR/contracts/<dataset>.json and DIR/quality-rules/<dataset>.json; returns the files written. */
export function writeModelDocuments(outDir: string, datasets: readonly DatasetDocuments[]): string[] {
  const contractSchema = schemaOf(CONTRACT_SCHEMA_FILE);
  const rulesSchema = schemaOf(RULES_SCHEMA_FILE);
  const written: string[] = [];
  const write = (folder: string, dataset: string, document: JsonObject, schema: SchemaNode): void => {
    const dir = path.join(outDir, folder);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${dataset}.json`);
    fs.writeFileSync(file, `${JSON.stringify(orderedBySchema(document, schema, schema), null, 2)}\n`);
    written.push(file);
  };
  for (const d of datasets) {
    write("contracts", d.dataset, d.contract, contractSchema);
    if (d.rules !== undefined) write("quality-rules", d.dataset, d.rules, rulesSchema);
  }
  return written;
}
