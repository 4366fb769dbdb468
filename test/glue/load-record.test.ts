import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compileGluePlan } from "../../src/aws/glue-plan";
import { LOAD_OUTCOME_PREFIX, readLoadOutcomes } from "../../src/aws/lake-objects";
import { lakeNames } from "../../src/aws/naming";
import { contractForLoad, loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { loadRuleSets } from "../../src/model/rules";
import { useFakeEndpoints } from "../support/fake-aws";
import { FakeS3 } from "../support/fake-s3";

/**
 * The load record the Glue transform writes (glue/lake_common.py run_transform) is the one the
 * Athena check and the report Lambda read (src/aws/lake-objects.ts readLoadOutcomes), over the
 * wire: same fields, same counts, the same record of how the load read numbers.
 */
describe("Glue transform load record, read by the Athena check", () => {
  const contracts = loadContracts();
  let dir: string;
  let s3: FakeS3;
  let restore: () => void;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-load-record-"));
    fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(compileGluePlan(contracts, loadRuleSets(contracts), lakeNames("energy-lake-test"))));
    s3 = await FakeS3.start(["processed"]);
    restore = useFakeEndpoints({ s3: s3.endpoint });
  });

  after(async () => {
    restore();
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function transformRecord(args: string[]): Record<string, unknown> {
    return JSON.parse(
      execFileSync("python3", [path.join(PROJECT_ROOT, "glue", "tests", "transform_record.py"), ...args], {
        encoding: "utf8",
        env: { ...process.env, LAKE_PLAN: path.join(dir, "plan.json"), PYTHONDONTWRITEBYTECODE: "1" },
      }),
    ) as Record<string, unknown>;
  }

  it("gives the reader how the load read numbers, so the Athena checks type values as the transform did", async function () {
    this.timeout(60000);
    fs.writeFileSync(path.join(dir, "trades.csv"), "transaction_id;transaction_type;counterparty_id;quantity_kwh;price;energy_type;transaction_date\nT1;buy;P1;1234,5;0,25;wind;2026-01-04\n");
    const record = transformRecord([`--evidence=${JSON.stringify([{ _source_file: "trades.csv", point: 0, comma: 2 }])}`, "transactions", "2026-01-05", path.join(dir, "trades.csv")]);
    s3.put("processed", `${LOAD_OUTCOME_PREFIX}load_date=2026-01-05/transactions.json`, JSON.stringify(record), "application/json");
    const client = new S3Client({});
    try {
      const outcome = (await readLoadOutcomes(client, "processed", "2026-01-05")).find((o) => o.dataset === "transactions");
      expect(outcome!.numbers).to.deep.equal({ decimal_separator: ",", from: "values" });
      const transactions = contracts.find((c) => c.name === "transactions")!;
      expect(contractForLoad(transactions, outcome!.numbers).numbers.decimal).to.equal(",");
    } finally {
      client.destroy();
    }
  });

  it("gives the reader the dataset, its raw files and the layer counts", async function () {
    this.timeout(60000);
    const exports = {
      "clientes.csv": "customer_id,id_type,id_number,customer_name,city,segment\nC000001,CC,1,Ana,Cali,hogar\nC000002,CC,2,\"Luis,Cali,hogar\nC000003,CC,3,Eva,Cali\n",
      "b.csv": "customer_id;id_type;id_number;customer_name;city;segment\nC000004;CC;4;\"Díaz; Cía\";Pasto;hogar\n",
    };
    for (const [name, text] of Object.entries(exports)) fs.writeFileSync(path.join(dir, name), text);
    const record = transformRecord(["customers", "2026-01-05", ...Object.keys(exports).map((n) => path.join(dir, n))]);
    s3.put("processed", `${LOAD_OUTCOME_PREFIX}load_date=2026-01-05/customers.json`, JSON.stringify(record), "application/json");

    const client = new S3Client({});
    try {
      const outcome = (await readLoadOutcomes(client, "processed", "2026-01-05")).find((o) => o.dataset === "customers");
      expect(outcome).to.include({ dataset: "customers", load_date: "2026-01-05", rows_raw: 4, rows_processed: 2, rows_quarantined: 2 });
      expect(outcome!.raw_files).to.deep.equal(["customers/load_date=2026-01-05/b.csv", "customers/load_date=2026-01-05/clientes.csv"]);
    } finally {
      client.destroy();
    }
  });
});
