import Ajv2020 from "ajv/dist/2020";
import * as fs from "fs";
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const v = ajv.compile(JSON.parse(fs.readFileSync("quality-rules/rules.schema.json", "utf8")));
v({ dataset: "transactions", rules: [{ id: "b", kind: "not_null", column: "price", severity: "error", description: "x", where: { column: "transaction_type", equals: "buy", in: ["sell"] } }] });
console.log(JSON.stringify(v.errors, null, 1));
