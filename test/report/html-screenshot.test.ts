import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderHtml } from "../../src/report/render-html";
import { tempDir } from "../support/lake";
import { threeLoadHistory } from "./helpers";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = path.join(__dirname, "..", "..", "docs", "img", "quality-report.png");
const WIDTH = 1280;
const HEIGHT = 2000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Runs headless chromium on a page with a fresh profile and nothing fetched from the network; resolves with its stdout. */
function chromium(profile: string, args: readonly string[]): Promise<string> {
  const flags = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, `--window-size=${WIDTH},${HEIGHT}`, ...args,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, flags, { timeout: 90_000, killSignal: "SIGKILL", maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${CHROMIUM} ${flags.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe("HTML report in a headless browser", function () {
  let work: string;

  before(function () {
    if (!fs.existsSync(CHROMIUM)) {
      const install = "apt-get install -y chromium";
      if (process.env.CI !== undefined) throw new Error(`${CHROMIUM} is not installed; the HTML report test needs it: ${install}`);
      console.warn(`  ${CHROMIUM} is not installed, so the HTML report is not checked in a browser; to check it: ${install}`);
      this.skip();
    }
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
    const png = fs.readFileSync(shot);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE), "PNG signature").to.equal(true);
    expect(png.toString("latin1", 12, 16), "first chunk").to.equal("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)], "width and height").to.deep.equal([WIDTH, HEIGHT]);
    // A blank page of this size compresses to a few kilobytes; a drawn report is far larger.
    expect(png.length).to.be.greaterThan(100_000);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    fs.copyFileSync(shot, SCREENSHOT);
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
});
