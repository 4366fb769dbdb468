import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { environmentError, LakeInputError } from "../errors";
import { LakeLock } from "./lock";

/**
 * Write aside, then swap. A transaction writes every file under <lake>/_staging/<id>/ mirroring
 * its final path, then records a commit plan (COMMIT.json: what it removes, what it adds) and
 * applies it. Once the plan is on disk the transaction is committed: a crash or an I/O error while
 * applying it leaves the plan in place, and the next lake command (run, check, report) rolls it
 * forward. A staging folder without a plan is thrown away. So after any failure the lake holds the
 * previous state or the new one, never a mix, and never a second copy of a load.
 */

export interface CommitPlan {
  /** What is being committed, for recovery messages: "load 2024-05-01 (customers, transactions)". */
  readonly description: string;
  /** Files relative to the lake, removed before the new files move in. */
  readonly remove: readonly string[];
  /** Files relative to the staging folder, moved to the same relative path in the lake. */
  readonly add: readonly string[];
}

export const STAGING = "_staging";
const COMMIT_FILE = "COMMIT.json";
/** Working files of a transaction (DuckDB's spill, parsed sources): inside staging so that they go with it, never committed. */
export const SCRATCH_DIR = "_scratch";

/**
 * Test hook: the commit stops at one of its steps, as a killed process would ("kill"), or that
 * step's file operation fails with an error code, as a full or read-only disk would ("ENOSPC").
 * Steps count across the process: 0 is writing the first commit plan, then each file removed or
 * moved in, then dropping the staging folder; a second commit (the report) continues the count.
 */
export interface FailPoint {
  readonly step: number;
  readonly action: "kill" | string;
}

const FAIL_POINT = /^(kill|E[A-Z]+)@(\d+)$/;

/** "kill@3", "ENOSPC@0"; the crash tests' older names "before-commit" and "mid-commit" still work. */
export function parseFailPoint(spec: string): FailPoint | undefined {
  if (spec === "before-commit") return { step: 0, action: "kill" };
  if (spec === "mid-commit") return { step: 2, action: "kill" };
  const m = FAIL_POINT.exec(spec);
  return m === null ? undefined : { step: Number(m[2]), action: m[1] };
}

let failPoint: FailPoint | undefined;
let stepsTaken = 0;

/** Arms (or, with undefined, disarms) the fail point and restarts the step count. */
export function setFailPoint(point: FailPoint | undefined): void {
  failPoint = point;
  stepsTaken = 0;
}

/** Commit steps taken since the fail point was last set: how a test learns how many steps a load has. */
export function commitStepsTaken(): number {
  return stepsTaken;
}

function step(what: string): void {
  const n = stepsTaken++;
  if (failPoint === undefined || failPoint.step !== n) return;
  if (failPoint.action === "kill") process.exit(137);
  const err = new Error(`${failPoint.action}: injected at commit step ${n} (${what})`) as NodeJS.ErrnoException;
  err.code = failPoint.action;
  err.path = what;
  throw err;
}

/** A committed transaction that could not be applied: the plan stays, the next lake command finishes it. */
export class CommitIncompleteError extends LakeInputError {
  constructor(description: string, cause: unknown) {
    const reason = environmentError(cause)?.message ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      `the ${description} is committed but could not be moved into place: ${reason}. ` +
        `The lake keeps its commit plan: fix the cause, then run any lake command on this lake (e.g. \`lake check\`) and it completes the ${description}.`,
    );
  }
}

/** Transactions open in this process: what an interrupted command (Ctrl-C, kill) throws away before it exits. */
const open = new Set<LakeTransaction>();

/**
 * On SIGINT or SIGTERM, drops the staging folders of uncommitted transactions (a multi-GB load
 * must not stay behind until the next run) and exits; a committed one is left for the next start
 * to complete. Only `kill -9` leaves staging behind, and the next lake command discards it.
 */
export function discardStagingOnSignal(): void {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    process.once(signal, () => {
      for (const tx of open) tx.abort();
      process.stderr.write(`\ninterrupted (${signal}): uncommitted work discarded, the lake keeps its previous state\n`);
      process.exit(code);
    });
  }
}

export class LakeTransaction {
  readonly stagingDir: string;
  private committed = false;

  private constructor(
    readonly lakeDir: string,
    private readonly lock: LakeLock,
    id: string,
  ) {
    this.stagingDir = path.join(lakeDir, STAGING, id);
  }

  /** Opens a staging folder; the caller holds the lake's lock, and earlier interrupted work is recovered first. */
  static begin(lock: LakeLock, onRecovery?: (message: string) => void): LakeTransaction {
    if (!lock.held) throw new Error("LakeTransaction.begin needs a held lake lock");
    for (const message of recover(lock)) onRecovery?.(message);
    const tx = new LakeTransaction(lock.lakeDir, lock, `${Date.now()}-${crypto.randomBytes(4).toString("hex")}`);
    try {
      fs.mkdirSync(tx.stagingDir, { recursive: true });
    } catch (err) {
      throw environmentError(err, `--lake ${lock.lakeDir}:`) ?? err;
    }
    open.add(tx);
    return tx;
  }

  /** Absolute path, inside staging, of a file that will land at `relative` in the lake. */
  staged(relative: string): string {
    return path.join(this.stagingDir, relative);
  }

  /**
   * `replace`: lake paths (files or folders) whose current files the transaction supersedes.
   * Throws {@link CommitIncompleteError} when the plan is on disk but could not be applied.
   */
  commit(replace: readonly string[], description: string): void {
    if (!this.lock.held) throw new Error("commit without the lake lock");
    fs.rmSync(path.join(this.stagingDir, SCRATCH_DIR), { recursive: true, force: true });
    const add = listFiles(this.stagingDir).filter((f) => f !== COMMIT_FILE && !f.startsWith(`${COMMIT_FILE}.`));
    const added = new Set(add);
    // Files the transaction writes again are overwritten by the move, not removed: a replayed plan
    // must never delete a file that an interrupted first attempt had already moved in.
    const remove = [
      ...new Set(
        replace.flatMap((p) => {
          const full = path.join(this.lakeDir, p);
          if (!fs.existsSync(full)) return [];
          return fs.statSync(full).isDirectory() ? listFiles(full).map((f) => path.join(p, f)) : [p];
        }),
      ),
    ].filter((f) => !added.has(f));
    const plan: CommitPlan = { description, remove, add };
    const marker = path.join(this.stagingDir, COMMIT_FILE);
    step(`write the commit plan of the ${description}`);
    writeDurably(`${marker}.tmp`, JSON.stringify(plan, null, 2));
    fs.renameSync(`${marker}.tmp`, marker);
    this.committed = true;
    open.delete(this);
    try {
      applyPlan(this.lakeDir, this.stagingDir, plan);
    } catch (err) {
      throw new CommitIncompleteError(description, err);
    }
  }

  /** Drops the staging folder (unless the plan is on disk: then the next start rolls it forward). */
  abort(): void {
    open.delete(this);
    if (this.committed) return;
    try {
      fs.rmSync(this.stagingDir, { recursive: true, force: true });
      removeEmptyParents(this.lakeDir, STAGING);
    } catch {
      // What cannot be removed now is an uncommitted staging folder: the next start discards it.
    }
  }

  get isCommitted(): boolean {
    return this.committed;
  }
}

function writeDurably(file: string, content: string): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
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

/** rename, or copy then rename when the two paths are on different file systems (a layer folder mounted elsewhere). */
function moveInto(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
    const aside = `${to}.${process.pid}.partial`;
    fs.copyFileSync(from, aside);
    fs.renameSync(aside, to);
    fs.rmSync(from, { force: true });
  }
}

/** Idempotent: applying a plan again after a crash or an error half-way gives the same lake. */
function applyPlan(lakeDir: string, stagingDir: string, plan: CommitPlan): void {
  for (const relative of plan.remove) {
    step(`remove ${relative}`);
    fs.rmSync(path.join(lakeDir, relative), { force: true });
    removeEmptyParents(lakeDir, path.dirname(relative));
  }
  for (const relative of plan.add) {
    const from = path.join(stagingDir, relative);
    if (!fs.existsSync(from)) continue;
    step(`move in ${relative}`);
    const to = path.join(lakeDir, relative);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    moveInto(from, to);
  }
  step(`drop ${path.relative(lakeDir, stagingDir)}`);
  fs.rmSync(stagingDir, { recursive: true, force: true });
  removeEmptyParents(lakeDir, path.relative(lakeDir, path.dirname(stagingDir)));
}

function removeEmptyParents(lakeDir: string, relativeDir: string): void {
  for (let dir = relativeDir; dir !== "." && dir !== ""; dir = path.dirname(dir)) {
    const full = path.join(lakeDir, dir);
    // A layer folder may be a link to another disk: the link stays, whatever it holds.
    if (!fs.existsSync(full) || fs.lstatSync(full).isSymbolicLink() || fs.readdirSync(full).length > 0) return;
    fs.rmdirSync(full);
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : fs.lstatSync(full).size;
  }
  return total;
}

function megabytes(bytes: number): string {
  return bytes < 1 << 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * Finishes committed work and discards uncommitted work left by a crash; returns what it did,
 * for the command to say. Needs the lake's lock: nobody else is writing while it runs.
 */
export function recover(lock: LakeLock): string[] {
  if (!lock.held) throw new Error("recover needs a held lake lock");
  const lakeDir = lock.lakeDir;
  const root = path.join(lakeDir, STAGING);
  if (!fs.existsSync(root)) return [];
  const actions: string[] = [];
  for (const id of fs.readdirSync(root).sort()) {
    const stagingDir = path.join(root, id);
    const marker = path.join(stagingDir, COMMIT_FILE);
    if (fs.existsSync(marker)) {
      let plan: CommitPlan;
      try {
        plan = JSON.parse(fs.readFileSync(marker, "utf8")) as CommitPlan;
      } catch (err) {
        throw new LakeInputError(`${marker}: the commit plan of an interrupted load cannot be read (${(err as Error).message}); restore the file, or delete ${stagingDir} and run the load again`);
      }
      try {
        applyPlan(lakeDir, stagingDir, plan);
      } catch (err) {
        throw new CommitIncompleteError(plan.description ?? `interrupted commit ${id}`, err);
      }
      actions.push(`recovered: completed the interrupted commit of the ${plan.description ?? id}`);
    } else {
      const size = fs.statSync(stagingDir).isDirectory() ? folderBytes(stagingDir) : 0;
      fs.rmSync(stagingDir, { recursive: true, force: true });
      actions.push(`recovered: discarded unfinished work ${id} (${megabytes(size)}) left by an interrupted command; the lake keeps its previous state`);
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  return actions;
}

/** True when an interrupted commit waits in the lake's staging folder: the layers are torn until it is completed. */
function hasPendingCommit(lakeDir: string): boolean {
  const root = path.join(lakeDir, STAGING);
  return fs.existsSync(root) && fs.readdirSync(root).some((id) => fs.existsSync(path.join(root, id, COMMIT_FILE)));
}

/**
 * For commands that read a lake (check, report): holds the lock while they read, after recovering
 * what a crash left, so they never read a torn lake; refuses while another command writes it. A
 * lake on a read-only disk is read without the lock (nobody can be writing it), unless a commit
 * was interrupted there: then it is refused, since it cannot be completed.
 */
export async function withRecoveredLake<T>(lakeDir: string, purpose: string, work: (lock: LakeLock | undefined) => Promise<T>, onRecovery?: (message: string) => void): Promise<T> {
  let lock: LakeLock;
  try {
    lock = await LakeLock.acquire(lakeDir, purpose, true);
  } catch (err) {
    const code = /\((EROFS|EACCES|EPERM)\)/.exec((err as Error).message)?.[1];
    if (code === undefined) throw err;
    if (hasPendingCommit(lakeDir)) {
      throw new LakeInputError(`${lakeDir}: a commit was interrupted here and the lake cannot be written (${code}) to complete it; make the lake writable and run \`lake check --lake ${lakeDir}\``);
    }
    return work(undefined);
  }
  try {
    for (const message of recover(lock)) onRecovery?.(message);
    return await work(lock);
  } finally {
    lock.release();
  }
}
