import { expect } from "chai";
import { loadContracts, parseContract } from "../../src/model/contracts";
import { ruleFileProblems } from "../../src/model/rules";
import { generalisePattern } from "../../src/profile/patterns";
import { roundOutward, ruleFileJson, suggestRules, SuggestedRule } from "../../src/profile/suggest";
import type { ColumnProfile, DatasetProfile, LakeProfile, Shapes } from "../../src/profile/types";

const contracts = loadContracts();

const shapes = (level: Shapes["level"], ...list: [string, number][]): Shapes => ({ level, distinct: list.length, complete: true, top: list.map(([shape, count]) => ({ shape, count })) });

/** A column profile of `rows` rows, all present and typed, unless told otherwise. */
function column(name: string, rows: number, overrides: Partial<ColumnProfile> = {}): ColumnProfile {
  const present = overrides.present ?? rows;
  return {
    name, in_contract: true, type: "string", masked: false, enum: false, in_files: 1, rows, nulls: rows - present, blanks: 0, present,
    null_ratio: (rows - present) / rows, blank_ratio: 0, typed: null, conformity: null, nonconforming: [], distinct: present, min: null, max: null,
    length: { min: 4, max: 7 }, characters: { digits: 1, upper: 1, lower: 0, space: 0, punctuation: 0, non_ascii: 0 }, spellings: null, top_values: [],
    shapes: shapes("letters", ["X999", present]), loads: [{ load_date: "2026-05-01", rows, present, distinct: present }], key_candidate: false, checked_by: [],
    ...overrides,
  };
}

function dataset(name: string, rows: number, columns: ColumnProfile[], extra: Partial<DatasetProfile> = {}): DatasetProfile {
  const contract = contracts.find((c) => c.name === name)!;
  return {
    name, key: contract.key, rows, unparsable: 0, columns, key_candidates: [], reference_candidates: [], seconds: 0,
    loads: [{ load_date: "2026-05-01", files: 1, records: rows, unparsable: 0, rows, key_present: rows, key_distinct: rows }],
    ...extra,
  };
}

const lakeProfile = (...datasets: DatasetProfile[]): LakeProfile => ({ profile_version: 1, generated_at: "2026-05-01T06:00:00Z", lake: "/lake", load_dates: ["2026-05-01"], datasets, duration_seconds: 1 });

function suggested(profile: LakeProfile, history?: Map<string, { load_date: string; rows: number }[]>): Map<string, SuggestedRule> {
  const files = suggestRules(profile, contracts, history);
  for (const f of files) expect(ruleFileProblems(`${f.dataset}.json`, JSON.parse(ruleFileJson(f, "rules.schema.json")), contracts), f.dataset).to.deep.equal([]);
  return new Map(files.flatMap((f) => f.rules).map((r) => [r.id, r]));
}

describe("patterns generalised from shapes", () => {
  const pattern = (level: Shapes["level"], ...list: string[]) => generalisePattern(shapes(level, ...list.map((s) => [s, 1] as [string, number])));

  it("lets digit runs take any width, so C001 and C000101 fit one pattern", () => {
    expect(pattern("letters", "C999", "C999999")).to.equal("C[0-9]+");
    expect(pattern("letters", "99/99/9999")).to.equal("[0-9]+/[0-9]+/[0-9]+");
  });

  it("merges alternatives that differ by one letter into a class, and keeps at most three alternatives", () => {
    expect(pattern("letters", "C999999", "P9999")).to.equal("[CP][0-9]+");
    expect(pattern("classes", "999999999", "999999999-9", "AA9999999")).to.equal("[0-9]+|[0-9]+-[0-9]+|[A-Z]+[0-9]+");
    expect(pattern("letters", "A9", "9-A", "A.9", "A/9")).to.equal(undefined);
  });

  it("writes regex metacharacters as one-character classes and gives up on characters it cannot write plainly", () => {
    expect(pattern("letters", "999.99")).to.equal("[0-9]+[.][0-9]+");
    expect(pattern("letters", "A\\9")).to.equal(undefined);
    expect(pattern("letters", "[99]")).to.equal(undefined);
    expect(generalisePattern({ ...shapes("letters", ["C999", 1]), complete: false })).to.equal(undefined);
  });
});

describe("rules suggested from a profile", () => {
  it("rounds bounds outward to two significant digits", () => {
    expect(roundOutward(1187.5, "up", false)).to.equal(1200);
    expect(roundOutward(37.5, "down", false)).to.equal(37);
    expect(roundOutward(-1125, "down", true)).to.equal(-1200);
    expect(roundOutward(0.0123, "up", false)).to.equal(0.013);
  });

  it("makes errors of what the contract declares, warnings of what the data suggests", () => {
    const rows = 1000;
    const rules = suggested(lakeProfile(dataset("customers", rows, [
      column("customer_id", rows, { key_candidate: true, present: 998, shapes: shapes("letters", ["C999", 900], ["C999999", 98]) }),
      column("id_type", rows, { enum: true, typed: rows, top_values: [{ value: "cc", count: 700 }, { value: "ti", count: 300 }] }),
      column("id_number", rows, { masked: true, top_values: null, key_candidate: true, shapes: shapes("classes", ["999999999", 600], ["999999999-9", 400]) }),
      column("customer_name", rows, { masked: true, top_values: null, characters: { digits: 0, upper: 1, lower: 1, space: 1, punctuation: 0, non_ascii: 0.3 }, shapes: shapes("classes", ["Aaaa Aaaa", rows]) }),
      column("city", rows, { present: 950, distinct: 4, top_values: [{ value: "Cali", count: 500 }, { value: "Bogotá", count: 300 }, { value: "Pasto", count: 100 }, { value: "Neiva", count: 50 }], loads: [{ load_date: "2026-05-01", rows, present: 950, distinct: 4 }] }),
      column("segment", rows, { present: 0 }),
    ])));
    expect(rules.get("customers.customer_id.not_null")).to.deep.include({ severity: "error" });
    expect(rules.get("customers.customer_id.not_null")?.description).to.match(/^Missing in 2 of the 1,000 rows of load 2026-05-01; the contract requires it\.$/);
    expect(rules.get("customers.customer_id.unique")).to.deep.include({ severity: "error", columns: ["customer_id"] });
    expect(rules.get("customers.customer_id.pattern")).to.deep.include({ pattern: "C[0-9]+", severity: "warn" });
    expect(rules.get("customers.id_type.accepted_values")).to.deep.include({ severity: "error", values: ["cc", "ce", "nit", "ti", "rc", "te", "passport", "dni", "pep", "ppt", "nuip"] });
    expect(rules.get("customers.id_number.not_null")).to.deep.include({ severity: "warn" });
    expect(rules.get("customers.id_number.unique")).to.deep.include({ severity: "warn" });
    expect(rules.get("customers.id_number.pattern")).to.deep.include({ pattern: "[0-9]+|[0-9]+-[0-9]+" });
    expect(rules.has("customers.customer_name.pattern"), "free text gets no pattern").to.equal(false);
    expect(rules.has("customers.customer_name.unique")).to.equal(false);
    // city is required by the contract: not_null is an error even though 5% were missing; its few values are a warning list.
    expect(rules.get("customers.city.not_null")).to.deep.include({ severity: "error" });
    expect(rules.get("customers.city.accepted_values")).to.deep.include({ severity: "warn", values: ["Bogotá", "Cali", "Neiva", "Pasto"] });
    expect([...rules.keys()].filter((id) => id.startsWith("customers.segment")), "an absent column gets no rule").to.deep.equal([]);
  });

  it("bounds numbers by sign (an error) and by magnitude with a margin (a warning), and only with enough values", () => {
    const rows = 200;
    const rules = suggested(lakeProfile(dataset("transactions", rows, [
      column("quantity_kwh", rows, { type: "decimal(18,3)", typed: rows, min: 50, max: 2_000_000 }),
      column("price", rows, { type: "decimal(18,4)", typed: rows, min: -150, max: 950 }),
      column("transaction_date", rows, { type: "date", typed: rows, min: "2025-01-03", max: "2025-12-30" }),
    ]), dataset("providers", 12, [column("capacity_mw", 12, { type: "decimal(12,3)", typed: 12, min: 5, max: 2400 })])));
    expect(rules.get("transactions.quantity_kwh.type")).to.deep.include({ severity: "error" });
    expect(rules.get("transactions.quantity_kwh.non_negative")).to.deep.include({ kind: "range", min: 0, severity: "error" });
    expect(rules.get("transactions.quantity_kwh.range")).to.deep.include({ max: 2_500_000, severity: "warn" });
    expect(rules.get("transactions.quantity_kwh.range")).to.not.have.property("min");
    expect(rules.has("transactions.price.non_negative")).to.equal(false);
    expect(rules.get("transactions.price.range")).to.deep.include({ min: -430, max: 1300 });
    expect(rules.get("transactions.transaction_date.range")).to.deep.include({ min: "2024-01-01", severity: "warn" });
    expect(rules.get("transactions.transaction_date.range")).to.not.have.property("max");
    expect(rules.get("providers.capacity_mw.non_negative")).to.deep.include({ severity: "error" });
    expect(rules.has("providers.capacity_mw.range"), "12 values are too few to bound").to.equal(false);
  });

  it("bounds no identifier, takes no measured number for one, and lists no values of a column that references another dataset, nor calls it unique", () => {
    const rows = 500;
    const counterparties = Array.from({ length: 5 }, (_, i) => ({ value: `P00${i + 1}`, count: 100 }));
    const rules = suggested(lakeProfile(dataset("transactions", rows, [
      column("quantity_kwh", rows, { type: "decimal(18,3)", typed: rows, min: 1, max: 500, key_candidate: true }),
      column("counterparty_id", rows, { distinct: 5, top_values: counterparties }),
    ], { reference_candidates: [{ form: "all", column: "counterparty_id", rows, target: { dataset: "providers", column: "provider_id", found: rows } }] }),
    ));
    // Every quantity distinct does not make quantities keys: they are still bounded, and not unique.
    expect(rules.get("transactions.quantity_kwh.range")).to.deep.include({ max: 630 });
    expect(rules.has("transactions.quantity_kwh.unique")).to.equal(false);
    expect(rules.has("transactions.counterparty_id.accepted_values")).to.equal(false);
    // Unique in a small load (every counterparty traded once) is still a reference, not a key.
    const fewTrades = suggested(lakeProfile(dataset("transactions", 12, [column("counterparty_id", 12, { key_candidate: true, shapes: shapes("letters", ["C999999", 7], ["P9999", 5]) })],
      { reference_candidates: [{ form: "all", column: "counterparty_id", rows: 12, target: { dataset: "customers", column: "customer_id", found: 12 } }] })));
    expect(fewTrades.has("transactions.counterparty_id.unique")).to.equal(false);
    expect(fewTrades.has("transactions.counterparty_id.references")).to.equal(true);
    // An integer key of a contract of another shape: not bounded above, since the next load's ids are larger.
    const readings = parseContract("/model/readings.json", {
      name: "readings", version: "1.0.0", description: "Meter readings.", file_names: ["readings"], key: ["reading_id"],
      columns: [{ name: "reading_id", type: "integer" }, { name: "meter", type: "integer" }],
    });
    const model = [...contracts, readings];
    const readingRules = suggestRules(lakeProfile({ ...dataset("customers", rows, [
      column("reading_id", rows, { type: "integer", typed: rows, min: 1, max: 500, key_candidate: true }),
      column("meter", rows, { type: "integer", typed: rows, min: 1, max: 40, distinct: 40 }),
    ]), name: "readings", key: ["reading_id"] }), model)[0].rules.map((r) => r.id);
    expect(readingRules).to.include.members(["readings.reading_id.non_negative", "readings.meter.range"]);
    expect(readingRules).to.not.include("readings.reading_id.range");
    expect(rules.get("transactions.counterparty_id.references")).to.deep.include({ targets: [{ dataset: "providers", column: "provider_id" }] });
  });

  it("references the key a column's values were found in, per condition value when each has its own target", () => {
    const rows = 100;
    const rules = suggested(lakeProfile(dataset("transactions", rows, [column("counterparty_id", rows)], {
      reference_candidates: [{
        form: "conditional", column: "counterparty_id", rows, condition: "transaction_type",
        branches: [
          { value: "buy", rows: 40, target: { dataset: "providers", column: "provider_id", found: 40 } },
          { value: "sell", rows: 60, target: { dataset: "customers", column: "customer_id", found: 59 } },
        ],
      }],
    })));
    const rule = rules.get("transactions.counterparty_id.references");
    expect(rule).to.deep.include({
      severity: "error",
      targets: [
        { when: { column: "transaction_type", equals: "buy" }, dataset: "providers", column: "provider_id" },
        { when: { column: "transaction_type", equals: "sell" }, dataset: "customers", column: "customer_id" },
      ],
    });
    expect(rule?.description).to.include("when transaction_type is sell, 59 of 60 (98.33%) name a customers.customer_id");
  });

  it("suggests at least one row per load, and a row count band on a baseline of earlier loads, with fixed bounds from three loads of history or more", () => {
    const profile = lakeProfile(dataset("providers", 10, [column("provider_id", 10)]));
    const baseline = { loads: 10, min_loads: 3, statistic: "median", min_factor: 0.5, max_factor: 2 };
    const fromOne = suggested(profile).get("providers.row_count_band");
    expect(fromOne).to.deep.include({ kind: "row_count", severity: "warn", baseline });
    expect(fromOne).to.not.have.any.keys("min", "max");
    expect(fromOne?.description).to.match(/^The load seen had 10 rows, too few loads for a band \(3 needed\)/);
    const history = new Map([["providers", [{ load_date: "2026-04-29", rows: 8 }, { load_date: "2026-04-30", rows: 12 }, { load_date: "2026-05-01", rows: 10 }]]]);
    const rules = suggested(profile, history);
    expect(rules.get("providers.row_count")).to.deep.include({ min: 1, severity: "error" });
    expect(rules.get("providers.row_count_band")).to.deep.include({ min: 4, max: 24, severity: "warn", baseline });
    expect(rules.get("providers.row_count_band")?.description).to.include("8 to 12, median 10");
  });

  it("asks completeness of an optional column from its lowest load, less a margin, and nothing of one too sparse to bound", () => {
    const rows = 200;
    const twoLoads = (present: [number, number]) => [
      { load_date: "2026-04-30", rows: 100, present: present[0], distinct: present[0] },
      { load_date: "2026-05-01", rows: 100, present: present[1], distinct: present[1] },
    ];
    const rules = suggested({ ...lakeProfile(dataset("transactions", rows, [
      column("energy_type", rows, { present: 170, enum: true, typed: 170, loads: twoLoads([90, 80]) }),
      column("transaction_date", rows, { present: rows, type: "date", typed: rows, min: "2025-01-01", max: "2025-12-31" }),
    ], { loads: [
      { load_date: "2026-04-30", files: 1, records: 100, unparsable: 0, rows: 100, key_present: 100, key_distinct: 100 },
      { load_date: "2026-05-01", files: 1, records: 100, unparsable: 0, rows: 100, key_present: 100, key_distinct: 100 },
    ] })), load_dates: ["2026-04-30", "2026-05-01"] });
    expect(rules.get("transactions.energy_type.completeness")).to.deep.include({ min_ratio: 0.75, severity: "warn", baseline: { loads: 10, min_loads: 3, statistic: "min", min_factor: 0.9 } });
    expect(rules.get("transactions.energy_type.completeness")?.description).to.include("(lowest load 80%, highest 90%)");
    expect(rules.has("transactions.energy_type.not_null")).to.equal(false);
    // Optional but present in every row: not_null, as a warning since the contract does not require it.
    expect(rules.get("transactions.transaction_date.not_null")).to.deep.include({ severity: "warn" });
    const sparse = suggested(lakeProfile(dataset("transactions", 100, [column("energy_type", 100, { present: 4, enum: true, typed: 4, loads: [{ load_date: "2026-05-01", rows: 100, present: 4, distinct: 2 }] })])));
    expect(sparse.has("transactions.energy_type.completeness")).to.equal(false);
  });

  it("writes one rule per line, like the shipped files", () => {
    const [file] = suggestRules(lakeProfile(dataset("providers", 10, [column("provider_id", 10)])), contracts);
    const text = ruleFileJson(file, "../quality-rules/rules.schema.json");
    const lines = text.split("\n");
    expect(lines.slice(0, 4)).to.deep.equal(["{", '  "$schema": "../quality-rules/rules.schema.json",', '  "dataset": "providers",', lines[3]]);
    expect(lines.filter((l) => l.startsWith('    { "id": '))).to.have.length(file.rules.length);
    expect(JSON.parse(text).rules).to.deep.equal(file.rules);
  });
});
