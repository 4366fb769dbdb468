import { expect } from "chai";
import { escapeHtml, renderHtml } from "../../src/report/render-html";
import { HOSTILE, hostileReport, sampleReport, threeLoadHistory } from "./helpers";

/** The text of a page with tags removed and entities decoded: what a reader sees. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    .replace(/<title>[\s\S]*?<\/title>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

describe("HTML rendering", () => {
  const history = threeLoadHistory();
  const html = renderHtml(history[2], history);
  const text = visibleText(html);

  it("is one self-contained page: no script, no external asset", () => {
    expect(html.startsWith("<!DOCTYPE html>")).to.equal(true);
    expect(html).not.to.match(/<script|<link|<img|src=|@import|url\(/i);
    expect(html).not.to.match(/https?:\/\//);
  });

  it("shows the verdict in the banner in words, not colour alone", () => {
    expect(html).to.include(`<header class="banner fail">`);
    expect(text).to.include("✗ FAIL Data quality report · load 2026-11-20");
    expect(text).to.include("rules 17 passed 12 warned 2 failed 2 errored 1");
  });

  it("gives each dataset a card with its layer counts and reconciliation verdict", () => {
    for (const name of ["customers", "providers", "transactions"]) expect(html).to.include(`id="dataset-${name}"`);
    expect(text).to.include("1,200 raw 1,188 processed 12 quarantined 3,540 curated");
    expect(text).to.include("✗ counts do not reconcile: 310 raw ≠ 305 processed + 3 quarantined");
    expect(text).to.include("✓ counts reconcile: 48 raw = 48 processed + 0 quarantined");
  });

  it("draws a bar per failing rule with its ratio, the threshold marker and the failing rows", () => {
    expect(html).to.include(`aria-label="1.43% failed, threshold 0%"`);
    expect(html).to.include(`aria-label="0.76% failed, threshold 0.5%"`);
    expect(text).to.include("17 of 1,188 rows failed (1.43%) threshold 0%");
    // Each failing row with its key, the value that failed and where it is in the export.
    expect(text).to.include("Failing rows (first 5) key value file:line TX-000019 P0999 transactions.csv:21 TX-000233 C009999 transactions.csv:118");
    expect(text).to.include("7***2 7***2 customers.csv:17");
    expect(text).to.include("? ERROR customers_segment_completeness");
    expect(text).to.include("Not evaluated · threshold 10%");
    // Passing rules are listed by id, without bars.
    expect(text).to.include("Passing rules (5) ✓ transactions_transaction_id_not_null");
    expect(html.match(/class="bar"/g)).to.have.length(4);
    // One scale for every bar: the largest figure (1.43%) plus headroom.
    expect(text).to.include("all on one scale from 0 to 1.57%");
    expect(html).to.match(/aria-label="1\.43% failed, threshold 0%"><rect x="0" y="2" width="300" [^>]*\/><rect x="0" y="2" width="272\.7"/);
  });

  it("draws the trend of each dataset across the loads of the history", () => {
    expect(html.match(/Trend: failed rows per load/g)).to.have.length(3);
    expect(html).to.include(`aria-label="Failed rows per load from 2026-11-18 to 2026-11-20: 8, 51, 33"`);
    expect(text).to.include("2026-11-19 FAIL 2 51 18 worse 2026-11-20 FAIL 2 33 12 better");
    expect(html.match(/<polyline/g)).to.have.length(3);
  });

  it("leaves later loads out of the trend of an earlier report", () => {
    const earlier = renderHtml(history[1], history);
    expect(earlier).to.include(`aria-label="Failed rows per load from 2026-11-18 to 2026-11-19: 8, 51"`);
    expect(earlier).not.to.include("2026-11-20");
  });

  it("says there is no trend yet without history", () => {
    expect(visibleText(renderHtml(sampleReport()))).to.include("First load of this dataset in the history: no trend yet.");
  });

  it("escapes every user-derived value", () => {
    const hostile = renderHtml(hostileReport());
    expect(hostile).not.to.include("<script");
    expect(hostile).not.to.include("<img");
    expect(hostile).not.to.include("<b>");
    expect(hostile).to.include(escapeHtml(HOSTILE));
    expect(visibleText(hostile)).to.include(HOSTILE);
    expect(visibleText(hostile)).to.include(`</code><script>alert(2)</script>`);
  });

  it("is print-friendly", () => {
    expect(html).to.include("@media print");
    expect(html).to.include("break-inside: avoid");
  });
});
