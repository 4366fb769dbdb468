import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { headerKey } from "../model/text";

export interface DatasetFiles {
  readonly contract: Contract;
  readonly files: readonly string[];
}

const DATA_EXTENSIONS = new Set([".csv", ".tsv", ".txt"]);

/** "Transacciones_2024-05" -> matches "transacciones": a dataset name, alone or followed by a separator. */
function nameMatches(name: string, fileNames: readonly string[]): boolean {
  const key = headerKey(name);
  return fileNames.some((f) => {
    const wanted = headerKey(f);
    return key === wanted || key.startsWith(`${wanted}_`);
  });
}

function datasetFor(contracts: readonly Contract[], names: string[]): Contract | undefined {
  for (const name of names) {
    const found = contracts.find((c) => nameMatches(name, c.fileNames));
    if (found) return found;
  }
  return undefined;
}

/**
 * Finds each dataset's source files in an input folder, by file name or by the name of the folder
 * holding them (providers|proveedores, customers|clientes, transactions|transacciones, ...).
 * A data file that belongs to no dataset is an error: loading around it would drop it silently.
 */
export function discoverInputs(inputDir: string, contracts: readonly Contract[]): DatasetFiles[] {
  if (!fs.existsSync(inputDir)) throw new LakeInputError(`${inputDir}: input folder not found; pass --input with the folder holding the CSV exports`);
  if (!fs.statSync(inputDir).isDirectory()) throw new LakeInputError(`${inputDir}: is not a folder; pass --input with the folder holding the CSV exports`);
  const byDataset = new Map<string, string[]>();
  const orphans: string[] = [];
  const visit = (dir: string, folderNames: string[]): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith(".")) continue;
      if (entry.isDirectory()) {
        visit(full, [entry.name, ...folderNames]);
        continue;
      }
      if (!DATA_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) continue;
      const contract = datasetFor(contracts, [path.basename(entry.name, path.extname(entry.name)), ...folderNames]);
      if (!contract) {
        orphans.push(full);
        continue;
      }
      byDataset.set(contract.name, [...(byDataset.get(contract.name) ?? []), full]);
    }
  };
  visit(inputDir, []);
  if (orphans.length > 0) {
    const known = contracts.map((c) => `${c.name} (${c.fileNames.join(", ")})`).join("; ");
    throw new LakeInputError(
      "data files that belong to no known dataset; rename each file (or its folder) after its dataset, or move it out of the input folder:",
      [...orphans.map((f) => `${f}: no dataset matches this name`), `known datasets and names: ${known}`],
    );
  }
  if (byDataset.size === 0) {
    throw new LakeInputError(`${inputDir}: no CSV files found; expected files named after a dataset, e.g. ${contracts.map((c) => `${c.fileNames[0]}.csv`).join(", ")}`);
  }
  return contracts.filter((c) => byDataset.has(c.name)).map((c) => ({ contract: c, files: byDataset.get(c.name) ?? [] }));
}
