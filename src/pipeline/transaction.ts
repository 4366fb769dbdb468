import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";

/**
 * Write aside, then swap. A load writes every file under <lake>/_staging/<id>/ mirroring its final
 * path, then records a commit plan (COMMIT.json) and applies it: delete what the load replaces,
 * move the new files in. Recovery at the next start rolls a committed plan forward and throws an
 * uncommitted staging folder away, so after any crash the lake holds either the previous state or
 * the new one, never a mix, and never a second copy of a load.
 */

export interface CommitPlan {
  /** Files relative to the lake, removed before the new files move in. */
  readonly remove: readonly string[];
  /** Files relative to the staging folder, moved to the same relative path in the lake. */
  readonly add: readonly string[];
}

const STAGING = "_staging";
const COMMIT_FILE = "COMMIT.json";
const LOCK_FILE = ".lock";

/** Test hook: names a point at which the load dies as if the process had been killed. */
export type FailPoint = "before-commit" | "mid-commit";

export class LakeTransaction {
  readonly stagingDir: string;

  private constructor(readonly lakeDir: string, id: string) {
    this.stagingDir = path.join(lakeDir, STAGING, id);
  }

  /** Takes the lake's lock (one load at a time), recovers any earlier interrupted load, opens a staging folder. */
  static begin(lakeDir: string): LakeTransaction {
    fs.mkdirSync(lakeDir, { recursive: true });
    acquireLock(lakeDir);
    recover(lakeDir);
    const tx = new LakeTransaction(lakeDir, `${Date.now()}-${crypto.randomBytes(4).toString("hex")}`);
    fs.mkdirSync(tx.stagingDir, { recursive: true });
    return tx;
  }

  /** Absolute path, inside staging, of a file that will land at `relative` in the lake. */
  staged(relative: string): string {
    return path.join(this.stagingDir, relative);
  }

  /** `replace`: lake paths (files or folders) whose current files the load supersedes. */
  commit(replace: readonly string[], failPoint?: FailPoint): void {
    const add = listFiles(this.stagingDir).filter((f) => f !== COMMIT_FILE);
    const added = new Set(add);
    // Files the load writes again are overwritten by the move, not removed: a replayed plan must
    // never delete a file that an interrupted first run had already moved in.
    const remove = replace
      .flatMap((p) => {
        const full = path.join(this.lakeDir, p);
        if (!fs.existsSync(full)) return [];
        return fs.statSync(full).isDirectory() ? listFiles(full).map((f) => path.join(p, f)) : [p];
      })
      .filter((f) => !added.has(f));
    const plan: CommitPlan = { remove, add };
    if (failPoint === "before-commit") process.exit(137);
    const marker = path.join(this.stagingDir, COMMIT_FILE);
    fs.writeFileSync(`${marker}.tmp`, JSON.stringify(plan, null, 2));
    fs.renameSync(`${marker}.tmp`, marker);
    applyPlan(this.lakeDir, this.stagingDir, plan, failPoint);
    releaseLock(this.lakeDir);
  }

  /** Drops the staging folder: the lake keeps its previous state. */
  abort(): void {
    fs.rmSync(this.stagingDir, { recursive: true, force: true });
    releaseLock(this.lakeDir);
  }
}

function listFiles(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(dir, relative));
    else files.push(relative);
  }
  return files.sort();
}

/** Idempotent: applying a plan twice (after a crash half-way) gives the same lake. */
function applyPlan(lakeDir: string, stagingDir: string, plan: CommitPlan, failPoint?: FailPoint): void {
  for (const relative of plan.remove) {
    fs.rmSync(path.join(lakeDir, relative), { force: true });
    removeEmptyParents(lakeDir, path.dirname(relative));
  }
  plan.add.forEach((relative, i) => {
    const from = path.join(stagingDir, relative);
    if (!fs.existsSync(from)) return;
    const to = path.join(lakeDir, relative);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(from, to);
    if (failPoint === "mid-commit" && i === Math.floor(plan.add.length / 2)) process.exit(137);
  });
  fs.rmSync(stagingDir, { recursive: true, force: true });
}

function removeEmptyParents(lakeDir: string, relativeDir: string): void {
  for (let dir = relativeDir; dir !== "." && dir !== ""; dir = path.dirname(dir)) {
    const full = path.join(lakeDir, dir);
    if (!fs.existsSync(full) || fs.readdirSync(full).length > 0) return;
    fs.rmdirSync(full);
  }
}

/** Finishes committed loads and discards uncommitted ones left by a crash. */
export function recover(lakeDir: string): string[] {
  const root = path.join(lakeDir, STAGING);
  if (!fs.existsSync(root)) return [];
  const actions: string[] = [];
  for (const id of fs.readdirSync(root).sort()) {
    const stagingDir = path.join(root, id);
    const marker = path.join(stagingDir, COMMIT_FILE);
    if (fs.existsSync(marker)) {
      applyPlan(lakeDir, stagingDir, JSON.parse(fs.readFileSync(marker, "utf8")) as CommitPlan);
      actions.push(`completed interrupted load ${id}`);
    } else {
      fs.rmSync(stagingDir, { recursive: true, force: true });
      actions.push(`discarded unfinished load ${id}`);
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  return actions;
}

function acquireLock(lakeDir: string): void {
  const lock = path.join(lakeDir, LOCK_FILE);
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
  } catch {
    const holder = Number(fs.readFileSync(lock, "utf8"));
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
      throw new LakeInputError(`${lakeDir}: another load (process ${holder}) is writing this lake; wait for it to finish`);
    }
    // The holder died (a crash): its staging folder is recovered below.
    fs.writeFileSync(lock, String(process.pid));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function releaseLock(lakeDir: string): void {
  fs.rmSync(path.join(lakeDir, LOCK_FILE), { force: true });
}
