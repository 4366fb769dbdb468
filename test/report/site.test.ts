import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { siteOptions } from "../../src/report/history";
import { renderHistory } from "../../src/report/render";
import { renderSite } from "../../src/report/render-site";
import { keepReport, tempDir } from "../support/lake";
import { hostileReport, HOSTILE, threeLoadHistory } from "./helpers";

describe("the quality site (quality/index.html)", () => {
  let lake: string;
  beforeEach(() => {
    lake = tempDir("site");
  });
  afterEach(() => {
    fs.rmSync(lake, { recursive: true, force: true });
  });

  const loadRows = (html: string): string[] => html.match(/<tr id="load-[^"]+">.*?<\/tr>/g) ?? [];

  it("is rewritten after each report is kept: every load, newest first, with its status, failed rules, trend and links", async () => {
    const history = threeLoadHistory();
    await keepReport(lake, history[0]);
    expect(loadRows(fs.readFileSync(path.join(lake, "quality", "index.html"), "utf8"))).to.have.length(1);
    await keepReport(lake, history[1]);
    await keepReport(lake, history[2]);
    const html = fs.readFileSync(path.join(lake, "quality", "index.html"), "utf8");
    const rows = loadRows(html);
    expect(rows.map((r) => /id="load-([^"]+)"/.exec(r)?.[1])).to.deep.equal(["2026-11-20", "2026-11-19", "2026-11-18"]);
    // The latest load: its failed rules link into its report; one more rule blocks than on 2026-11-19 (one errored).
    expect(rows[0]).to.include('<a href="2026-11-20/report.html#dataset-transactions">transactions_key_unique</a>');
    expect(rows[0]).to.include('<a href="2026-11-20/report.json">json</a>');
    expect(rows[0]).to.include('<td class="worse">worse</td>');
    expect(rows[0]).to.match(/customers_segment_completeness<\/a> <span class="kind">ERROR/);
    expect(rows[1]).to.include('<td class="worse">worse</td>');
    expect(rows[2]).to.include('<td class="new">new</td>');
    expect(rows[0]).to.match(/<span class="badge fail">.*FAIL<\/span>/);
    expect(html).to.include("Latest load 2026-11-20: FAIL");
    // One trend per dataset across the loads.
    expect(html).to.include("Failed rows per load from 2026-11-18 to 2026-11-20: 8, 51, 33");
    expect(html).to.not.include("<script");
  });

  it("links a load's profile once one is kept, and links relative to where the page is written", async () => {
    const history = threeLoadHistory();
    for (const report of history) await keepReport(lake, report);
    fs.writeFileSync(path.join(lake, "quality", "2026-11-19", "profile.html"), "<!DOCTYPE html>");
    const inLake = renderSite(history, siteOptions(lake));
    expect(loadRows(inLake)[1]).to.include('<a href="2026-11-19/profile.html">profile</a>');
    expect(loadRows(inLake)[0]).to.not.include("profile.html");
    const elsewhere = path.join(lake, "site", "out");
    const moved = renderHistory(history, "html", siteOptions(lake, elsewhere));
    expect(moved).to.include('href="../../quality/2026-11-20/report.html"');
  });

  it("escapes every text it shows", () => {
    const history = [...threeLoadHistory().slice(0, 2), hostileReport()];
    const html = renderSite(history, { folderHref: (d) => `${d}/`, profiles: new Set(), lake: `<b>${HOSTILE}</b>` });
    expect(html).to.not.include("<script>");
    expect(html).to.not.include("<img src=x");
    expect(html).to.include("&lt;b&gt;");
  });
});
