import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { checkLoad } from "../../src/app/check-load";
import { loadContracts } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { runLoad } from "../../src/pipeline/load";
import { exitCodeOf } from "../../src/report/build";
import { formatSample } from "../../src/report/format";
import { QualityReport } from "../../src/report/types";
import { tempDir } from "../support/lake";

/**
 * Hand-written exports of the shapes the company's systems really produce: ids like C001, P001,
 * T0001 (and other widths), identity types CC, NIT, TI, RC, PA/PP, DNI in several spellings,
 * prices in Colombian pesos in the tens of thousands, and (but for one variant) no segment, id
 * number or trade date columns. The shipped rules must not fail any of them.
 */
const FIXTURES = path.join(__dirname, "..", "fixtures", "real-exports");
const VARIANTS = ["comma-utf8", "semicolon-latin1", "pipe-bom", "tab-full"];
const LOAD_DATE = "2026-01-06";

const contracts = loadContracts();
const ruleSets = loadRuleSets(contracts);

async function loadAndCheck(input: string): Promise<QualityReport> {
  const lake = tempDir("real-export");
  try {
    await runLoad({ inputDir: input, lakeDir: lake, loadDate: LOAD_DATE, contracts });
    return await checkLoad({ lakeDir: lake, loadDate: LOAD_DATE, contracts, ruleSets });
  } finally {
    fs.rmSync(lake, { recursive: true, force: true });
  }
}

const rule = (report: QualityReport, id: string) => {
  const found = report.datasets.flatMap((d) => d.rules).find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id} in the report`);
  return found;
};

describe("shipped rules on exports of the company's real shapes", function () {
  this.timeout(120_000);

  for (const variant of VARIANTS) {
    it(`${variant}: every row typed, no error-severity failure, exit 0`, async () => {
      const report = await loadAndCheck(path.join(FIXTURES, variant));
      expect(report.datasets.map((d) => d.name)).to.deep.equal(["customers", "providers", "transactions"]);
      for (const d of report.datasets) {
        expect(d.rows.raw, d.name).to.be.greaterThan(0);
        expect(d.rows.quarantined, `${d.name} quarantined`).to.equal(0);
        expect(d.rows.reconciled, d.name).to.equal(true);
      }
      const blocking = report.datasets.flatMap((d) => d.rules).filter((r) => r.status === "fail" || r.status === "error").map((r) => `${r.id}: ${r.failed}/${r.total} ${r.message ?? ""} ${r.samples.map(formatSample).join(", ")}`);
      expect(blocking).to.deep.equal([]);
      expect(exitCodeOf(report)).to.equal(0);
      // Every identity type, in whatever spelling, was normalised to a canonical value.
      expect(rule(report, "customers.id_type.accepted_values").total).to.equal(report.datasets[0].rows.raw);
      expect(rule(report, "customers.id_type.accepted_values").failed).to.equal(0);
      // Ids of every width fit the (warning) id patterns.
      for (const id of ["customers.customer_id.pattern", "providers.provider_id.pattern", "transactions.transaction_id.pattern", "transactions.counterparty_id.pattern"]) {
        expect(rule(report, id).failed, id).to.equal(0);
      }
      expect(rule(report, "transactions.counterparty_id.references").failed).to.equal(0);
    });
  }

  it("still fails real defects in an export of these shapes: negative price, unknown identity type, duplicate and orphan trades", async () => {
    const input = tempDir("real-export-defects");
    const source = path.join(FIXTURES, "comma-utf8");
    for (const f of fs.readdirSync(source)) fs.copyFileSync(path.join(source, f), path.join(input, f));
    fs.appendFileSync(path.join(input, "clientes.csv"), "C011,XX,Mariana Duque,Bogotá\n");
    fs.appendFileSync(
      path.join(input, "transacciones.csv"),
      ["T0013,Venta,C004,300,-61000", "T0003,Venta,C001,350,61240", "T0014,Venta,C999,210,60500", "T0015,Compra,P009,1000,21000", "T0016,Venta,C002,-5,54000"].join("\n") + "\n",
    );
    const report = await loadAndCheck(input);
    fs.rmSync(input, { recursive: true, force: true });
    const failures = Object.fromEntries(report.datasets.flatMap((d) => d.rules).filter((r) => r.severity === "error" && r.failed > 0).map((r) => [r.id, [r.status, r.failed]]));
    expect(failures).to.deep.equal({
      "customers.id_type.accepted_values": ["fail", 1],
      "transactions.price.range": ["fail", 1],
      "transactions.quantity_kwh.range": ["fail", 1],
      "transactions.transaction_id.unique": ["fail", 1],
      "transactions.counterparty_id.references": ["fail", 2],
    });
    expect(exitCodeOf(report)).to.equal(1);
  });
});
