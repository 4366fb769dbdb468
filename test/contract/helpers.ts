import * as fs from "fs";
import { stringify } from "yaml";
import { loadModel, Model } from "../../src/cli/model-options";
import { DatasetDocuments, JsonObject, readModelDocuments } from "../../src/contract/documents";
import { exportOdcs, OdcsExportOptions } from "../../src/contract/odcs-export";
import { Contract, parseContract } from "../../src/model/contracts";
import { parseRuleSet, RuleSet } from "../../src/model/rules";

export const EXPORT_OPTIONS: OdcsExportOptions = {
  lakeDir: ".lake",
  athenaTables: { processedDatabase: "energy_lake_dev_processed", quarantineDatabase: "energy_lake_dev_quarantine", curatedDatabase: "energy_lake_dev_curated" },
};

export function shippedModel(): Model & { documents: DatasetDocuments[] } {
  const model = loadModel({});
  return { ...model, documents: readModelDocuments(model.contractsDir, model.rulesDir) };
}

/** Documents as written (JSON), without the editor-only $schema. */
export function withoutSchemaKey(document: JsonObject | undefined): JsonObject | undefined {
  if (document === undefined) return undefined;
  const { $schema, ...rest } = document;
  void $schema;
  return rest;
}

export function deepCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The typed model of documents, validated as the loaders validate files. */
export function typedModel(documents: readonly DatasetDocuments[]): { contracts: Contract[]; ruleSets: RuleSet[] } {
  const contracts = documents.map((d) => parseContract(`contracts/${d.dataset}.json`, d.contract));
  const ruleSets = documents.filter((d) => d.rules !== undefined).map((d) => parseRuleSet(`quality-rules/${d.dataset}.json`, d.rules, contracts));
  return { contracts, ruleSets };
}

/** Each dataset exported to ODCS YAML text, as `lake contract export` writes it. */
export function exportYaml(documents: readonly DatasetDocuments[], contracts: readonly Contract[], ruleSets: readonly RuleSet[], options: OdcsExportOptions = EXPORT_OPTIONS): { file: string; text: string }[] {
  return documents.map((d) => ({ file: `${d.dataset}.odcs.yaml`, text: stringify(exportOdcs(d, contracts, ruleSets, options), { lineWidth: 0 }) }));
}

export const readText = (file: string): string => fs.readFileSync(file, "utf8");
