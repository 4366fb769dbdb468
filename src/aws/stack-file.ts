import * as fs from "fs";
import { LakeInputError } from "../errors";

/**
 * Reads the `config:` block of a Pulumi.<stack>.yaml file as flat key -> string values, the way
 * Pulumi hands them to a program. Only the subset the stack files of this project use is read:
 * one `key: value` per line under `config:`, values plain, 'single' or "double" quoted. Anything
 * else is refused with the line, so a file Pulumi would read differently never passes silently.
 */
export function parseStackFile(file: string, text: string): Record<string, string> {
  const values: Record<string, string> = {};
  let inConfig = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (/^\s*(#.*)?$/.test(line)) return;
    if (/^\S/.test(line)) {
      inConfig = /^config:\s*(#.*)?$/.test(line);
      if (!inConfig && !/^[A-Za-z][\w-]*:/.test(line)) throw new LakeInputError(`${where}: expected a top-level "key:" line, found ${JSON.stringify(line)}`);
      return;
    }
    if (!inConfig) return;
    const entry = /^ {2}([A-Za-z][\w-]*:[A-Za-z][\w.-]*):\s*(.*?)\s*$/.exec(line);
    if (!entry) {
      throw new LakeInputError(`${where}: expected "  <namespace>:<key>: <value>" (one scalar per line; write lists as JSON strings), found ${JSON.stringify(line)}`);
    }
    values[entry[1]!] = scalar(entry[2]!, where);
  });
  return values;
}

function scalar(text: string, where: string): string {
  if (text.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
    if (!m) throw new LakeInputError(`${where}: unterminated single-quoted value ${text}`);
    return m[1]!.replace(/''/g, "'");
  }
  if (text.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(text);
    if (!m) throw new LakeInputError(`${where}: unterminated double-quoted value ${text}`);
    return JSON.parse(m[1]!) as string;
  }
  const plain = text.replace(/\s+#.*$/, "");
  if (plain === "" || /^[[{|>&*!]/.test(plain)) {
    throw new LakeInputError(`${where}: only scalar values are supported here; quote lists and maps as JSON strings, e.g. '["a","b"]'`);
  }
  return plain;
}

export function readStackFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) throw new LakeInputError(`${file}: stack file not found; create it with \`pulumi stack init <name>\` and \`pulumi config set\``);
  return parseStackFile(file, fs.readFileSync(file, "utf8"));
}
