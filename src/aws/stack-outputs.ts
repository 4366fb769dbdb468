import * as fs from "fs";
import { LakeInputError } from "../errors";

/**
 * A deployed stack's outputs, as `pulumi stack output --json` prints them, or as
 * `lake plan --stack NAME --outputs FILE` writes them offline (under Pulumi mocks, with the
 * values only AWS knows, such as account ids in ARNs, replaced by the mocks' placeholders).
 * Every command that works against a stack (`check --engine athena`, `report`, `audit`,
 * `contract export`) reads them through this one reader, so a missing or malformed output is
 * reported the same way everywhere: the file, the output and how to get it.
 */
export class StackOutputs {
  private constructor(
    readonly file: string,
    private readonly values: Readonly<Record<string, unknown>>,
  ) {}

  static parse(file: string, text: string): StackOutputs {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new LakeInputError(`${file}: is not JSON (${(err as Error).message}); write it with \`pulumi stack output --json --show-secrets > ${file}\``);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new LakeInputError(`${file}: expected the JSON object \`pulumi stack output --json\` prints, found ${Array.isArray(parsed) ? "an array" : typeof parsed}`);
    }
    return new StackOutputs(file, parsed as Record<string, unknown>);
  }

  static read(file: string): StackOutputs {
    if (!fs.existsSync(file)) {
      throw new LakeInputError(`${file}: stack outputs file not found; write it with \`pulumi stack output --json --show-secrets > ${file}\` (or offline: \`lake plan --stack dev --outputs ${file}\`)`);
    }
    return StackOutputs.parse(file, fs.readFileSync(file, "utf8"));
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** A string output, e.g. `athenaWorkgroup`. */
  string(name: string): string {
    const value = this.get(name);
    if (typeof value !== "string" || value === "") throw this.shapeError(name, "a non-empty string", value);
    if (value === "[secret]") throw new LakeInputError(`${this.file}: output "${name}" is a hidden secret; write the file with \`pulumi stack output --json --show-secrets\``);
    return value;
  }

  /** A map of strings, e.g. `databases` (layer -> Glue database). */
  record(name: string): Readonly<Record<string, string>> {
    const value = this.get(name);
    if (!isRecord(value) || !Object.values(value).every((v) => typeof v === "string")) throw this.shapeError(name, "an object of strings", value);
    return value as Record<string, string>;
  }

  /** One entry of a map output, e.g. `record("databases")["processed"]`, refused by name when absent. */
  entry(name: string, key: string): string {
    const value = this.record(name)[key];
    if (value === undefined) {
      throw new LakeInputError(`${this.file}: output "${name}" has no "${key}" (it has ${Object.keys(this.record(name)).join(", ") || "nothing"}); is the file from an older version of the stack? run \`pulumi up\`, then write it again`);
    }
    return value;
  }

  /** A map of string lists, e.g. `accessPrincipals` (role -> principal ARNs). */
  listRecord(name: string): Readonly<Record<string, readonly string[]>> {
    const value = this.get(name);
    if (!isRecord(value) || !Object.values(value).every((v) => Array.isArray(v) && v.every((s) => typeof s === "string"))) {
      throw this.shapeError(name, "an object of string lists", value);
    }
    return value as Record<string, string[]>;
  }

  private get(name: string): unknown {
    const value = this.values[name];
    if (value === undefined) {
      throw new LakeInputError(
        `${this.file}: has no output "${name}"; write the file from the stack with \`pulumi stack output --json --show-secrets > ${this.file}\` after \`pulumi up\` ` +
          `(outputs found: ${Object.keys(this.values).sort().join(", ") || "none"})`,
      );
    }
    return value;
  }

  private shapeError(name: string, expected: string, value: unknown): LakeInputError {
    return new LakeInputError(`${this.file}: output "${name}" should be ${expected}, found ${JSON.stringify(value)?.slice(0, 80)}; write the file again with \`pulumi stack output --json --show-secrets\``);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The outputs of a stack in `pulumi stack output --json` form: keys sorted, two-space indented. */
export function formatStackOutputs(outputs: Readonly<Record<string, unknown>>): string {
  const sorted = Object.fromEntries(Object.keys(outputs).sort().map((k) => [k, outputs[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
