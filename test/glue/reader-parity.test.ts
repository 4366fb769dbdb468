import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compileGluePlan } from "../../src/aws/glue-plan";
import { lakeNames } from "../../src/aws/naming";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { readExport } from "../../src/pipeline/csv-read";
import { sniffCsv } from "../../src/pipeline/sniff";
import { hostileExports } from "./hostile-exports";

/**
 * The Glue transform reads an export as the local pipeline does: for seeded hostile exports, the
 * local reader (sniff.ts + csv-read.ts, what `lake run` loads) and the Glue jobs' reader
 * (glue/lake_csv.py) give the same header verdict, delimiter, encoding, accepted records (line and
 * values per contract column), refused records (line, reason, text) and warnings.
 */

interface Reading {
  file: string;
  error?: string;
  delimiter?: string;
  headers?: string[];
  ignored_headers?: string[];
  encoding?: string;
  records?: number;
  accepted?: [number, (string | null)[]][];
  refused?: [number, string, string][];
  warnings?: string[];
}

const COUNT = 400;

describe("Glue reader parity with the local reader (glue/lake_csv.py vs src/pipeline)", () => {
  const contracts = loadContracts();
  const customers = contracts.find((c) => c.name === "customers")!;
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-parity-"));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function local(db: DuckDBConnection, file: string, index: number): Promise<Reading> {
    const name = path.basename(file);
    try {
      const layout = await sniffCsv(file, customers);
      const read = await readExport(layout, path.join(dir, "work"), `f${index}`);
      const accepted = (await db.runAndReadAll(`SELECT * FROM ${read.accepted} ORDER BY _row`)).getRows();
      const refused = (await db.runAndReadAll(`SELECT * FROM ${read.refused} ORDER BY line`)).getRows();
      const positions = customers.columns.map((c) => layout.mapping.indexOf(c.name));
      return {
        file: name,
        delimiter: layout.delimiter,
        headers: [...layout.headers],
        ignored_headers: [...layout.ignoredHeaders],
        encoding: read.encoding,
        records: read.records,
        accepted: accepted.map((r) => [Number(r[0]), positions.map((at) => (at < 0 ? null : (r[at + 1] as string | null)))]),
        refused: refused.map((r) => [Number(r[0]), r[1] as string, r[2] as string]),
        warnings: read.warnings.map((w) => w.split(file).join(name)),
      };
    } catch (err) {
      // The local message names the contract by its absolute path, the Glue plan relative to the project.
      return { file: name, error: (err as Error).message.split(file).join(name).split(`${PROJECT_ROOT}${path.sep}`).join("") };
    }
  }

  it(`reads ${COUNT} seeded hostile exports the same way`, async function () {
    this.timeout(180000);
    const exports = hostileExports(20260105, COUNT);
    const files = exports.map((e) => {
      const file = path.join(dir, e.name);
      fs.writeFileSync(file, e.bytes);
      return file;
    });
    const planFile = path.join(dir, "plan.json");
    fs.writeFileSync(planFile, JSON.stringify(compileGluePlan(contracts, loadRuleSets(contracts), lakeNames("energy-lake-test"))));
    const glue = JSON.parse(
      execFileSync("python3", [path.join(PROJECT_ROOT, "glue", "tests", "read_exports.py"), "customers", ...files], {
        encoding: "utf8",
        env: { ...process.env, LAKE_PLAN: planFile, PYTHONDONTWRITEBYTECODE: "1" },
        maxBuffer: 256 << 20,
      }),
    ) as Reading[];
    const instance = await DuckDBInstance.create(":memory:");
    const db = await instance.connect();
    const differences: string[] = [];
    const kinds = { refused: 0, failed: 0, accepted: 0 };
    for (const [i, file] of files.entries()) {
      const expected = await local(db, file, i);
      const actual = glue[i]!;
      // The load, not the reader, adds these two warnings.
      actual.warnings = actual.warnings?.filter((w) => !w.includes("kept in raw only") && !w.endsWith("header only, no data rows"));
      if (expected.error !== undefined) kinds.failed++;
      kinds.refused += expected.refused?.length ?? 0;
      kinds.accepted += expected.accepted?.length ?? 0;
      for (const key of Object.keys(expected) as (keyof Reading)[]) {
        if (JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) {
          differences.push(`${expected.file} (${exports[i]!.traits.join(", ") || "clean"}) ${key}:\n  local ${JSON.stringify(expected[key])}\n  glue  ${JSON.stringify(actual[key])}`);
        }
      }
    }
    db.closeSync();
    instance.closeSync();
    expect(differences.slice(0, 5).join("\n"), `${differences.length} differences`).to.equal("");
    // The corpus is hostile enough to mean something.
    expect(kinds.failed).to.be.greaterThan(20);
    expect(kinds.refused).to.be.greaterThan(200);
    expect(kinds.accepted).to.be.greaterThan(1000);
    expect(new Set(exports.flatMap((e) => e.traits)).size).to.be.greaterThan(12);
  });
});
