import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../model/contracts";
import { describeSchemaError } from "../model/schema-validation";

/** The published JSON Schema of `lake audit --format json`. */
export const AUDIT_SCHEMA_FILE = path.join(PROJECT_ROOT, "schemas", "audit.schema.json");

let compiled: ValidateFunction | undefined;

/** Every problem of an audit report against its schema, one line each; empty when it is valid. */
export function validateAudit(report: unknown, name = "audit"): string[] {
  if (!compiled) compiled = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(fs.readFileSync(AUDIT_SCHEMA_FILE, "utf8")));
  return compiled(report) ? [] : (compiled.errors ?? []).map((e) => describeSchemaError(name, e));
}
