import Ajv2019, { ErrorObject, ValidateFunction } from "ajv/dist/2019";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../model/contracts";
import { isIsoDate } from "../model/text";

/**
 * The official JSON Schema of ODCS v3.1.0 (bitol-io/open-data-contract-standard,
 * schema/odcs-json-schema-v3.1.0.json, Apache-2.0), kept in the repository so a clean checkout
 * validates exports without a download. It is written for JSON Schema draft 2019-09.
 */
export const ODCS_SCHEMA_FILE = path.join(PROJECT_ROOT, "schemas", "odcs-3.1.0.schema.json");
export const ODCS_API_VERSION = "v3.1.0";

const RFC3339_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/;

let validator: ValidateFunction | undefined;

/**
 * The official schema is not written for ajv's strict mode (it leaves `required` properties to
 * `allOf` branches), so strict mode is off; the three formats it uses are checked, not ignored.
 */
function odcsValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv2019({ allErrors: true, strict: false, logger: false });
  ajv.addFormat("uri", URI);
  ajv.addFormat("date", { validate: isIsoDate });
  ajv.addFormat("date-time", {
    validate: (value: string) => {
      const m = RFC3339_DATE_TIME.exec(value);
      return m !== null && isIsoDate(m[1]) && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 61;
    },
  });
  validator = ajv.compile(JSON.parse(fs.readFileSync(ODCS_SCHEMA_FILE, "utf8")) as object);
  return validator;
}

function describe(error: ErrorObject): string {
  const at = error.instancePath === "" ? "/" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  const detail =
    error.keyword === "additionalProperties" || error.keyword === "unevaluatedProperties"
      ? ` ("${String(params.additionalProperty ?? params.unevaluatedProperty)}")`
      : error.keyword === "enum"
        ? ` (${JSON.stringify(params.allowedValues)})`
        : "";
  return `${at}: ${error.message ?? "is invalid"}${detail}`;
}

/** Every way a document departs from ODCS v3.1.0, as "/json/path: what"; empty when it is valid. */
export function odcsSchemaProblems(document: unknown): string[] {
  const validate = odcsValidator();
  if (validate(document)) return [];
  // The schema's if/then and oneOf wrappers repeat what their branches said: keep the causes.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "oneOf" && e.keyword !== "anyOf");
  return [...new Set((errors.length > 0 ? errors : (validate.errors ?? [])).map(describe))];
}
