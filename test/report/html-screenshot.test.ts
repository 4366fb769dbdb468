import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadContracts } from "../../src/model/contracts";
import { runLoad } from "../../src/pipeline/load";
import { profileLake } from "../../src/profile/profile";
import { renderProfileHtml } from "../../src/profile/render";
import { saveProfile } from "../../src/profile/store";
import type { LakeProfile } from "../../src/profile/types";
import { siteOptions } from "../../src/report/history";
import { renderSite } from "../../src/report/render-site";
import { renderHtml } from "../../src/report/render-html";
import { keepReport, tempDir } from "../support/lake";
import { threeLoadHistory } from "./helpers";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const IMAGES = path.join(__dirname, "..", "..", "docs", "img");
const WIDTH = 1280;
const HEIGHT = 2000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Runs headless chromium on a page with a fresh profile and nothing fetched from the network; resolves with its stdout. */
function chromium(profile: string, args: readonly string[], width = WIDTH): Promise<string> {
  const flags = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, `--window-size=${width},${HEIGHT}`, ...args,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, flags, { timeout: 90_000, killSignal: "SIGKILL", maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${CHROMIUM} ${flags.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Skips (or, on CI, fails) a browser test on a machine without chromium, saying how to install it. */
function requireChromium(context: Mocha.Context, what: string): void {
  if (fs.existsSync(CHROMIUM)) return;
  const install = "apt-get install -y chromium (Debian's package; or set CHROMIUM to the browser's path)";
  if (process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI)) throw new Error(`${CHROMIUM} is not installed; the ${what} test needs it: ${install}`);
  console.warn(`  ${CHROMIUM} is not installed, so the ${what} is not checked in a browser; to check it: ${install}`);
  context.skip();
}

/**
 * How many pixels wider than the window a page lays out, at a screenshot's width and at a laptop's
 * half screen: measured by a copy of the page with a script that writes the overflow into the DOM
 * (the pages themselves have no script).
 */
async function horizontalOverflow(page: string): Promise<number[]> {
  const measured = page.replace(/\.html$/, ".measured.html");
  const probe = `<script>document.body.setAttribute("data-overflow", String(document.documentElement.scrollWidth - document.documentElement.clientWidth));</script>`;
  fs.writeFileSync(measured, fs.readFileSync(page, "utf8").replace("</body>", `${probe}</body>`));
  const overflows: number[] = [];
  for (const width of [WIDTH, 800]) {
    const dom = await chromium(`${measured}.profile-${width}`, ["--dump-dom", `file://${measured}`], width);
    const found = /data-overflow="(-?\d+)"/.exec(dom);
    if (found === null) throw new Error(`${measured}: the overflow probe did not run`);
    overflows.push(Number(found[1]));
  }
  fs.rmSync(measured);
  return overflows;
}

/** Checks a PNG screenshot of the window's size with something drawn on it, and keeps it in docs/img/. */
function expectScreenshot(shot: string, keepAs: string): void {
  const png = fs.readFileSync(shot);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE), "PNG signature").to.equal(true);
  expect(png.toString("latin1", 12, 16), "first chunk").to.equal("IHDR");
  expect([png.readUInt32BE(16), png.readUInt32BE(20)], "width and height").to.deep.equal([WIDTH, HEIGHT]);
  // A blank page of this size compresses to a few kilobytes; a drawn page is far larger.
  expect(png.length).to.be.greaterThan(100_000);
  fs.mkdirSync(IMAGES, { recursive: true });
  fs.copyFileSync(shot, path.join(IMAGES, keepAs));
}

describe("HTML report in a headless browser", function () {
  let work: string;

  before(function () {
    requireChromium(this, "HTML report");
    work = tempDir("report-browser");
    const history = threeLoadHistory();
    fs.writeFileSync(path.join(work, "report.html"), renderHtml(history[2], history));
  });

  after(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  it("renders a readable screenshot (saved as docs/img/quality-report.png)", async () => {
    const shot = path.join(work, "shot.png");
    await chromium(path.join(work, "profile-shot"), [`--screenshot=${shot}`, `file://${path.join(work, "report.html")}`]);
    expectScreenshot(shot, "quality-report.png");
  });

  it("lays out the key texts in the rendered DOM", async () => {
    const dom = await chromium(path.join(work, "profile-dom"), ["--dump-dom", `file://${path.join(work, "report.html")}`]);
    for (const text of [
      "Data quality report · load 2026-11-20",
      "FAIL: 17 rules: 12 passed, 2 warned, 2 failed, 1 errored; counts do not reconcile for customers; exit code 1",
      "counts do not reconcile: 310 raw ≠ 305 processed + 3 quarantined",
      "transactions_counterparty_references",
      "7***2",
      "Trend: failed rows per load",
      "Failed rows per load from 2026-11-18 to 2026-11-20: 8, 51, 33",
    ]) {
      expect(dom, text).to.include(text);
    }
    expect(dom.match(/<section class="card/g)).to.have.length(3);
  });

  it("fits the window's width, at 1280 and at 800 pixels", async () => {
    expect(await horizontalOverflow(path.join(work, "report.html"))).to.deep.equal([0, 0]);
  });
});

describe("quality site and data profile in a headless browser", function () {
  this.timeout(180_000);
  let lake: string;
  let profile: LakeProfile;

  before(async function () {
    requireChromium(this, "quality site");
    lake = tempDir("site-browser");
    // A real load beside the kept reports, profiled, so the site links a real profile page. Loaded
    // first: a load of 2026-11-20 replaces whatever report that date had.
    const contracts = loadContracts();
    await runLoad({ inputDir: path.join(__dirname, "..", "fixtures", "real-exports", "tab-full"), lakeDir: lake, loadDate: "2026-11-20", contracts });
    for (const report of threeLoadHistory()) await keepReport(lake, report);
    profile = await profileLake({ lakeDir: lake, contracts, loadDate: "2026-11-20" });
    saveProfile(lake, profile);
  });

  after(() => {
    if (lake !== undefined) fs.rmSync(lake, { recursive: true, force: true });
  });

  it("lists every load with its status, failed rules and trend, every link it shows opens a file of the lake, and it fits the window", async () => {
    const site = path.join(lake, "quality", "index.html");
    const dom = await chromium(path.join(lake, "profile-site-dom"), ["--dump-dom", `file://${site}`]);
    for (const text of ["Data quality · every load", "Latest load 2026-11-20: FAIL", "transactions_key_unique", "Failed rows per load from 2026-11-18 to 2026-11-20: 8, 51, 33"]) {
      expect(dom, text).to.include(text);
    }
    expect(dom.match(/<tr id="load-/g)).to.have.length(3);
    const hrefs = [...dom.matchAll(/href="([^"#]+)(?:#[^"]*)?"/g)].map((m) => m[1]);
    expect(hrefs).to.include("2026-11-20/profile.html");
    for (const href of new Set(hrefs)) expect(fs.existsSync(path.join(lake, "quality", href)), href).to.equal(true);
    // The screenshot kept in docs/ is of the same page with a fixed lake path, so it does not change from run to run.
    const steady = path.join(lake, "quality", "steady.html");
    fs.writeFileSync(steady, renderSite(threeLoadHistory(), { ...siteOptions(lake), lake: "/srv/energy-lake" }));
    const shot = path.join(lake, "site.png");
    await chromium(path.join(lake, "profile-site-shot"), [`--screenshot=${shot}`, `file://${steady}`]);
    expectScreenshot(shot, "quality-site.png");
    expect(await horizontalOverflow(site), "quality site wider than the window").to.deep.equal([0, 0]);
  });

  it("renders the data profile: a card per dataset, a row per column, personal data masked, as wide as the window", async () => {
    const page = path.join(lake, "quality", "2026-11-20", "profile.html");
    const dom = await chromium(path.join(lake, "profile-dom"), ["--dump-dom", `file://${page}`]);
    expect(dom.match(/<section class="card/g)).to.have.length(3);
    for (const text of ["Data profile · load 2026-11-20", "declared key customer_id: present and unique in every load", "C999", "masked: personal or undeclared data"]) {
      expect(dom, text).to.include(text);
    }
    expect(dom).to.not.include("Andrés Felipe Rojas");
    const steady = path.join(lake, "profile-steady.html");
    const fixed = { ...profile, lake: "/srv/energy-lake", generated_at: "2026-11-20T06:00:00.000Z", duration_seconds: 0.5 };
    fs.writeFileSync(steady, renderProfileHtml({ ...fixed, datasets: fixed.datasets.map((d) => ({ ...d, seconds: 0.1 })) }));
    const shot = path.join(lake, "profile.png");
    await chromium(path.join(lake, "profile-shot"), [`--screenshot=${shot}`, `file://${steady}`]);
    expectScreenshot(shot, "data-profile.png");
    // Long shapes and values wrap inside their cells; the table scrolls inside its card rather than widening the page.
    expect(await horizontalOverflow(page), "data profile wider than the window").to.deep.equal([0, 0]);
  });
});
