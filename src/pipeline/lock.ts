import { DuckDBInstance } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environmentError, LakeInputError } from "../errors";

/**
 * One lake command at a time writes a lake. The lock is a kernel lock (fcntl, taken by DuckDB on
 * `<lake>/.lake.lock`), so it is exclusive by construction and dies with its process: a killed
 * load never leaves a lock behind, and no "holder died" guess is ever needed. Who holds it is kept
 * beside it (`.lake.lock.json`) so a refusal can name the holder.
 */

export const LOCK_FILE = ".lake.lock";
const HOLDER_FILE = ".lake.lock.json";

/** Who holds a lake's lock, as written in the holder file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** What the holder is doing, e.g. "lake run --load-date 2024-05-01". */
  readonly purpose: string;
  readonly started_at: string;
}

/** Locks this process holds, by real lake path: the kernel lock does not exclude a second open by the same process. */
const heldHere = new Map<string, LockHolder>();

function refusal(lakeDir: string, pid: number, holder: LockHolder | undefined): LakeInputError {
  const who = holder !== undefined && holder.pid === pid ? `\`${holder.purpose}\` (process ${pid} on ${holder.host}, since ${holder.started_at})` : `process ${pid}`;
  return new LakeInputError(
    `${lakeDir}: this lake is in use by ${who}; wait for it to finish and run the command again. ` +
      `If that process hangs, stop it (kill ${pid}): the next lake command finishes or discards its work.`,
  );
}

function readHolder(lakeDir: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(lakeDir, HOLDER_FILE), "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * The holder file of process `pid`: a holder that has just taken the lock writes it a moment
 * later, so a refusal waits briefly for it rather than name a bare process id.
 */
async function holderOf(lakeDir: string, pid: number): Promise<LockHolder | undefined> {
  for (let attempt = 0; attempt < 25; attempt++) {
    const holder = readHolder(lakeDir);
    if (holder?.pid === pid) return holder;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return readHolder(lakeDir);
}

/** Creates the lake folder, or says precisely why it cannot be used. */
export function ensureLakeFolder(lakeDir: string): void {
  if (fs.existsSync(lakeDir) && !fs.statSync(lakeDir).isDirectory()) {
    throw new LakeInputError(`--lake ${lakeDir}: is a file, not a folder; pass --lake with a folder (it is created when missing)`);
  }
  try {
    fs.mkdirSync(lakeDir, { recursive: true });
    fs.accessSync(lakeDir, fs.constants.W_OK);
  } catch (err) {
    throw environmentError(err, `--lake ${lakeDir}:`) ?? err;
  }
}

/**
 * The lock file appears whole or not at all (created aside, then hard-linked into place), so two
 * commands starting together on a new lake never see half a file.
 */
async function ensureLockFile(lockFile: string): Promise<void> {
  if (fs.existsSync(lockFile)) return;
  const aside = `${lockFile}.${process.pid}.tmp`;
  fs.rmSync(aside, { force: true });
  (await DuckDBInstance.create(aside, { threads: "1" })).closeSync();
  try {
    fs.linkSync(aside, lockFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EEXIST: another command created it first, which is as good. File systems without hard links: copy, exclusively.
    if (code !== "EEXIST" && !fs.existsSync(lockFile)) fs.copyFileSync(aside, lockFile, fs.constants.COPYFILE_EXCL);
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

export class LakeLock {
  private released = false;

  private constructor(
    readonly lakeDir: string,
    private readonly key: string,
    private readonly instance: DuckDBInstance,
  ) {}

  /**
   * Takes the lake's lock or refuses at once, naming the holder. Creates the lake folder when
   * missing, unless `existing` (commands that read a lake must not create one on a typo).
   */
  static async acquire(lakeDir: string, purpose: string, existing = false): Promise<LakeLock> {
    if (existing && !fs.existsSync(lakeDir)) throw new LakeInputError(`--lake ${lakeDir}: no lake here (folder not found); pass --lake with the folder \`lake run\` wrote`);
    ensureLakeFolder(lakeDir);
    const key = fs.realpathSync(lakeDir);
    const mine = heldHere.get(key);
    if (mine !== undefined) throw refusal(lakeDir, mine.pid, mine);
    const lockFile = path.join(lakeDir, LOCK_FILE);
    let instance: DuckDBInstance;
    try {
      await ensureLockFile(lockFile);
      instance = await DuckDBInstance.create(lockFile, { threads: "1" });
    } catch (err) {
      const pid = /Conflicting lock is held in .*\(PID (\d+)\)/.exec((err as Error).message)?.[1];
      if (pid !== undefined) throw refusal(lakeDir, Number(pid), await holderOf(lakeDir, Number(pid)));
      if (/not a valid DuckDB database file|Invalid Input Error/i.test((err as Error).message)) {
        throw new LakeInputError(`${lockFile}: the lake's lock file is damaged; make sure no lake command is running on ${lakeDir}, delete that file and run again`);
      }
      throw environmentError(err, `--lake ${lakeDir}:`) ?? err;
    }
    const holder: LockHolder = { pid: process.pid, host: os.hostname(), purpose, started_at: new Date().toISOString() };
    heldHere.set(key, holder);
    const holderFile = path.join(lakeDir, HOLDER_FILE);
    try {
      fs.writeFileSync(`${holderFile}.tmp`, `${JSON.stringify(holder, null, 2)}\n`);
      fs.renameSync(`${holderFile}.tmp`, holderFile);
    } catch (err) {
      heldHere.delete(key);
      instance.closeSync();
      throw environmentError(err, `--lake ${lakeDir}:`) ?? err;
    }
    return new LakeLock(lakeDir, key, instance);
  }

  /**
   * Idempotent. The holder file goes first, while the lock is still held, so that it never names
   * a holder that has left (one left by a killed holder is harmless: it names another process).
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.key);
    try {
      fs.rmSync(path.join(this.lakeDir, HOLDER_FILE), { force: true });
    } catch {
      // Only the refusal message reads it; the kernel lock is what counts.
    }
    this.instance.closeSync();
  }

  get held(): boolean {
    return !this.released;
  }
}

/** Runs `work` holding the lake's lock; the lock is released however `work` ends. */
export async function withLakeLock<T>(lakeDir: string, purpose: string, work: (lock: LakeLock) => Promise<T>, existing = false): Promise<T> {
  const lock = await LakeLock.acquire(lakeDir, purpose, existing);
  try {
    return await work(lock);
  } finally {
    lock.release();
  }
}
