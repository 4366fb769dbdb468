import { runCommand, RUN_USAGE } from "./run";

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  { name: "run", usage: RUN_USAGE, summary: "load CSV exports into the lake (raw, processed, quarantine, curated), then check the load", run: runCommand },
];
