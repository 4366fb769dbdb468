import { isJsonObject, Json, JsonObject } from "./documents";

/**
 * What import could not carry over, one line each, so nothing of an ODCS document is dropped
 * without saying so: `not-imported` (energy-lake has no place for it), `changed` (kept, in a form
 * that is not the same: a type approximated, a name made snake_case), `invalid` (the document
 * departs from ODCS v3.1.0), `error` (a dataset or rule could not be imported at all).
 */
export type FindingKind = "not-imported" | "changed" | "invalid" | "error";

export interface Finding {
  readonly file: string;
  /** JSON Pointer into the document, e.g. /schema/0/properties/2/quality/0/mustBeLessThan. */
  readonly path: string;
  readonly kind: FindingKind;
  readonly message: string;
}

export const pointer = (base: string, key: string | number): string => `${base}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;

export class Findings {
  readonly list: Finding[] = [];

  constructor(readonly file: string) {}

  add(kind: FindingKind, path: string, message: string): void {
    this.list.push({ file: this.file, path: path === "" ? "/" : path, kind, message });
  }

  notImported(path: string, message: string): void {
    this.add("not-imported", path, message);
  }

  changed(path: string, message: string): void {
    this.add("changed", path, message);
  }

  error(path: string, message: string): void {
    this.add("error", path, message);
  }
}

/** A value equal to the ODCS default (false, -1 positions, empty lists and objects) says nothing: it is not reported when unused. */
function isDefault(key: string, value: Json): boolean {
  if (value === null || value === false) return true;
  if (key.endsWith("Position") && value === -1) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/**
 * One object of the document being read: every key the importer reads is marked, and `finish`
 * reports the keys nobody read, with the reason given for that key (or the default reason).
 */
export class OdcsNode {
  private readonly read = new Set<string>();

  constructor(
    readonly value: JsonObject,
    readonly path: string,
    readonly findings: Findings,
  ) {}

  at(key: string | number): string {
    return pointer(this.path, key);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  get(key: string): Json | undefined {
    this.read.add(key);
    return this.value[key];
  }

  /** Marks keys as read: their meaning is carried some other way. */
  consume(...keys: string[]): void {
    for (const k of keys) this.read.add(k);
  }

  string(key: string): string | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    this.findings.notImported(this.at(key), `expected text, found ${Array.isArray(value) ? "a list" : "an object"}`);
    return undefined;
  }

  boolean(key: string): boolean | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "boolean") return value;
    this.findings.notImported(this.at(key), `expected true or false, found ${JSON.stringify(value)}`);
    return undefined;
  }

  number(key: string): number | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    this.findings.notImported(this.at(key), `expected a number, found ${JSON.stringify(value)}`);
    return undefined;
  }

  child(key: string): OdcsNode | undefined {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (isJsonObject(value)) return new OdcsNode(value, this.at(key), this.findings);
    this.findings.notImported(this.at(key), `expected an object, found ${JSON.stringify(value)}`);
    return undefined;
  }

  /** The objects of a list; other entries are reported. */
  children(key: string): OdcsNode[] {
    const value = this.get(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.findings.notImported(this.at(key), "expected a list");
      return [];
    }
    const nodes: OdcsNode[] = [];
    value.forEach((item, i) => {
      if (isJsonObject(item)) nodes.push(new OdcsNode(item, pointer(this.at(key), i), this.findings));
      else this.findings.notImported(pointer(this.at(key), i), `expected an object, found ${JSON.stringify(item)}`);
    });
    return nodes;
  }

  /** Reports every key not read (unless it only restates a default), with `reasons[key]` or `otherwise`. */
  finish(reasons: Readonly<Record<string, string>>, otherwise: string): void {
    for (const [key, value] of Object.entries(this.value)) {
      if (this.read.has(key) || isDefault(key, value)) continue;
      this.findings.notImported(this.at(key), reasons[key] ?? otherwise);
    }
  }
}
