import { expect } from "chai";
import { escapeMarkdown, renderMarkdown } from "../../src/report/render-markdown";
import { hostileReport, sampleReport } from "./helpers";

describe("Markdown rendering", () => {
  const md = renderMarkdown(sampleReport());

  it("opens with the verdict in words", () => {
    expect(md.split("\n")[0]).to.equal("## Data quality: FAIL (load 2026-11-20)");
    expect(md).to.include("**FAIL: 17 rules: 12 passed, 2 warned, 2 failed, 1 errored; counts do not reconcile for customers; exit code 1**");
    expect(md).not.to.match(/[\u{1F300}-\u{1FAFF}\u2705\u274C\u26A0]/u);
  });

  it("has a counts table with a row per dataset", () => {
    expect(md).to.include("| customers | **FAIL** | 310 | 305 | 3 | 1,204 | **no** | 2 of 5 |");
    expect(md).to.include("| providers | **PASS** | 48 | 48 | 0 | 52 | yes | 0 of 4 |");
    expect(md).to.include("| transactions | **FAIL** | 1,200 | 1,188 | 12 | 3,540 | yes | 3 of 8 |");
  });

  it("puts failing rules first and folds the passing ones into <details>", () => {
    const section = md.slice(md.indexOf("### transactions: FAIL"));
    const failing = section.indexOf("transactions\\_key\\_unique");
    const warning = section.indexOf("transactions\\_quantity\\_kwh\\_range");
    const details = section.indexOf("<details><summary>5 passing rules</summary>");
    const passing = section.indexOf("transactions\\_price\\_type");
    expect(failing).to.be.greaterThan(0);
    expect(failing).to.be.lessThan(warning);
    expect(warning).to.be.lessThan(details);
    expect(details).to.be.lessThan(passing);
    expect(section).to.include("| **FAIL** | transactions\\_counterparty\\_references | references | counterparty\\_id | error | 17/1,188 | 1.43% | 0% |");
  });

  it("escapes masked samples so they do not turn into emphasis", () => {
    expect(md).to.include("failing rows: 7\\*\\*\\*2 at customers.csv:17");
  });

  it("makes hostile text inert: no tags, no broken table cells", () => {
    const hostile = renderMarkdown(hostileReport());
    expect(hostile).not.to.include("<script>");
    expect(hostile).not.to.include("<img");
    expect(hostile).to.include("&lt;script&gt;");
    const row = hostile.split("\n").find((l) => l.includes("key\\_unique&quot;") || l.includes("key\\_unique\""));
    expect(row, "the hostile rule's row").not.to.equal(undefined);
    // Unescaped pipes delimit cells: the row keeps its nine cells.
    expect(row!.split(/(?<!\\)\|/).length - 2).to.equal(9);
  });

  it("escapes HTML, Markdown punctuation and line breaks", () => {
    expect(escapeMarkdown("a|b*c_d<e>&\nf")).to.equal("a\\|b\\*c\\_d&lt;e&gt;&amp; f");
  });
});
