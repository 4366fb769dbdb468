import Ajv2020, { ErrorObject, ValidateFunction } from "ajv/dist/2020";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../errors";

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schemaFile: string): ValidateFunction {
  let validate = compiled.get(schemaFile);
  if (!validate) {
    validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));
    compiled.set(schemaFile, validate);
  }
  return validate;
}

/** Turns one ajv error into "file: /json/path: what is wrong; how to fix it". */
export function describeSchemaError(file: string, error: ErrorObject): string {
  const at = error.instancePath === "" ? "/" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let fix: string;
  switch (error.keyword) {
    case "required":
      fix = `add the field "${String(params.missingProperty)}"`;
      break;
    case "additionalProperties":
      fix = `remove or rename the unknown field "${String(params.additionalProperty)}"`;
      break;
    case "enum":
      fix = `use one of ${JSON.stringify(params.allowedValues)}`;
      break;
    case "pattern":
      fix = `make it match ${String(params.pattern)}`;
      break;
    case "type":
      fix = `give a value of type ${String(params.type)}`;
      break;
    case "const":
      fix = `use ${JSON.stringify(params.allowedValue)}`;
      break;
    default:
      fix = "correct the value as the schema describes";
  }
  return `${file}: ${at}: ${error.message ?? "is invalid"}; ${fix}`;
}

/** Parses a JSON file, naming the file and position of a syntax error. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new LakeInputError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LakeInputError(`${file}: is not valid JSON: ${(err as Error).message}; fix the syntax`);
  }
}

/** Every schema problem of a document, one line each; empty when it is valid. */
export function schemaProblems(schemaFile: string, file: string, document: unknown): string[] {
  const validate = validatorFor(schemaFile);
  if (validate(document)) return [];
  // ajv reports a failed `if/then` twice (the branch and the "must match then" wrapper): keep the cause.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
  return errors.map((e) => describeSchemaError(path.relative(process.cwd(), file) || file, e));
}
