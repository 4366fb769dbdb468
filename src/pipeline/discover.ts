import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";
import { Contract } from "../model/contracts";
import { headerKey } from "../model/text";

export interface DatasetFiles {
  readonly contract: Contract;
  readonly files: readonly string[];
}

/** A file under the input that is not loaded, and why: every file is either loaded or named. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

export interface DiscoveredInputs {
  readonly datasets: readonly DatasetFiles[];
  readonly skipped: readonly SkippedFile[];
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

/** "clientes.csv.gz" -> { stem: "clientes", data: true }; "notes.pdf" -> { data: false }. */
function dataFileName(name: string): { stem: string; data: boolean; extension: string } {
  const lower = name.toLowerCase();
  const gzip = lower.endsWith(".gz");
  const inner = gzip ? name.slice(0, -3) : name;
  const extension = path.extname(inner).toLowerCase();
  return { stem: path.basename(inner, path.extname(inner)), data: DATA_EXTENSIONS.has(extension), extension: gzip ? `${extension}.gz` : extension || "(none)" };
}

/** A path made real: symlinks resolved; a path that does not exist yet resolves through its nearest existing folder. */
function realPath(p: string): string {
  const absolute = path.resolve(p);
  let existing = absolute;
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    rest.unshift(path.basename(existing));
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), ...rest);
}

const isWithin = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : `${outer}${path.sep}`);

/**
 * Finds each dataset's source files in an input folder, by file name or by the name of the folder
 * holding them (providers|proveedores, customers|clientes, transactions|transacciones, ...).
 *
 * Every file under the input is either loaded or named with why not: hidden files, files that are
 * not CSV exports (.csv, .tsv, .txt, each also gzipped) and links to a file already found are
 * skipped and named. Refused, stopping the load: a CSV that belongs to no dataset (loading around
 * it would drop it silently), a symbolic link that leads out of the input folder, and a lake inside
 * the input folder (or an input inside the lake): each run would load the lake's own copies again.
 */
export function discoverInputs(inputDir: string, contracts: readonly Contract[], lakeDir?: string): DiscoveredInputs {
  if (!fs.existsSync(inputDir)) throw new LakeInputError(`${inputDir}: input folder not found; pass --input with the folder holding the CSV exports`);
  if (!fs.statSync(inputDir).isDirectory()) throw new LakeInputError(`${inputDir}: is not a folder; pass --input with the folder holding the CSV exports`);
  const inputReal = fs.realpathSync(inputDir);
  if (lakeDir !== undefined) {
    const lakeReal = realPath(lakeDir);
    if (isWithin(lakeReal, inputReal)) {
      throw new LakeInputError(`--lake ${lakeDir} is inside the input folder ${inputDir}: every run would load the lake's own files again; put the lake outside the input folder`);
    }
    if (isWithin(inputReal, lakeReal)) {
      throw new LakeInputError(`--input ${inputDir} is inside the lake ${lakeDir}: the lake's own files would be loaded into it again; load the exports from a folder outside the lake`);
    }
  }
  const byDataset = new Map<string, string[]>();
  const orphans: string[] = [];
  const outside: string[] = [];
  const skipped: SkippedFile[] = [];
  const seenFiles = new Map<string, string>();
  const seenFolders = new Set<string>([inputReal]);

  const visit = (dir: string, folderNames: string[]): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new LakeInputError(`${dir}: the folder cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give your user read access to it`);
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      let stat: fs.Stats;
      let real = full;
      if (entry.isSymbolicLink()) {
        try {
          real = fs.realpathSync(full);
          stat = fs.statSync(real);
        } catch {
          skipped.push({ file: full, reason: "a broken symbolic link (its target does not exist)" });
          continue;
        }
        if (!isWithin(real, inputReal)) {
          outside.push(`${full}: links to ${real}, outside the input folder`);
          continue;
        }
      } else {
        stat = fs.lstatSync(full);
        real = stat.isDirectory() ? fs.realpathSync(full) : full;
      }
      if (entry.name.startsWith(".")) {
        skipped.push({ file: full, reason: stat.isDirectory() ? "a hidden folder: not read" : "a hidden file" });
        continue;
      }
      if (stat.isDirectory()) {
        if (seenFolders.has(real)) {
          skipped.push({ file: full, reason: `the same folder as one already read (${real})` });
          continue;
        }
        seenFolders.add(real);
        visit(full, [entry.name, ...folderNames]);
        continue;
      }
      if (!stat.isFile()) {
        skipped.push({ file: full, reason: "not a regular file (a pipe, socket or device)" });
        continue;
      }
      const { stem, data, extension } = dataFileName(entry.name);
      if (!data) {
        skipped.push({ file: full, reason: `not a CSV export (extension ${extension}); exports are read from .csv, .tsv and .txt files, gzipped or not` });
        continue;
      }
      const realFile = fs.realpathSync(full);
      const first = seenFiles.get(realFile);
      if (first !== undefined) {
        skipped.push({ file: full, reason: `the same file as ${first} (a link to it): loaded once` });
        continue;
      }
      seenFiles.set(realFile, full);
      const contract = datasetFor(contracts, [stem, ...folderNames]);
      if (!contract) {
        orphans.push(full);
        continue;
      }
      byDataset.set(contract.name, [...(byDataset.get(contract.name) ?? []), full]);
    }
  };
  visit(inputDir, []);
  if (outside.length > 0) {
    throw new LakeInputError("symbolic links that lead out of the input folder are not followed; copy those files into the input folder, or remove the links:", outside);
  }
  if (orphans.length > 0) {
    const known = contracts.map((c) => `${c.name} (${c.fileNames.join(", ")})`).join("; ");
    throw new LakeInputError(
      "data files that belong to no known dataset; rename each file (or its folder) after its dataset, or move it out of the input folder:",
      [...orphans.map((f) => `${f}: no dataset matches this name`), `known datasets and names: ${known}`],
    );
  }
  if (byDataset.size === 0) {
    const why = skipped.length > 0 ? `; not loaded: ${skipped.slice(0, 5).map((s) => `${s.file} (${s.reason})`).join(", ")}${skipped.length > 5 ? ", …" : ""}` : "";
    throw new LakeInputError(`${inputDir}: no CSV files found; expected files named after a dataset, e.g. ${contracts.map((c) => `${c.fileNames[0]}.csv`).join(", ")}${why}`);
  }
  return {
    datasets: contracts.filter((c) => byDataset.has(c.name)).map((c) => ({ contract: c, files: byDataset.get(c.name) ?? [] })),
    skipped,
  };
}
