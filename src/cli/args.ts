import { parseArgs, ParseArgsConfig } from "util";
import { LakeInputError } from "../errors";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with errors a user can act on: the bad flag named, the command's usage shown. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new LakeInputError(`lake ${command}: ${(err as Error).message}\nusage: ${usage}`);
  }
}

export function requireOption(command: string, value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === "") throw new LakeInputError(`lake ${command}: ${flag} is required\nusage: ${usage}`);
  return value;
}

export function oneOf<T extends string>(command: string, flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new LakeInputError(`lake ${command}: ${flag} "${value}" is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** A positive whole number given to a flag, or the fallback when the flag is absent. */
export function countOption(command: string, flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(value)) throw new LakeInputError(`lake ${command}: ${flag} "${value}": give a whole number, at least 1`);
  return Number(value);
}
