import { Contract, loadContracts, parseContract } from "../../src/model/contracts";
import { RuleSet, parseRuleSet } from "../../src/model/rules";

/**
 * Rule sets that stress every DQDL literal: date- and time-shaped strings, NULL, quotes,
 * backslashes, unicode, exponent-sized and tiny numbers, in lists, comparisons, regexes, `where`
 * filters and custom SQL. Shared by test/quality/dqdl.test.ts and by the check against the official
 * grammar's generated parser run outside the repository (docs/quality-rules.md says how).
 */

/** A dataset with a column of every type the contracts know. */
export const readingsContract: Contract = parseContract("/contracts/readings.json", {
  name: "readings",
  version: "1.0.0",
  description: "Meter readings of every column type.",
  file_names: ["readings"],
  key: ["reading_id"],
  columns: [
    { name: "reading_id", type: "string", required: true },
    { name: "label", type: "string" },
    { name: "meter_count", type: "integer" },
    { name: "amount", type: "decimal(38,12)" },
    { name: "read_on", type: "date" },
    { name: "read_at", type: "timestamp" },
    { name: "estimated", type: "boolean" },
  ],
});

export const caseContracts = (): Contract[] => [...loadContracts(), readingsContract];

/** Strings a DQDL writer can get wrong, one per trap. */
export const HOSTILE_STRINGS: readonly string[] = [
  "2024-01-01", "1999-12-31", "12:30", "1:30 PM", "11:59 AM", "00:00",
  "2024-01-01x", " 2024-01-01", "12:30:00",
  'say "hi"', "O'Brien", "back\\slash", "ends with \\", "\\", '\\"', '"', "\\\\\"",
  "NULL", "null", "EMPTY", "whitespaces_only", "in", "where", "labels=[]", "with threshold > 0",
  "# not a comment", "line\nbreak", "carriage\rreturn", "tab\tstop",
  "ñandú", "Łódź", "日本語", "emoji 🙂", "\u2028", "a,b", "[x]", "$var", "",
];

const base = { severity: "error", description: "adversarial rule" };

function readingRules(values: readonly string[]): RuleSet {
  return parseRuleSet("/rules/readings.json", {
    dataset: "readings",
    rules: [
      { id: "strings.in", kind: "accepted_values", column: "label", values: [...values], ...base },
      { id: "strings.in.threshold", kind: "accepted_values", column: "label", values: ["2024-01-01", "12:30"], threshold: 0.3, ...base },
      { id: "where.strings", kind: "not_null", column: "label", where: { column: "label", in: [...values] }, ...base },
      { id: "integers.in", kind: "accepted_values", column: "meter_count", values: [0, -5, 9007199254740991], ...base },
      { id: "decimals.in", kind: "accepted_values", column: "amount", values: [1e21, 1.5e-7, -0.000001, 123.456, 5e-324], ...base },
      { id: "dates.in", kind: "accepted_values", column: "read_on", values: ["2024-01-01", "1999-12-31"], ...base },
      { id: "timestamps.in", kind: "accepted_values", column: "read_at", values: ["2024-05-01 13:45:00", "2024-05-01"], ...base },
      { id: "booleans.in", kind: "accepted_values", column: "estimated", values: [true], ...base },
      { id: "range.decimal", kind: "range", column: "amount", min: -1e-9, max: 1e21, ...base },
      { id: "range.decimal.threshold", kind: "range", column: "amount", min: 0.1, max: 1e22, threshold: 0.000001, ...base },
      { id: "range.integer", kind: "range", column: "meter_count", min: -9007199254740991, max: 9007199254740991, ...base },
      { id: "range.date", kind: "range", column: "read_on", min: "2000-01-01", max: "2099-12-31", where: { column: "read_at", equals: "2024-05-01 13:45:00" }, ...base },
      { id: "range.timestamp", kind: "range", column: "read_at", min: "2000-01-01", ...base },
      { id: "pattern.digits", kind: "pattern", column: "reading_id", pattern: "R\\d+", ...base },
      { id: "pattern.quotes", kind: "pattern", column: "label", pattern: '[\\\\"]+"\\.', ...base },
      { id: "pattern.escaped-quote", kind: "pattern", column: "label", pattern: '\\\\"|"', ...base },
      { id: "pattern.unicode", kind: "pattern", column: "label", pattern: "ñ+|#|\\p{L}", ...base },
      { id: "pattern.threshold", kind: "pattern", column: "label", pattern: "a\\\\b", threshold: 0.5, where: { column: "label", equals: "O'Brien" }, ...base },
      { id: "pattern.integer", kind: "pattern", column: "meter_count", pattern: "[0-9]{1,3}", ...base },
      { id: "type.where", kind: "type", column: "amount", where: [{ column: "amount", in: [1e21, -1.5e-7] }, { column: "estimated", equals: false }], threshold: 0.3, ...base },
      { id: "unique.threshold", kind: "unique", columns: ["label", "read_on"], threshold: 0.01, where: { column: "read_on", equals: "2024-02-29" }, ...base },
      { id: "freshness.where", kind: "freshness", column: "read_at", max_age_days: 3, where: { column: "label", equals: 'say "hi" \\ O\'Brien' }, ...base },
      { id: "completeness.where", kind: "completeness", column: "read_on", min_ratio: 0.999999, where: { column: "meter_count", equals: 0 }, ...base },
      { id: "row_count.big", kind: "row_count", min: 0, max: 1000000000000000, where: { column: "label", equals: "12:30" }, ...base },
      { id: "not_null.threshold", kind: "not_null", column: "reading_id", threshold: 0.3, ...base },
    ],
  }, caseContracts());
}

/** The adversarial rule sets, with descriptions that would break a naive comment too. */
export function adversarialRuleSets(): RuleSet[] {
  const transactions = parseRuleSet("/rules/transactions.json", {
    dataset: "transactions",
    rules: [
      { id: "t.where.quote", kind: "range", column: "price", min: -10, max: 10.25, where: { column: "counterparty_id", equals: "O'Brien" }, severity: "warn", description: "multi-line\ndescription # with a hash\r\nand more" },
      { id: "t.references", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id" }], threshold: 0.1, ...base },
      { id: "t.references.when", kind: "references", column: "counterparty_id", targets: [{ dataset: "providers", column: "provider_id", when: { column: "transaction_type", equals: "buy" } }, { dataset: "customers", column: "customer_id", when: { column: "transaction_type", in: ["sell"] } }], ...base },
      { id: "t.unique", kind: "unique", columns: ["transaction_id"], ...base },
      { id: "t.completeness", kind: "completeness", column: "transaction_date", min_ratio: 0.9, ...base },
    ],
  }, caseContracts());
  return [readingRules(HOSTILE_STRINGS), transactions];
}

/** A seeded stream of strings drawn from the characters and shapes DQDL's lexer treats specially. */
export function hostileStrings(seed: number, count: number): string[] {
  let state = seed >>> 0;
  const next = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const pieces = ['"', "\\", "\\\\", '\\"', "-", ":", " ", "#", "\n", "\r", "\t", "'", "`", ",", "[", "]", "=", "2024", "01", "12", "30", " PM", " AM", "NULL", "in", "ñ", "🙂", "a", "Z", "0", "$", "%", "_", "\u2028", "\u0085"];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const shape = next(6);
    if (shape === 0) out.push(`${2000 + next(100)}-${String(1 + next(12)).padStart(2, "0")}-${String(1 + next(28)).padStart(2, "0")}`);
    else if (shape === 1) out.push(`${next(13)}:${String(next(60)).padStart(2, "0")}${next(2) === 0 ? " PM" : ""}`);
    else out.push(Array.from({ length: 1 + next(8) }, () => pieces[next(pieces.length)]).join(""));
  }
  return out;
}

/** Numbers whose text DQDL gets wrong when written with String(): exponents, tiny and huge values. */
export const HOSTILE_NUMBERS: readonly number[] = [0, -0, 1, -1, 0.1, 0.7, 1 - 0.7, 1e21, 1.5e21, 1e-7, 1.5e-7, -2.5e-10, 123456789.123456, 9007199254740993, 5e-324, 1.7976931348623157e308, 0.000001, 1e300];

