import { loadContracts } from "../src/model/contracts";
import { loadRuleSets } from "../src/model/rules";
import { compileDqdl, dqdlReferenceSources } from "../src/quality/dqdl";
import { compileAthenaVerification } from "../src/quality/sql";
import { TrinoSQL } from "dt-sql-parser";
const contracts = loadContracts();
const rs = loadRuleSets(contracts);
console.log(compileDqdl(rs[2], contracts));
console.log(JSON.stringify(dqdlReferenceSources(rs[2])));
const p = new TrinoSQL();
for (const r of rs) for (const sql of [...compileAthenaVerification(r, contracts, { processedDatabase: "lake_processed", quarantineDatabase: "lake_quarantine" }, "?"), ...compileAthenaVerification(r, contracts, { processedDatabase: "lake_processed", quarantineDatabase: "lake_quarantine" }, "2024-05-01")]) { const e = p.validate(sql); console.log(r.dataset, e.length, JSON.stringify(e).slice(0, 300)); }
