import { DuckDBInstance } from "@duckdb/node-api";
import { loadContracts } from "../src/model/contracts";
import { parseRuleSet } from "../src/model/rules";
import { duckdbTarget } from "../src/sql/batch-source";
import { compileChecks } from "../src/quality/sql";
import * as f from "../test/quality/lake-fixture";
(async () => {
  const contracts = loadContracts();
  const lake = f.tempLake();
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  await f.writeReferenceData(c, lake, contracts);
  await f.writeDefectiveTransactions(c, lake, contracts);
  const rs = parseRuleSet("/x/transactions.json", { dataset: "transactions", rules: [{ id: "a", kind: "not_null", column: "price", severity: "error", description: "d" }] }, contracts);
  const cc = compileChecks(rs, contracts, duckdbTarget(lake), f.LOAD_DATE, { sampleSize: 0 });
  const r = await c.runAndReadAll("EXPLAIN (FORMAT json) " + cc.queries[0].sql);
  console.log(r.getRows().map(x => x[1]).join("\n"));
})();
