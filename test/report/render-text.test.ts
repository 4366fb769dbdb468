import { expect } from "chai";
import { renderText } from "../../src/report/render-text";
import { sampleReport } from "./helpers";

describe("text rendering", () => {
  const text = renderText(sampleReport());
  const lines = text.split("\n");

  it("gives each dataset's rows per layer with the reconciliation mark", () => {
    const customers = lines.indexOf("customers  FAIL");
    expect(lines.slice(customers + 2, customers + 5)).to.deep.equal([
      "  raw  processed  quarantined  curated  reconciled",
      "  ---  ---------  -----------  -------  ----------",
      "  310        305            3    1,204  ✗",
    ]);
    expect(text).to.include("counts do not reconcile: 310 raw ≠ 305 processed + 3 quarantined");
    expect(text).to.include("  1,200      1,188           12    3,540  ✓");
  });

  it("lists only the rules that did not pass, failing first, with their figures aligned", () => {
    expect(text).to.include("3 of 8 rules did not pass (5 passed):");
    const header = lines.find((l) => l.includes("transactions_key_unique"));
    expect(header).to.match(/^  transactions_key_unique\s+unique\s+transaction_id\s+4\/1,188\s+0\.34%\s+0%\s+FAIL\s+failing rows: TX-000311 at transactions.csv:21, TX-000412 at transactions.csv:118, TX-000977 at transactions.csv:215, TX-001020 at transactions.csv:312$/);
    const order = ["transactions_key_unique", "transactions_counterparty_references", "transactions_quantity_kwh_range"].map((id) => text.indexOf(id));
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    expect(text).not.to.include("transactions_price_type");
    expect(text).to.include("all 4 rules passed");
    // The status column starts at the same place on every row of a table.
    const table = lines.filter((l) => /^  transactions_(key_unique|counterparty_references|quantity_kwh_range)\s/.test(l));
    expect(new Set(table.map((l) => l.search(/(FAIL|WARN)/))).size).to.equal(1);
  });

  it("shows failing rows with their value and place, masked where PII, and an error's message", () => {
    expect(text).to.include("failing rows: 7***2 at customers.csv:17, 1***5 at customers.csv:114");
    expect(text).to.include('TX-000019 "P0999" at transactions.csv:21');
    expect(text).to.include('TX-000102 "-40.000" at transactions.csv:21');
    expect(text).to.include("ERROR   processed/customers has no column segment");
  });

  it("ends with a one-line verdict and the exit code", () => {
    expect(lines.at(-2)).to.equal("FAIL: 17 rules: 12 passed, 2 warned, 2 failed, 1 errored; counts do not reconcile for customers; exit code 1");
  });

  it("uses no escape codes unless colour is asked for", () => {
    expect(text).not.to.include("\x1b[");
    const coloured = renderText(sampleReport(), { color: true });
    expect(coloured).to.include("\x1b[31mFAIL\x1b[0m");
    expect(coloured.replace(/\x1b\[\d+m/g, "")).to.equal(text);
  });
});
