import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { failureOf } from "../../src/errors";
import { PROJECT_ROOT } from "../../src/model/contracts";
import { tempDir, writeFiles } from "../support/lake";

const lakeBin = path.join(PROJECT_ROOT, "bin", "lake");
const lake = (args: string[], env: Record<string, string> = {}) => spawnSync(lakeBin, args, { encoding: "utf8", env: { ...process.env, ...env } });
const input = () => writeFiles(tempDir("in"), { "clientes.csv": "customer_id,id_type,customer_name,city\nC1,cc,Ana,Cali\n" });

describe("the CLI says what to do about the machine: exit 2 with the fix, never 3", function () {
  this.timeout(120_000);

  it("a --lake that is a file", () => {
    const file = path.join(tempDir("x"), "lake.txt");
    fs.writeFileSync(file, "not a lake");
    const result = lake(["run", "--input", input(), "--lake", file, "--no-checks"]);
    expect(result.status, result.stderr).to.equal(2);
    expect(result.stderr).to.include(`error: --lake ${file}: is a file, not a folder; pass --lake with a folder (it is created when missing)`);
  });

  it("a read-only lake, a full disk and a refused permission while committing", () => {
    for (const [code, says] of [["EROFS", "the file system is read-only (EROFS); pass --lake with a folder on a writable disk"], ["ENOSPC", "no space left on the device (ENOSPC); free space on that disk"], ["EACCES", "permission denied (EACCES)"]]) {
      const result = lake(["run", "--input", input(), "--lake", tempDir("lake"), "--no-checks"], { ENERGY_LAKE_FAILPOINT: `${code}@0` });
      expect(result.status, `${code}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.include(says);
      expect(result.stderr).to.not.include("internal error");
    }
  });

  it("a read-only lake folder, for real when not running as root", function () {
    if (process.getuid?.() === 0) this.skip(); // root writes through any mode bits; the fail point above covers it
    const dir = tempDir("lake");
    fs.chmodSync(dir, 0o555);
    try {
      const result = lake(["run", "--input", input(), "--lake", dir, "--no-checks"]);
      expect(result.status, result.stderr).to.equal(2);
      expect(result.stderr).to.match(/permission denied \(EACCES\)|read-only/);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  it("DuckDB's own words for a full or read-only disk map to the same fixes", () => {
    expect(failureOf(new Error('IO Error: Could not write file "/l/_staging/x/part-0.parquet": No space left on device'))).to.deep.equal({
      exitCode: 2,
      message: "error: /l/_staging/x/part-0.parquet: no space left on the device (ENOSPC); free space on that disk (or pass --lake on another one) and run the command again",
    });
    expect(failureOf(new Error('IO Error: Cannot open file "/l/.lake.lock": Read-only file system')).exitCode).to.equal(2);
    expect(failureOf(new TypeError("x is undefined")).exitCode).to.equal(3);
  });

  it("lake check and lake report on a folder that is not there refuse without creating it", () => {
    const missing = path.join(tempDir("x"), "no-lake");
    for (const command of ["check", "report"]) {
      const result = lake([command, "--lake", missing]);
      expect(result.status, result.stderr).to.equal(2);
      expect(result.stderr).to.include(`--lake ${missing}: no lake here (folder not found)`);
    }
    expect(fs.existsSync(missing)).to.equal(false);
  });
});
