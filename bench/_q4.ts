import { loadContracts } from "../src/model/contracts";
import { ruleFileProblems } from "../src/model/rules";
const contracts = loadContracts();
const base = { severity: "error", description: "test rule" };
console.log(ruleFileProblems("/rules/transactions.json", { dataset: "transactions", rules: [
      { id: "Bad Id", kind: "not_null", column: "transaction_id", ...base },
      { id: "t.2", kind: "unique", column: "transaction_id", ...base },
      { id: "t.3", kind: "nonsense", ...base },
      { id: "t.4", kind: "range", column: "price", ...base },
      { id: "t.5", kind: "not_null", column: "price", severity: "fatal", description: "x", threshold: 2 },
      { id: "x", kind: "not_null", column: "provider", ...base }
    ]}, contracts).join("\n"));
console.log(ruleFileProblems("/rules/transactions.json", { dataset: "transactions", rules: [
      { id: "a", kind: "not_null", column: "price", where: { column: "transaction_type" }, ...base },
      { id: "b", kind: "not_null", column: "price", where: { column: "transaction_type", equals: "buy", in: ["sell"] }, ...base },
      { id: "c", kind: "not_null", column: "price", where: [{ column: "transaction_type", equls: "buy" }], ...base },
    ]}, contracts).join("\n"));
