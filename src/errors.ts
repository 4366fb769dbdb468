/** Exit codes shared by every command: the contract users script against. */
export const EXIT_OK = 0;
export const EXIT_QUALITY_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/**
 * An error the user can fix: bad input files, bad configuration, bad rule or contract files.
 * The message names the file (and row or JSON path) and says how to fix it; the CLI prints it
 * without a stack trace and exits with {@link EXIT_BAD_INPUT}.
 */
export class LakeInputError extends Error {
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message);
    this.name = "LakeInputError";
    this.problems = problems;
  }
}
