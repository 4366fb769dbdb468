import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { runLoad } from "../../src/pipeline/load";
import { query, tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const HEADER = "customer_id,id_type,customer_name,city\n";
const customers = (...ids: string[]) => HEADER + ids.map((id) => `${id},cc,Ana,Cali\n`).join("");
const load = (input: string, lake: string, loadDate: string) => runLoad({ inputDir: input, lakeDir: lake, loadDate, contracts });
const curatedIds = async (lake: string) =>
  (await query(`SELECT customer_id FROM read_parquet('${lake.replace(/[*?[]/g, (c) => `[${c}]`)}/curated/customers/data.parquet') ORDER BY 1`)).map((r) => r.customer_id);

describe("file paths given to DuckDB are never glob patterns", () => {
  it("an input named clientes_*.csv is read once, not as a pattern over its siblings", async () => {
    const input = writeFiles(tempDir("in"), { "clientes_*.csv": customers("C1", "C2"), "clientes_1.csv": customers("C3", "C4", "C5"), "clientes_?.csv": customers("C6"), "clientes_[1].csv": customers("C7") });
    const lake = tempDir("lake");
    const result = await load(input, lake, "2024-05-01");
    expect(result.datasets[0].rows).to.include({ raw: 7, processed: 7, quarantined: 0 });
    expect(await curatedIds(lake)).to.deep.equal(["C1", "C2", "C3", "C4", "C5", "C6", "C7"]);
  });

  for (const name of ["lake*", "lake?", "lake[1]"]) {
    it(`a lake under "${name}" reads only its own files, not a sibling lake's`, async () => {
      const parent = tempDir("parent");
      const sibling = path.join(parent, "lake1");
      const hostile = path.join(parent, name);
      await load(writeFiles(tempDir("in"), { "clientes.csv": customers("S1", "S2") }), sibling, "2024-05-01");
      // Two loads, so the second merges into curated (reads the lake's files) and the check reads every layer.
      await load(writeFiles(tempDir("in"), { "clientes.csv": customers("H1") }), hostile, "2024-05-01");
      const second = await load(writeFiles(tempDir("in"), { "clientes.csv": customers("H2") }), hostile, "2024-05-02");
      expect(second.datasets[0].rows).to.include({ raw: 1, processed: 1, curated: 2 });
      expect(await curatedIds(hostile)).to.deep.equal(["H1", "H2"]);
      const report = await checkLoad({ lakeDir: hostile, loadDate: "2024-05-02", contracts, ruleSets: loadRuleSets(contracts) });
      expect(report.datasets[0].rows).to.include({ raw: 1, processed: 1, quarantined: 0, curated: 2 });
      expect(fs.existsSync(path.join(hostile, "curated/customers/data.parquet"))).to.equal(true);
    });
  }
});
