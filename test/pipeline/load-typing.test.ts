import { expect } from "chai";
import { Contract, parseContract } from "../../src/model/contracts";
import { duckdb as d } from "../../src/sql/dialect";
import { ColumnLookup, loadRowsSql, lookupTableSql, rowProblemsSql, typedViewSql } from "../../src/sql/typed-view";
import { query } from "../support/lake";

/**
 * The load types a batch through loadRowsSql, some columns by lookup of their distinct values
 * (the load's choice, for speed): every way must give exactly the typed view's values and
 * rowProblemsSql's reasons, value for value.
 */

const contract: Contract = parseContract("contracts/typing.json", {
  name: "typing",
  version: "1.0.0",
  description: "Every column kind the typed view reads.",
  file_names: ["typing"],
  key: ["id"],
  columns: [
    { name: "id", type: "string", description: "Id.", required: true },
    { name: "kind", type: "string", description: "Kind.", required: true, values: { buy: ["compra", "buy", "c"], sell: ["venta", "sell"] } },
    { name: "active", type: "boolean", description: "Active." },
    { name: "count", type: "integer", description: "Count.", required: true, null_markers: [] },
    { name: "price", type: "decimal(18,4)", description: "Price." },
    { name: "day", type: "date", description: "Day.", required: true },
    { name: "at", type: "timestamp", description: "At." },
  ],
});

// Per row: id, kind, active, count, price, day, at; text as exports hold it, hostile values included.
const VALUES: (string | null)[][] = [
  ["T1", " VENTA ", "sí", "12", "1.234,5", "05/03/2024", "2024-03-05 10:00:00"],
  ["T2", "Compra", "no", "-", "1,234", "2024-03-05", "05/03/2024"],
  ["T3", "trueque", "maybe", "1.000", "abc", "2024-3-5", "2024-03-05T10:00:00"],
  ["T4", "N/A", null, "", "12,34567", "31/02/2024", "yesterday"],
  ["T5", "\tc\r\n", "1", " 7 ", "-0,5", " ", null],
  [" ", null, "0", "x", null, "NULL", "-"],
  ["T7", "VENTA", "TRUE", "+3", ",5", "05/03/2024", "2024-03-05 10:00"],
  ["T8", "compra", "falso", "99999999999999999999", "1.234.567,1234", "29/02/2024", "2024-02-30 00:00:00"],
  ["T\t9 ", " compra", "yes\r", "\t5", " 1,5\t", "\n05/03/2024", "2024-03-05 10:00:00 "],
];

const literal = (v: string | null): string => (v === null ? "CAST(NULL AS VARCHAR)" : d.str(v));
const batch = `(SELECT 'typing.csv' AS _source_file, CAST(i AS BIGINT) AS _row, id, kind, active, "count", price, day, "at" FROM (VALUES ${VALUES.map((r, i) => `(${i + 2}, ${r.map(literal).join(", ")})`).join(", ")}) AS v(i, id, kind, active, "count", price, day, "at"))`;
const asText = contract.columns.map((c) => `CAST(${d.ident(c.name)} AS VARCHAR) AS ${d.ident(c.name)}`).join(", ");

async function typedBy(lookups: readonly string[]): Promise<Record<string, unknown>[]> {
  // A lookup "table" here is its query, so each comparison is one statement.
  const tables: ColumnLookup[] = lookups.map((column) => ({ column, table: `(${lookupTableSql(d, contract, column, batch)})` }));
  return query(`SELECT _row, ${asText}, _reason FROM (${loadRowsSql(d, contract, batch, tables)}) ORDER BY _row`);
}

describe("load typing: loadRowsSql and lookups against the typed view", () => {
  it("types every value and gives every reason exactly as the typed view and rowProblemsSql do, with no lookup, some, or all", async () => {
    const expected = await query(`SELECT _row, ${asText}, ${rowProblemsSql(d, contract)} AS _reason FROM (${typedViewSql(d, contract, batch)}) ORDER BY _row`);
    // The batch exercises what it should: valid rows, and reasons for several columns at once.
    expect(expected.filter((r) => r._reason === null).length).to.be.greaterThan(0);
    expect(expected.filter((r) => String(r._reason ?? "").includes("; ")).length).to.be.greaterThan(2);
    // Whitespace (space, tab, CR, LF) is trimmed at the ends only.
    expect(expected.find((r) => r._row === "10")).to.deep.equal({ _row: "10", id: "T\t9", kind: "buy", active: "true", count: "5", price: "1.5000", day: "2024-03-05", at: "2024-03-05 10:00:00", _reason: null });
    for (const lookups of [[], ["kind", "day"], contract.columns.map((c) => c.name)]) {
      expect(await typedBy(lookups), `lookups: ${lookups.join(", ") || "none"}`).to.deep.equal(expected);
    }
  });

  it("a lookup table holds each distinct text once, NULL included, with its typed value and problem", async () => {
    const rows = await query(`SELECT value, CAST(typed AS VARCHAR) AS typed, problem FROM (${lookupTableSql(d, contract, "kind", batch)}) ORDER BY value NULLS FIRST`);
    expect(rows.map((r) => r.value)).to.deep.equal([null, "\tc\r\n", " VENTA ", " compra", "Compra", "N/A", "VENTA", "compra", "trueque"]);
    expect(rows.find((r) => r.value === " VENTA ")).to.deep.equal({ value: " VENTA ", typed: "sell", problem: null });
    expect(rows.find((r) => r.value === "N/A")?.problem).to.equal("kind: required value is missing ('N/A' is a null marker)");
  });
});
