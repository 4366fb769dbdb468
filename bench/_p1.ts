import { DuckDBInstance } from "@duckdb/node-api";
import { loadContracts } from "../src/model/contracts";
import { loadRuleSets } from "../src/model/rules";
import { compileChecks } from "../src/quality/sql";
import { localCheckTarget as duckdbTarget } from "../src/quality/targets";
(async () => {
  const contracts = loadContracts();
  const rs = loadRuleSets(contracts).find(r => r.dataset === "transactions")!;
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  const q = compileChecks(rs, contracts, duckdbTarget("/tmp/benchlake1m"), "2024-05-01").queries[0].sql;
  const r = await c.runAndReadAll("EXPLAIN ANALYZE " + q);
  console.log(r.getRows().map(x => x[1]).join("\n"));
})();
