"""The Spark side of lake_common.run_transform in plain Python, for the tests.

The exports are read by the same export_records the executors run; accepted records are written
as processed and refused ones as quarantine (typing values is the plan's typed view in Spark SQL,
compiled and tested from TypeScript); files are counted back. Files are JSON lines under Spark's
Parquet names: all lake_common reads of them is their keys.
"""
import json

import lake_common as lc


class StdlibWork:
    def __init__(self, s3, buckets, plan, rows_per_file=2, lose_rows=0, during_stage=None, evidence=None):
        """`evidence`: what the plan's decimal_evidence_sql would give (Spark SQL, not run here)."""
        self.s3, self.buckets, self.plan, self.evidence = s3, buckets, plan, evidence
        self.rows_per_file, self.lose_rows, self.during_stage = rows_per_file, lose_rows, during_stage
        self.staged = 0

    def stage(self, files, staging):
        self.staged += 1
        found = {"file": [], "row": [], "structure": []}
        for key, name in files:
            data = self.s3.get_object(Bucket=self.buckets.raw, Key=key)["Body"].read()
            for kind, value in lc.export_records(self.buckets.raw, key, name, data, self.plan):
                found[kind].append(value)
        processed = found["row"][self.lose_rows:]
        for i in range(0, max(len(processed), 1), self.rows_per_file):
            self.write(self.buckets.processed, f"{staging}processed/part-{i:05d}-c000.zstd.parquet", processed[i:i + self.rows_per_file])
        self.write(self.buckets.quarantine, f"{staging}quarantine/part-00000-c000.zstd.parquet", found["structure"])
        for bucket, part in [(self.buckets.processed, "processed"), (self.buckets.quarantine, "quarantine")]:
            self.s3.put_object(Bucket=bucket, Key=f"{staging}{part}/_SUCCESS", Body=b"")
        if self.during_stage is not None:
            self.during_stage()
        numbers, warnings = lc.decide_numbers(self.plan, self.evidence)
        return {"files": found["file"], "numbers": numbers, "warnings": warnings}

    def write(self, bucket, key, rows):
        self.s3.put_object(Bucket=bucket, Key=key, Body="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def count(self, bucket, prefix):
        return sum(len(rows_of(self.s3, bucket, k)) for k in lc.staged_parquet(self.s3, bucket, prefix))

    def evaluate(self):
        rules = self.plan["dq_rules"]
        return lc.rule_outcomes(rules, [{"Rule": d, "Outcome": "Passed", "Labels": {"rule_id": r["rule_id"]}} for r in rules for d in r["dqdl"]])


def rows_of(s3, bucket, key):
    return [json.loads(line) for line in s3.objects[bucket][key].decode("utf-8").splitlines()]
