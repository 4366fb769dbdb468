import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadContracts, PROJECT_ROOT } from "../../src/model/contracts";
import { curatedFiles } from "../../src/pipeline/layout";
import { listParquet } from "../../src/sql/batch-source";

/**
 * The curate job reads curated as the local merge does: for the same objects, glue/lake_common.py
 * curated_layout finds the files of the current layout that curatedFiles finds (what the merge
 * reads), and as files of another partitioning the ones the local merge rebuilds over, with the
 * local merge's reason.
 */
const LAYOUTS: Record<string, readonly string[]> = {
  "month partitions": ["trade_month=2024-03/part-0.parquet", "trade_month=2024-03/part-10.parquet", "trade_month=2024-03/part-2.parquet", "trade_month=__HIVE_DEFAULT_PARTITION__/part-0.parquet"],
  "one file left from before partitioning": ["data.parquet", "trade_month=2024-03/part-0.parquet"],
  "another partition name": ["trade_year=2024/part-0.parquet", "trade_month=2024-03/part-0.parquet"],
  "files not named as parts": ["trade_month=2024-03/part-0.parquet", "trade_month=2024-03/extra.parquet", "trade_month=2024-03/notes.txt"],
  "nested too deep": ["trade_month=2024-03/x/part-0.parquet"],
};

function python(keys: readonly string[], dataset: string, partition: unknown): { current: string[]; stray: string[]; reason: string | null } {
  const code =
    `import json, sys; sys.path.insert(0, ${JSON.stringify(path.join(PROJECT_ROOT, "glue"))}); import lake_common as lc; ` +
    `a = json.loads(sys.argv[1]); c, s = lc.curated_layout(a["keys"], a["dataset"], a["partition"]); ` +
    `print(json.dumps({"current": c, "stray": s, "reason": lc.rebuild_reason_for_layout(a["dataset"], s)}))`;
  return JSON.parse(execFileSync("python3", ["-c", code, JSON.stringify({ keys, dataset, partition })], { encoding: "utf8" })) as { current: string[]; stray: string[]; reason: string | null };
}

describe("Glue curated layout parity with the local merge (lake_common.curated_layout vs src/pipeline/layout.ts)", () => {
  const contracts = loadContracts();
  let lake: string;
  beforeEach(() => {
    lake = fs.mkdtempSync(path.join(os.tmpdir(), "energy-lake-curated-layout-"));
  });
  afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

  for (const dataset of ["transactions", "providers"]) {
    for (const [name, files] of Object.entries(LAYOUTS)) {
      it(`${dataset}: ${name}`, () => {
        const contract = contracts.find((c) => c.name === dataset)!;
        const keys = files.map((f) => `${dataset}/${f}`);
        for (const key of keys) {
          fs.mkdirSync(path.dirname(path.join(lake, "curated", key)), { recursive: true });
          fs.writeFileSync(path.join(lake, "curated", key), "");
        }
        const local = curatedFiles(lake, contract).map((f) => path.relative(path.join(lake, "curated"), f).split(path.sep).join("/"));
        const localStray = listParquet(path.join(lake, "curated", dataset)).map((f) => path.relative(path.join(lake, "curated"), f).split(path.sep).join("/")).filter((f) => !local.includes(f));
        const glue = python(keys, dataset, contract.curatedPartition ?? null);
        expect([...glue.current].sort()).to.deep.equal([...local].sort());
        expect(glue.stray).to.deep.equal([...localStray].sort());
        expect(glue.reason).to.equal(localStray.length === 0 ? null : `curated/${dataset} holds files of another partitioning (curated/${[...localStray].sort()[0]}); curated_partition changed, so curated is rebuilt from every processed partition`);
      });
    }
  }
});
