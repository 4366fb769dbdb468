import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { runAndCheck } from "../../src/cli/commands/run";
import { failureOf } from "../../src/errors";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { readLoadRecords } from "../../src/pipeline/load";
import { partFiles } from "../../src/pipeline/layout";
import { readParquet } from "../../src/sql/batch-source";
import { hostileExports } from "../glue/hostile-exports";
import { query, tempDir } from "../support/lake";
import { quietly } from "../support/quietly";
import { exportText, recordLines } from "../support/record-count";

/**
 * The conservation property (issue 7), over seeded hostile inputs: exports from the reader parity
 * test's generator (encodings, quoting, ragged rows, null markers, repeated headers, BOMs, NULs,
 * line breaks) under names with glob and shell characters, loaded into lakes whose paths have
 * them too. For every run: exit 0, 1 or 2, never 3; when loaded, raw equals an independent count
 * of the input's records (test/support/record-count.ts), raw = processed + quarantined counted
 * from the files, and every row in the lake is a record of the input, each exactly once.
 */

const SEED = 20261201;
const CASES = 30;
const FILE_NAMES = ["clientes_*.csv", "clientes_?.csv", "clientes_[1].csv", "clientes_$(id).csv", "clientes_;ls.csv", "clientes_'\"`.csv", "clientes_ a b.csv", "clientes_{1,2}.csv", "clientes_\\x.csv", "clientes_%s.csv"];
const LAKE_NAMES = ["lake*", "lake?", "lake[1]", "la ke", "$(touch pwned)", "lake;rm", "l'a\"ke", "lake{a,b}", "la\\ke", "lake~"];

describe("conservation property: seeded hostile inputs, names and lake paths", function () {
  this.timeout(600_000);

  it(`${CASES} loads: exit 0/1/2 never 3, raw equal to an independent count, raw = processed + quarantined, no row not in the input`, async () => {
    const exports = hostileExports(SEED, CASES * 2);
    const model = { contractsDir: path.join(PROJECT_ROOT, "contracts"), rulesDir: path.join(PROJECT_ROOT, "quality-rules") };
    const seen = { loaded: 0, refused: 0 };
    for (let n = 0; n < CASES; n++) {
      const files = exports.slice(n * 2, n * 2 + 1 + (n % 2));
      const input = tempDir("property-in");
      const names = files.map((_, i) => FILE_NAMES[(n + i * 3) % FILE_NAMES.length]);
      files.forEach((f, i) => fs.writeFileSync(path.join(input, names[i]), f.bytes));
      const lake = path.join(tempDir("property-lake"), LAKE_NAMES[n % LAKE_NAMES.length]);
      const what = `case ${n} (seed ${SEED}): ${names.map((name, i) => `${name} [${files[i].traits.join(", ")}]`).join("; ")} into ${lake}`;

      const out = path.join(tempDir("property-out"), "report.json");
      const outcome = await quietly(() => runAndCheck({ input, lake, loadDate: "2024-05-01", format: "json", out, ...model, checks: true })).then(
        (exit) => ({ exit, message: "" }),
        (err: unknown) => ({ exit: failureOf(err).exitCode, message: failureOf(err).message }),
      );
      expect(outcome.exit, `${what}: ${outcome.message}`).to.be.oneOf([0, 1, 2]);
      if (outcome.exit === 2) {
        // Refused before anything was loaded (a header problem): the message names a file of the input.
        expect(names.some((name) => outcome.message.includes(name)), `${what}: ${outcome.message}`).to.equal(true);
        seen.refused++;
        continue;
      }
      seen.loaded++;
      const [record] = readLoadRecords(lake, "2024-05-01");
      const expectedLines = new Map(
        record.files.map((f) => {
          const i = names.indexOf(path.basename(f.source));
          return [path.basename(f.raw_path), recordLines(exportText(files[i].bytes), f.delimiter)];
        }),
      );
      const raw = record.files.reduce((sum, f) => sum + f.records, 0);
      expect(raw, `${what}: raw against the independent count`).to.equal([...expectedLines.values()].reduce((sum, lines) => sum + lines.length, 0));

      const layer = (name: string) => path.join(lake, name, "customers", "load_date=2024-05-01");
      const rows = async (dir: string) =>
        partFiles(dir).length > 0 ? await query(`SELECT _source_file, CAST(_row AS INTEGER) AS line FROM ${readParquet(partFiles(dir))}`) : [];
      const lakeRows = [...(await rows(layer("processed"))), ...(await rows(layer("quarantine")))];
      const report = JSON.parse(fs.readFileSync(out, "utf8")) as { datasets: { rows: { raw: number; processed: number; quarantined: number; reconciled: boolean } }[] };
      expect(report.datasets[0].rows.raw, what).to.equal(raw);
      expect(report.datasets[0].rows.processed + report.datasets[0].rows.quarantined, `${what}: raw = processed + quarantined`).to.equal(raw);
      expect(report.datasets[0].rows.reconciled, what).to.equal(true);
      // Each record of the input once, and nothing else.
      const found = lakeRows.map((r) => `${r._source_file}:${r.line}`).sort();
      const expected = [...expectedLines].flatMap(([file, lines]) => lines.map((line) => `${file}:${line}`)).sort();
      expect(found, `${what}: the lake's rows are the input's records`).to.deep.equal(expected);
    }
    expect(seen.loaded, "cases loaded").to.be.greaterThan(CASES / 2);
  });
});
