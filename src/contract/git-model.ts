import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LakeInputError } from "../errors";
import { DatasetDocuments, readModelDocuments } from "./documents";

function git(cwd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new LakeInputError(`--base needs git, which could not be run (${result.error.message}); compare two folders instead: lake contract diff OLD_DIR NEW_DIR`);
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr.trim() };
}

/**
 * The model's documents as they were at a git revision: the same folders, read from the commit.
 * The folders must be inside a git work tree; a revision it does not have (a shallow clone has no
 * history) is bad input, named with how to get it.
 */
export function modelDocumentsAt(ref: string, contractsDir: string, rulesDir: string): DatasetDocuments[] {
  const cwd = fs.existsSync(contractsDir) ? contractsDir : process.cwd();
  const top = git(cwd, ["rev-parse", "--show-toplevel"]);
  if (!top.ok) throw new LakeInputError(`--base ${ref}: ${contractsDir} is not inside a git work tree; compare two folders instead: lake contract diff OLD_DIR NEW_DIR`);
  const root = top.stdout.trim();
  const commit = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!commit.ok) {
    const shallow = git(root, ["rev-parse", "--is-shallow-repository"]).stdout.trim() === "true";
    throw new LakeInputError(`--base ${ref}: no such commit in ${root}${shallow ? " (a shallow clone: fetch more history with `git fetch --deepen=1`)" : ""}`);
  }
  const snapshot = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-base-"));
  try {
    const extract = (dir: string, into: string): void => {
      const relative = path.relative(fs.realpathSync(root), fs.realpathSync(dir)).split(path.sep).join("/");
      fs.mkdirSync(into, { recursive: true });
      const listed = git(root, ["ls-tree", "--name-only", commit.stdout.trim(), "--", `${relative}/`]);
      for (const file of listed.stdout.split("\n").filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))) {
        const shown = git(root, ["show", `${commit.stdout.trim()}:${file}`]);
        if (!shown.ok) continue;
        try {
          JSON.parse(shown.stdout);
        } catch (err) {
          throw new LakeInputError(`${ref}:${file}: is not valid JSON at that revision (${(err as Error).message}); compare with another --base`);
        }
        fs.writeFileSync(path.join(into, path.basename(file)), shown.stdout);
      }
    };
    extract(contractsDir, path.join(snapshot, "contracts"));
    if (fs.existsSync(rulesDir)) extract(rulesDir, path.join(snapshot, "quality-rules"));
    return readModelDocuments(path.join(snapshot, "contracts"), path.join(snapshot, "quality-rules"));
  } finally {
    fs.rmSync(snapshot, { recursive: true, force: true });
  }
}
