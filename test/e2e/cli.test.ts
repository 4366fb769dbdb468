import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { tempDir } from "../support/lake";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const lake = (args: string[]) => spawnSync(lakeBin, args, { encoding: "utf8" });

describe("the lake CLI: rules, compile, check and report", function () {
  this.timeout(300_000);
  let lakeDir: string;

  before(() => {
    lakeDir = tempDir("cli-lake");
    const sample = path.join(PROJECT_ROOT, "data", "sample");
    expect(lake(["run", "--input", sample, "--lake", lakeDir, "--load-date", "2026-01-04", "--format", "json"]).status).to.equal(1);
    expect(lake(["run", "--input", sample, "--lake", lakeDir, "--load-date", "2026-01-05", "--format", "json"]).status).to.equal(1);
  });

  it("report: a load run without its checks has no report, and lake report says so and how to write it", () => {
    const lakeCopy = tempDir("cli-lake-unchecked");
    fs.cpSync(lakeDir, lakeCopy, { recursive: true });
    expect(lake(["run", "--input", path.join(PROJECT_ROOT, "data", "sample"), "--lake", lakeCopy, "--load-date", "2026-01-06", "--no-checks"]).status).to.equal(0);
    const latest = lake(["report", "--lake", lakeCopy]);
    expect(latest.status, latest.stderr).to.equal(0);
    expect(latest.stderr).to.include("the latest load, 2026-01-06, has no report (its checks were not run, as with lake run --no-checks, or did not finish); showing the report of 2026-01-05");
    expect(latest.stderr).to.include(`lake check --lake ${lakeCopy} --load-date 2026-01-06`);
    const named = lake(["report", "--lake", lakeCopy, "--load-date", "2026-01-06"]);
    expect(named.status).to.equal(2);
    expect(named.stderr).to.include("the load of 2026-01-06 is in the lake but its checks were not run (lake run --no-checks) or did not finish");
  });

  it("rules validate: ok for the shipped rules, every problem of a bad file with exit 2", () => {
    const ok = lake(["rules", "validate"]);
    expect(ok.status).to.equal(0);
    expect(ok.stdout).to.match(/3 rule file\(s\) valid/);
    const bad = path.join(tempDir("rules"), "transactions.json");
    fs.writeFileSync(bad, JSON.stringify({ dataset: "transactions", rules: [{ id: "x", kind: "not_null", column: "prise", severity: "error", description: "d" }, { id: "x", kind: "unique", columns: ["transaction_id"], severity: "fatal", description: "d" }] }));
    const result = lake(["rules", "validate", bad]);
    expect(result.status).to.equal(2);
    // Schema and semantic problems in one run: a bad severity, a duplicate id, an unknown column with a suggestion.
    expect(result.stdout).to.match(/\/rules\/1\/severity: must be equal to one of the allowed values; use one of \["error","warn"\]/);
    expect(result.stdout).to.match(/\/rules\/1\/id: "x" is already the id of \/rules\/0/);
    expect(result.stdout).to.match(/\/rules\/0\/column: dataset "transactions" has no column "prise"; did you mean "price"\?/);
  });

  it("compile --format json: SQL statements per dataset for duckdb and athena, the DQDL text for dqdl", () => {
    for (const target of ["duckdb", "athena"]) {
      const result = lake(["compile", "--target", target, "--format", "json", "--lake", lakeDir, "--load-date", "2026-01-05"]);
      expect(result.status, result.stderr).to.equal(0);
      const compiled = JSON.parse(result.stdout) as { datasets: { name: string; checks: string[] }[] };
      expect(compiled.datasets.map((d) => [d.name, d.checks.length])).to.deep.equal([["customers", 1], ["providers", 1], ["transactions", 3]]);
    }
    const dqdl = JSON.parse(lake(["compile", "--target", "dqdl", "--format", "json", "--dataset", "providers"]).stdout) as { datasets: { name: string; checks: string }[] };
    expect(dqdl.datasets).to.have.length(1);
    expect(dqdl.datasets[0].checks).to.match(/^Rules = \[/m);
  });

  it("check --format junit --out FILE writes the JUnit XML and prints the text verdict", () => {
    const out = path.join(tempDir("out"), "quality.xml");
    const result = lake(["check", "--lake", lakeDir, "--format", "junit", "--out", out]);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/FAIL: \d+ rules/);
    const xml = fs.readFileSync(out, "utf8");
    expect(xml).to.match(/^<\?xml/);
    expect(xml).to.include('name="transactions.counterparty_id.references"');
  });

  it("check --dataset checks one dataset of a given load, and refuses one the load does not have", () => {
    const result = lake(["check", "--lake", lakeDir, "--dataset", "providers", "--load-date", "2026-01-04", "--format", "json"]);
    const report = JSON.parse(result.stdout) as { load_date: string; datasets: { name: string }[] };
    expect(report.load_date).to.equal("2026-01-04");
    expect(report.datasets.map((d) => d.name)).to.deep.equal(["providers"]);
    const missing = lake(["check", "--lake", lakeDir, "--dataset", "meters"]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.match(/has no "meters"/);
  });

  it("report --history shows every load, and report renders a kept load as Markdown", () => {
    const history = lake(["report", "--lake", lakeDir, "--history"]);
    expect(history.status).to.equal(0);
    expect(history.stdout).to.include("2026-01-04");
    expect(history.stdout).to.include("2026-01-05");
    const md = lake(["report", "--lake", lakeDir, "--load-date", "2026-01-04", "--format", "md"]);
    expect(md.stdout).to.match(/^#+ .*2026-01-04/m);
  });
  it("profile: prints the load's profile, keeps it beside the report and links it from the quality site", () => {
    const result = lake(["profile", "--lake", lakeDir, "--format", "json"]);
    expect(result.status, result.stderr).to.equal(0);
    const profile = JSON.parse(result.stdout) as { load_dates: string[]; datasets: { name: string; rows: number }[] };
    expect(profile.load_dates).to.deep.equal(["2026-01-05"]);
    expect(profile.datasets.map((d) => [d.name, d.rows])).to.deep.equal([["customers", 10], ["providers", 6], ["transactions", 60]]);
    expect(fs.existsSync(path.join(lakeDir, "quality", "2026-01-05", "profile.html"))).to.equal(true);
    expect(fs.readFileSync(path.join(lakeDir, "quality", "index.html"), "utf8")).to.include('href="2026-01-05/profile.html"');
    const two = lake(["profile", "--lake", lakeDir, "--loads", "2", "--dataset", "providers"]);
    expect(two.stdout).to.match(/^Profile of .*, 2 loads, 2026-01-04 to 2026-01-05/);
    const bad = lake(["profile", "--lake", lakeDir, "--loads", "0"]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--loads "0": give a whole number, at least 1/);
  });

  it("rules suggest --out DIR: rule files that rules validate accepts and check runs", () => {
    const out = path.join(tempDir("suggested"), "rules");
    const result = lake(["rules", "suggest", "--lake", lakeDir, "--out", out]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/Rules suggested from 2 loads, 2026-01-04 to 2026-01-05/);
    expect(result.stdout).to.match(/transactions\.counterparty_id\.references\s+references\s+error\s+like transactions\.counterparty_id\.references/);
    expect(fs.readdirSync(out).sort()).to.deep.equal(["customers.json", "providers.json", "transactions.json"]);
    const validate = lake(["rules", "validate", ...fs.readdirSync(out).map((f) => path.join(out, f))]);
    expect(validate.status, validate.stdout).to.equal(0);
    const check = lake(["check", "--lake", lakeDir, "--rules", out, "--format", "json", "--out", path.join(out, "..", "report.json")]);
    expect([0, 1]).to.include(check.status);
    expect(check.stdout).to.match(/rules:/);
  });

  it("report --history --format html: the quality site, linking each load's report relative to where it is written", () => {
    const page = path.join(tempDir("site"), "history.html");
    const result = lake(["report", "--lake", lakeDir, "--history", "--format", "html", "--out", page]);
    expect(result.status, result.stderr).to.equal(0);
    const html = fs.readFileSync(page, "utf8");
    expect(html.match(/<tr id="load-/g)).to.have.length(2);
    const href = /<td class="date"><a href="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(fs.existsSync(path.resolve(path.dirname(page), href)), href).to.equal(true);
  });
});
