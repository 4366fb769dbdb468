import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { listFiles, tempDir, writeFiles } from "../support/lake";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const lake = (args: string[]) => spawnSync(lakeBin, args, { encoding: "utf8" });

describe("hostile values reach neither the terminal nor the SQL", function () {
  this.timeout(120_000);

  it("escape codes in exported values and headers are shown as text in the report, warnings and errors", () => {
    const esc = "\u001b]0;pwned\u0007\u001b[2J";
    const input = writeFiles(tempDir("in"), {
      // A duplicate key, so the sample shows the hostile value; a header the contract lacks, so a warning quotes it.
      "clientes.csv": `cliente_id,tipo_identificacion,nombre,ciudad,nota${esc}\nC${esc},CC,Ana,Cali,x\nC${esc},CC,Eva,Lima,y\n`,
    });
    const result = lake(["run", "--input", input, "--lake", tempDir("lake"), "--load-date", "2024-05-01"]);
    expect(result.status, result.stderr).to.equal(1);
    for (const output of [result.stdout, result.stderr]) {
      expect(output).to.not.match(/[\u0007\u001b\u009b]/);
    }
    expect(result.stdout).to.include("C\\u001b]0;pwned\\u0007\\u001b[2J");
    expect(result.stderr).to.include('"nota\\u001b]0;pwned\\u0007\\u001b[2J"');
  });

  it("a NUL in a rule value is refused when the rules are validated, before anything is loaded", () => {
    const rules = tempDir("rules");
    for (const f of fs.readdirSync(path.join(PROJECT_ROOT, "quality-rules")).filter((f) => f.endsWith(".json"))) fs.copyFileSync(path.join(PROJECT_ROOT, "quality-rules", f), path.join(rules, f));
    const file = path.join(rules, "customers.json");
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { rules: Record<string, unknown>[] };
    doc.rules.push({ id: "nul_in_where", kind: "not_null", column: "customer_name", where: { column: "city", equals: "Ca\u0000li" }, severity: "error", description: "d" });
    fs.writeFileSync(file, JSON.stringify(doc));
    const validated = lake(["rules", "validate", file]);
    expect(validated.status).to.equal(2);
    expect(validated.stdout).to.match(/\/rules\/\d+\/where\/equals: contains a NUL character \(U\+0000\), which no SQL engine can carry in a literal; remove it/);
    const lakeDir = tempDir("lake");
    const run = lake(["run", "--input", path.join(PROJECT_ROOT, "data", "sample"), "--lake", lakeDir, "--rules", rules]);
    expect(run.status, run.stderr).to.equal(2);
    expect(listFiles(lakeDir)).to.deep.equal([]);
  });
});
