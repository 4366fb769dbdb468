import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LakeInputError } from "../../src/errors";
import { loadContracts } from "../../src/model/contracts";
import { discoverInputs } from "../../src/pipeline/discover";
import { runLoad } from "../../src/pipeline/load";
import { listFiles, tempDir, writeFiles } from "../support/lake";

const contracts = loadContracts();
const CUSTOMERS = "customer_id,id_type,customer_name,city\nC1,cc,Ana,Cali\n";

function refusal(work: () => unknown): LakeInputError {
  try {
    work();
  } catch (err) {
    expect(err).to.be.instanceOf(LakeInputError);
    return err as LakeInputError;
  }
  throw new Error("expected a refusal");
}

describe("discovering the input: every file loaded or named with why not", () => {
  it("names hidden files, files that are not CSV exports and other non-files instead of skipping them silently", () => {
    const input = writeFiles(tempDir("in"), {
      "clientes.csv": CUSTOMERS,
      ".DS_Store": "x",
      ".hidden/transactions.csv": "x",
      "notes.xlsx": "x",
      "README": "x",
    });
    const { datasets, skipped } = discoverInputs(input, contracts);
    expect(datasets.map((d) => d.contract.name)).to.deep.equal(["customers"]);
    expect(skipped.map((s) => [path.relative(input, s.file), s.reason])).to.deep.equal([
      [".DS_Store", "a hidden file"],
      [".hidden", "a hidden folder: not read"],
      ["README", "not a CSV export (extension (none)); exports are read from .csv, .tsv and .txt files, gzipped or not"],
      ["notes.xlsx", "not a CSV export (extension .xlsx); exports are read from .csv, .tsv and .txt files, gzipped or not"],
    ]);
  });

  it("finds gzip exports by their inner extension", () => {
    const input = writeFiles(tempDir("in"), { "clientes.csv.gz": "x", "transacciones_enero.TSV.GZ": "x" });
    expect(discoverInputs(input, contracts).datasets.map((d) => [d.contract.name, d.files.map((f) => path.basename(f))])).to.deep.equal([
      ["customers", ["clientes.csv.gz"]],
      ["transactions", ["transacciones_enero.TSV.GZ"]],
    ]);
  });

  it("refuses a symbolic link that leads out of the input folder, naming link and target", () => {
    const input = writeFiles(tempDir("in"), { "clientes.csv": CUSTOMERS });
    fs.symlinkSync("/etc/passwd", path.join(input, "transacciones.csv"));
    const outsideFolder = writeFiles(tempDir("elsewhere"), { "proveedores.csv": "x" });
    fs.symlinkSync(outsideFolder, path.join(input, "more"));
    const err = refusal(() => discoverInputs(input, contracts));
    expect(err.message).to.match(/symbolic links that lead out of the input folder are not followed/);
    expect(err.message).to.include(`${path.join(input, "transacciones.csv")}: links to /etc/passwd, outside the input folder`);
    expect(err.message).to.include(`${path.join(input, "more")}: links to ${fs.realpathSync(outsideFolder)}`);
  });

  it("follows links inside the input once: a file reached twice is loaded once and the link is named", () => {
    const input = writeFiles(tempDir("in"), { "exports/clientes.csv": CUSTOMERS });
    fs.symlinkSync(path.join(input, "exports"), path.join(input, "clientes"));
    fs.symlinkSync(path.join(input, "exports", "clientes.csv"), path.join(input, "customers_copy.csv"));
    fs.symlinkSync(path.join(input, "gone.csv"), path.join(input, "broken.csv"));
    const { datasets, skipped } = discoverInputs(input, contracts);
    // Read in name order: the linked folder "clientes" first, so its file is the one loaded.
    expect(datasets[0].files.map((f) => path.relative(input, f))).to.deep.equal(["clientes/clientes.csv"]);
    const exportsFolder = fs.realpathSync(path.join(input, "exports"));
    expect(skipped.map((s) => [path.relative(input, s.file), s.reason])).to.deep.equal([
      ["broken.csv", "a broken symbolic link (its target does not exist)"],
      ["customers_copy.csv", `the same file as ${path.join(input, "clientes", "clientes.csv")} (a link to it): loaded once`],
      ["exports", `the same folder as one already read (${exportsFolder})`],
    ]);
  });

  it("refuses a lake inside the input folder (self-ingestion), and an input inside the lake", async () => {
    const input = writeFiles(tempDir("in"), { "clientes.csv": CUSTOMERS });
    const inside = refusal(() => discoverInputs(input, contracts, path.join(input, "lake")));
    expect(inside.message).to.equal(`--lake ${path.join(input, "lake")} is inside the input folder ${input}: every run would load the lake's own files again; put the lake outside the input folder`);
    const lake = tempDir("lake");
    expect(refusal(() => discoverInputs(path.join(lake), contracts, path.dirname(lake))).message).to.match(/is inside the lake .*load the exports from a folder outside the lake/);
    // The load refuses before writing anything, so a second run cannot read the first run's raw copies.
    const error = await runLoad({ inputDir: input, lakeDir: path.join(input, "lake"), loadDate: "2024-05-01", contracts }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(LakeInputError);
    expect(listFiles(input)).to.deep.equal(["clientes.csv"]);
  });

  it("a load reports what it skipped, and loads the rest", async () => {
    const input = writeFiles(tempDir("in"), { "clientes.csv": CUSTOMERS, "manifest.json": "{}" });
    const result = await runLoad({ inputDir: input, lakeDir: tempDir("lake"), loadDate: "2024-05-01", contracts });
    expect(result.skipped).to.deep.equal([{ file: path.join(input, "manifest.json"), reason: "not a CSV export (extension .json); exports are read from .csv, .tsv and .txt files, gzipped or not" }]);
    expect(result.datasets[0].rows.raw).to.equal(1);
  });
});
