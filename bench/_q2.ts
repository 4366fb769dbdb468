import { DuckDBInstance } from "@duckdb/node-api";
import { loadContracts } from "../src/model/contracts";
import { loadRuleSets } from "../src/model/rules";
import { duckdbTarget } from "../src/sql/batch-source";
import { runChecks } from "../src/quality/engine";
import { compileChecks } from "../src/quality/sql";
import * as f from "../test/quality/lake-fixture";
(async () => {
  const contracts = loadContracts();
  const ruleSets = loadRuleSets(contracts);
  const lake = f.tempLake();
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  await f.writeReferenceData(c, lake, contracts);
  await f.writeDefectiveTransactions(c, lake, contracts);
  const target = duckdbTarget(lake);
  const cc = compileChecks(ruleSets[2], contracts, target, f.LOAD_DATE);
  console.log(cc.queries.map(q => q.sql).join("\n\n"));
  const res = await runChecks({ connection: c, target, contracts, ruleSets, loadDate: f.LOAD_DATE });
  for (const d of res) { console.log(d.dataset, d.queries); for (const r of d.rules) console.log(r.status.padEnd(5), r.id.padEnd(50), r.failed, r.total, r.observed, JSON.stringify(r.sample), r.message ?? ""); }
})();
