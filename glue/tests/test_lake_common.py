"""The Glue jobs' layout, locks, publishing and outcome mapping: lake_common, against an in-memory S3."""
import datetime
import json
import pathlib
import sys
import threading
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import lake_common as lc  # noqa: E402
from fake_s3 import FakeS3  # noqa: E402
from plan import dataset, glue_plan  # noqa: E402

BUCKET = "processed"


def holder(run_id):
    return {"what": f"the transform of transactions 2026-01-05 ({run_id})", "job": "energy-lake-dev-transform", "run_id": run_id, "started": "2026-01-05T06:00:00+00:00"}


class Layout(unittest.TestCase):
    def test_keys_follow_the_shared_layout(self):
        self.assertEqual(lc.load_prefix("transactions", "2026-01-05"), "transactions/load_date=2026-01-05/")
        self.assertEqual(lc.part_key("transactions/load_date=2026-01-05/", 0), "transactions/load_date=2026-01-05/part-0.parquet")
        self.assertEqual(lc.curated_file_key("providers"), "providers/data.parquet")
        self.assertEqual(lc.curated_partition_prefix("transactions", "trade_month", "2026-01"), "transactions/trade_month=2026-01/")
        self.assertEqual(lc.outcome_key("transactions", "2026-01-05"), "_quality/load_date=2026-01-05/transactions.json")

    def test_a_load_is_written_as_a_few_bounded_files(self):
        self.assertEqual([lc.files_for(n) for n in [0, 1, lc.MAX_ROWS_PER_FILE, lc.MAX_ROWS_PER_FILE + 1, 20_000_000]], [1, 1, 1, 2, 20])

    def test_curated_periods(self):
        day = datetime.date(2026, 1, 5)
        self.assertEqual([lc.period_value(day, g) for g in ["year", "month", "day"]], ["2026", "2026-01", "2026-01-05"])
        self.assertEqual(lc.period_value(datetime.datetime(1899, 12, 31, 23, 59), "month"), "1899-12")
        self.assertEqual(lc.period_value(None, "month"), "__HIVE_DEFAULT_PARTITION__")

    def test_load_dates_are_real_dates(self):
        self.assertEqual(lc.check_load_date("2024-02-29"), "2024-02-29")
        for bad in ["2023-02-29", "2024-13-01", "20240101", "2024-1-01"]:
            with self.assertRaises(ValueError) as caught:
                lc.check_load_date(bad)
            self.assertIn("YYYY-MM-DD", str(caught.exception))

    def test_raw_files_are_exports_and_every_other_object_is_named_with_why(self):
        prefix = "customers/load_date=2026-01-05/"
        keys = [prefix + k for k in ["clientes.csv", "b/clientes.csv", "clientes.CSV.gz", "notas.pdf", "_ready", ".hidden.csv", "sin_extension", "export.tsv", "x.txt"]] + [prefix]
        files, skipped = lc.raw_files(keys, prefix)
        self.assertEqual([name for _, name in files], ["b/clientes.csv", "clientes.CSV.gz", "clientes.csv", "export.tsv", "x.txt"])
        self.assertEqual({s["file"]: s["reason"].split(" (")[0] for s in skipped}, {
            ".hidden.csv": "a marker or hidden object", "_ready": "a marker or hidden object", "notas.pdf": "not a CSV export", "sin_extension": "not a CSV export",
        })
        self.assertIn("extension .pdf", next(s["reason"] for s in skipped if s["file"] == "notas.pdf"))

    def test_every_datasets_key_is_read_from_the_plan(self):
        s3 = FakeS3()
        s3.put_object(Bucket="artifacts", Key="glue/plan.json", Body=json.dumps(glue_plan()))
        keys = lc.dataset_keys(s3, "s3://artifacts/glue/plan.json")
        self.assertEqual(keys["providers"], dataset("providers")["key"])
        self.assertEqual(sorted(keys), sorted(glue_plan()["datasets"]))

    def test_the_plan_carries_what_the_reader_and_the_frame_need(self):
        transactions = dataset("transactions")
        self.assertEqual(transactions["batch_view"], "batch_input")
        self.assertIn("FROM batch_input", transactions["typed_view_sql"])
        self.assertEqual(transactions["dq_frame_columns"][:3], ["_source_file", "_row", "_load_date"])
        self.assertIn("transaction_date__present", transactions["dq_frame_columns"])
        self.assertEqual(transactions["headers"]["fecha_transaccion"], "transaction_date")


class Locks(unittest.TestCase):
    def setUp(self):
        self.s3 = FakeS3()
        self.key = lc.transform_lock_key("transactions", "2026-01-05")

    def test_a_second_live_run_is_refused_naming_the_holder(self):
        lc.acquire_lock(self.s3, BUCKET, self.key, holder("jr_1"), lambda h: True)
        with self.assertRaises(lc.LockHeld) as caught:
            lc.acquire_lock(self.s3, BUCKET, self.key, holder("jr_2"), lambda h: True)
        self.assertIn("(jr_1) holds s3://processed/_locks/transform/transactions/load_date=2026-01-05.json (run jr_1", str(caught.exception))
        self.assertIn("wait for it to finish, or stop that job run", str(caught.exception))

    def test_released_by_its_holder_only(self):
        lc.acquire_lock(self.s3, BUCKET, self.key, holder("jr_1"), lambda h: True)
        lc.release_lock(self.s3, BUCKET, self.key, "jr_2")
        self.assertEqual(self.s3.keys(BUCKET, "_locks/"), [self.key])
        lc.release_lock(self.s3, BUCKET, self.key, "jr_1")
        self.assertEqual(self.s3.keys(BUCKET, "_locks/"), [])
        lc.acquire_lock(self.s3, BUCKET, self.key, holder("jr_3"), lambda h: True)

    def test_a_dead_runs_lock_is_taken_over_by_exactly_one_contender(self):
        lc.acquire_lock(self.s3, BUCKET, self.key, holder("jr_dead"), lambda h: True)
        outcomes = {}
        start = threading.Barrier(8)

        def contend(run_id):
            start.wait()
            try:
                lc.acquire_lock(self.s3, BUCKET, self.key, holder(run_id), lambda h: h["run_id"] != "jr_dead")
                outcomes[run_id] = "won"
            except lc.LockHeld:
                outcomes[run_id] = "refused"

        threads = [threading.Thread(target=contend, args=(f"jr_{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(outcomes.values()).count("won"), 1, outcomes)

    def test_racing_runs_for_a_free_lock_many_times(self):
        for attempt in range(30):
            s3 = FakeS3()
            winners = []
            start = threading.Barrier(4)

            def contend(run_id):
                start.wait()
                try:
                    lc.acquire_lock(s3, BUCKET, self.key, holder(run_id), lambda h: True)
                    winners.append(run_id)
                except lc.LockHeld:
                    pass

            threads = [threading.Thread(target=contend, args=(f"jr_{attempt}_{i}",)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(len(winners), 1, winners)


class Publishing(unittest.TestCase):
    def setUp(self):
        self.s3 = FakeS3()
        self.prefix = lc.load_prefix("transactions", "2026-01-05")
        for i in range(3):
            self.s3.put_object(Bucket=BUCKET, Key=lc.part_key(self.prefix, i), Body=f"old {i}")
        self.s3.put_object(Bucket=BUCKET, Key="transactions/load_date=2026-01-04/part-0.parquet", Body="other load")

    def stage(self, run_id, count):
        staging = lc.staging_prefix("transform", "transactions", run_id)
        keys = [f"{staging}processed/part-{i:05d}-{run_id}.zstd.parquet" for i in range(count)]
        for i, key in enumerate(keys):
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=f"{run_id} {i}")
        return keys

    def test_a_re_run_replaces_exactly_that_load_and_leaves_no_staging(self):
        finals = lc.replace_prefix(self.s3, BUCKET, self.stage("jr_2", 2), self.prefix)
        self.assertEqual(finals, [lc.part_key(self.prefix, 0), lc.part_key(self.prefix, 1)])
        self.assertEqual(self.s3.keys(BUCKET, self.prefix), finals)
        self.assertEqual([self.s3.objects[BUCKET][k] for k in finals], [b"jr_2 0", b"jr_2 1"])
        self.assertEqual(self.s3.objects[BUCKET]["transactions/load_date=2026-01-04/part-0.parquet"], b"other load")
        self.assertEqual(self.s3.keys(BUCKET, "_staging/"), [])

    def test_a_run_that_fails_before_publishing_leaves_the_previous_load(self):
        self.stage("jr_failed", 5)
        self.assertEqual([self.s3.objects[BUCKET][lc.part_key(self.prefix, i)] for i in range(3)], [b"old 0", b"old 1", b"old 2"])

    def test_a_failure_while_publishing_is_repaired_by_the_next_run(self):
        staged = self.stage("jr_2", 1)

        def fail_on_delete(operation, key):
            if operation == "delete":
                raise OSError("connection reset")

        self.s3.before_write = fail_on_delete
        with self.assertRaises(OSError):
            lc.replace_prefix(self.s3, BUCKET, staged, self.prefix)
        self.s3.before_write = None
        lc.replace_prefix(self.s3, BUCKET, self.stage("jr_3", 1), self.prefix)
        self.assertEqual(self.s3.keys(BUCKET, self.prefix), [lc.part_key(self.prefix, 0)])
        self.assertEqual(self.s3.objects[BUCKET][lc.part_key(self.prefix, 0)], b"jr_3 0")

    def test_staging_is_per_run_so_concurrent_runs_never_share_files(self):
        a, b = self.stage("jr_a", 2), self.stage("jr_b", 2)
        self.assertFalse(set(a) & set(b))
        self.assertNotEqual(lc.staging_prefix("transform", "transactions", "jr_a"), lc.staging_prefix("transform", "transactions", "jr_b"))

    def test_curated_partitions_are_placed_and_registered(self):
        staging = lc.staging_prefix("curate", "transactions", "jr_c")
        staged = [f"{staging}trade_month=2026-01/part-1.parquet", f"{staging}trade_month=2026-01/part-0.parquet", f"{staging}trade_month=__HIVE_DEFAULT_PARTITION__/part-0.parquet"]
        placements, written = lc.curated_placements("transactions", "trade_month", staging, staged)
        self.assertEqual([final for _, final in placements], [
            "transactions/trade_month=2026-01/part-0.parquet", "transactions/trade_month=2026-01/part-1.parquet", "transactions/trade_month=__HIVE_DEFAULT_PARTITION__/part-0.parquet",
        ])
        self.assertEqual(written, ["2026-01", "__HIVE_DEFAULT_PARTITION__"])
        # A key moved from 2025-12 to 2026-01 leaves 2025-12 empty: it is dropped from the catalog; 2026-01 is new.
        self.assertEqual(lc.partition_changes(["2025-12", "2026-01", "__HIVE_DEFAULT_PARTITION__"], written, ["2025-12", "2025-11", "__HIVE_DEFAULT_PARTITION__"]), (["2026-01"], ["2025-12"]))


class Outcomes(unittest.TestCase):
    def test_the_load_record_reconciles_counts_taken_apart(self):
        files = [{"source": "s3://raw/k", "raw_path": "raw/k", "encoding": "utf-8", "delimiter": ",", "headers": ["a"], "ignored_headers": [], "records": 10, "unparsable": 2, "warnings": []}]
        good = lc.load_record("customers", "2026-01-05", files, [], {"raw": 10, "processed": 7, "quarantined": 3}, [], {"decimal_separator": None, "from": "undecided"})
        self.assertTrue(good["reconciled"])
        self.assertEqual(good["files"][0]["records"], 10)
        lost = lc.load_record("customers", "2026-01-05", files, [], {"raw": 10, "processed": 6, "quarantined": 3}, [], {"decimal_separator": None, "from": "undecided"})
        self.assertFalse(lost["reconciled"], "a row lost between reading and writing shows")

    def test_rule_outcomes_map_by_label_then_position(self):
        rules = [{"rule_id": "a", "severity": "error", "dqdl": ["RowCount >= 1 labels=[...]"]}, {"rule_id": "b", "severity": "warn", "dqdl": ["x", "y"]}]
        labelled = [
            {"Rule": "x", "Outcome": "Failed", "FailureReason": "too big", "Labels": {"rule_id": "b", "severity": "warn"}},
            {"Rule": "RowCount>=1", "Outcome": "Passed", "Labels": {"rule_id": "a"}},
            {"Rule": "?", "Outcome": "Failed", "Labels": {"rule_id": "gone"}},
        ]
        mapped, unmatched = lc.rule_outcomes(rules, labelled)
        self.assertEqual([(r["rule_id"], r["status"]) for r in mapped], [("a", "pass"), ("b", "fail")])
        self.assertEqual(unmatched, [labelled[2]])
        positional, _ = lc.rule_outcomes(rules, [{"Rule": "r1", "Outcome": "Passed"}, {"Rule": "r2", "Outcome": "Passed"}])
        self.assertEqual([(r["rule_id"], r["status"]) for r in positional], [("a", "pass"), ("b", "missing")])


class RunLiveness(unittest.TestCase):
    """The lock holders' liveness both jobs ask Glue for: live states may still write, an ended or unknown run may not."""

    class FakeGlue:
        class exceptions:
            class EntityNotFoundException(Exception):
                pass

        def __init__(self, states):
            self.states = states

        def get_job_run(self, JobName, RunId):
            if RunId not in self.states:
                raise self.exceptions.EntityNotFoundException(RunId)
            return {"JobRun": {"JobRunState": self.states[RunId]}}

    def test_live_ended_and_unknown_runs(self):
        alive = lc.glue_run_liveness(self.FakeGlue({"r1": "RUNNING", "r2": "WAITING", "r3": "SUCCEEDED", "r4": "FAILED"}))
        verdicts = {run: alive({"job": "transform", "run_id": run}) for run in ["r1", "r2", "r3", "r4", "gone"]}
        self.assertEqual(verdicts, {"r1": True, "r2": True, "r3": False, "r4": False, "gone": False})


if __name__ == "__main__":
    unittest.main()
