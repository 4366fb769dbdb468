import { terminalSafe } from "./model/text";

/** Exit codes shared by every command: the contract users script against. */
export const EXIT_OK = 0;
export const EXIT_QUALITY_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;
/** Only for a real internal bug: the message asks the user to report it. */
export const EXIT_INTERNAL = 3;

/**
 * An error the user can fix: bad input files, bad configuration, bad rule or contract files, a
 * lake folder that cannot be written. The message names the file (and row or JSON path) and says
 * how to fix it; the CLI prints it without a stack trace and exits with {@link EXIT_BAD_INPUT}.
 */
export class LakeInputError extends Error {
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message);
    this.name = "LakeInputError";
    this.problems = problems;
  }
}

/** What the machine said, and what the user does about it, per error code of the file system. */
const ENVIRONMENT_FIXES: Record<string, [string, string]> = {
  ENOSPC: ["no space left on the device", "free space on that disk (or pass --lake on another one) and run the command again"],
  EDQUOT: ["the disk quota is exhausted", "free space within your quota (or pass --lake on another disk) and run the command again"],
  EROFS: ["the file system is read-only", "pass --lake with a folder on a writable disk"],
  EACCES: ["permission denied", "give your user write access to that folder (or pass --lake with a folder you own)"],
  EPERM: ["operation not permitted", "give your user write access to that folder (or pass --lake with a folder you own)"],
  ENOTDIR: ["a part of the path is a file, not a folder", "pass --lake with a folder path (it is created when missing)"],
  EISDIR: ["a folder stands where a file is expected", "move that folder away and run the command again"],
  EEXIST: ["a file already stands where a folder is expected", "pass --lake with a folder path (it is created when missing)"],
  EMFILE: ["too many open files", "raise the open-file limit (ulimit -n) and run the command again"],
  ENFILE: ["too many open files on the system", "close other programs or raise the system's open-file limit, then run the command again"],
  EIO: ["an input/output error of the disk", "check the disk (dmesg, fsck) and run the command again"],
  EXDEV: ["a move across file systems was refused", "keep the lake's folders on one file system"],
  ENAMETOOLONG: ["a file name is too long for the file system", "use a shorter --lake path or shorter input file names"],
};

/** DuckDB reports file-system failures as text: the same causes, recognised by their wording. */
const DUCKDB_WORDING: [RegExp, string][] = [
  [/No space left on device/i, "ENOSPC"],
  [/Disk quota exceeded/i, "EDQUOT"],
  [/Read-only file system/i, "EROFS"],
  [/Permission denied/i, "EACCES"],
  [/Not a directory/i, "ENOTDIR"],
  [/Too many open files/i, "EMFILE"],
  [/Input\/output error/i, "EIO"],
];

/** The error code of a file-system failure, from Node (err.code) or from DuckDB's message. */
export function environmentErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === "string" && code in ENVIRONMENT_FIXES) return code;
  return DUCKDB_WORDING.find(([wording]) => wording.test(err.message))?.[1];
}

/**
 * A failure of the machine rather than of the program (disk full, read-only lake, no permission),
 * said as a user-fixable error naming the path and the fix; undefined for anything else.
 */
export function environmentError(err: unknown, context?: string): LakeInputError | undefined {
  const code = environmentErrorCode(err);
  if (code === undefined) return undefined;
  const [what, fix] = ENVIRONMENT_FIXES[code];
  const errno = err as NodeJS.ErrnoException;
  const where = errno.path ?? /"([^"]+)"/.exec(errno.message)?.[1];
  const subject = [context, where === undefined ? undefined : `${where}:`].filter((s) => s !== undefined).join(" ");
  return new LakeInputError(`${subject === "" ? "" : `${subject} `}${what} (${code}); ${fix}`);
}

/** The exit code and message for an error that ends a command: 2 with the fix for what the user can fix, 3 only for a bug. */
export function failureOf(err: unknown): { readonly exitCode: number; readonly message: string } {
  const known = err instanceof LakeInputError ? err : environmentError(err);
  if (known !== undefined) return { exitCode: EXIT_BAD_INPUT, message: `error: ${terminalSafe(known.message)}` };
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { exitCode: EXIT_INTERNAL, message: `internal error: ${detail}\nplease report it with the command you ran` };
}
