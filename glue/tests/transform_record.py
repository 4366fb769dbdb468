"""Runs the transform of one load (lake_common.run_transform, the Spark work by StdlibWork) over exports and prints its load record.

Usage: transform_record.py [--evidence=JSON] DATASET LOAD_DATE FILE... (the plan from LAKE_PLAN, as for the tests);
--evidence: what the plan's decimal_evidence_sql would give (Spark SQL, not run here).
The other side of test/glue/load-record.test.ts: the record the job writes, read by the Athena check.
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import lake_common as lc  # noqa: E402
from fake_s3 import FakeS3  # noqa: E402
from plan import dataset  # noqa: E402
from stdlib_work import StdlibWork  # noqa: E402


def main():
    args = sys.argv[1:]
    evidence = json.loads(args.pop(0)[len("--evidence="):]) if args and args[0].startswith("--evidence=") else None
    name, load_date, files = args[0], args[1], args[2:]
    plan = dataset(name)
    buckets = lc.Buckets(raw="raw", processed="processed", quarantine="quarantine", curated="curated")
    s3 = FakeS3()
    for file in files:
        path = pathlib.Path(file)
        s3.put_object(Bucket=buckets.raw, Key=lc.load_prefix(name, load_date) + path.name, Body=path.read_bytes())
    record = lc.run_transform(s3, buckets, plan, load_date, {"job": "energy-lake-test-transform", "run_id": "jr_1"}, StdlibWork(s3, buckets, plan, evidence=evidence), lambda holder: True)
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
