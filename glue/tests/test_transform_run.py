"""The transform job's run (lake_common.run_transform, what transform.py executes) on hostile exports, against an in-memory S3.

Only the Spark work is replaced (stdlib_work.StdlibWork): the exports are read by the same export_records the
executors run, accepted records are written as processed and refused ones as quarantine, and the
files are counted back. Typing values is the plan's typed view in Spark SQL, compiled and tested
from TypeScript; everything else the job does (headers first, staging, publishing, the load record
as commit marker, the lock, the counts) runs here as on Glue.
"""
import json
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import lake_common as lc  # noqa: E402
from fake_s3 import FakeS3  # noqa: E402
from plan import dataset  # noqa: E402
from stdlib_work import StdlibWork, rows_of  # noqa: E402

CUSTOMERS = dataset("customers")
BUCKETS = lc.Buckets(raw="raw", processed="processed", quarantine="quarantine", curated="curated")
LOAD_DATE = "2026-01-05"
PREFIX = lc.load_prefix("customers", LOAD_DATE)
HEADER = "customer_id,id_type,id_number,customer_name,city,segment"


def alive(holder):
    return True


def run(s3, run_id="jr_1", work=None, is_alive=alive):
    return lc.run_transform(s3, BUCKETS, CUSTOMERS, LOAD_DATE, {"job": "energy-lake-test-transform", "run_id": run_id}, work or StdlibWork(s3, BUCKETS, CUSTOMERS), is_alive)


def upload(s3, name, data):
    s3.put_object(Bucket=BUCKETS.raw, Key=PREFIX + name, Body=data.encode("utf-8") if isinstance(data, str) else data)


def lake(s3):
    """Every object outside raw, the load record's run id aside: what two runs of one load must agree on."""
    snapshot = {}
    for bucket in (BUCKETS.processed, BUCKETS.quarantine):
        for key in s3.keys(bucket):
            body = s3.objects[bucket][key]
            if key == lc.outcome_key("customers", LOAD_DATE):
                body = {k: v for k, v in json.loads(body).items() if k != "job_run_id"}
            snapshot[(bucket, key)] = body
    return snapshot


def published(s3, bucket):
    return [row for key in s3.keys(bucket, PREFIX) for row in rows_of(s3, bucket, key)]


# A Windows-1252 export: a quoted comma, a byte neither UTF-8 nor Windows-1252 reads, an unterminated quote, a ragged row.
CP1252_EXPORT = (HEADER + "\r\n" + 'C000001,CC,1,"Pe\u00f1a, Ana",Medell\u00edn,hogar\r\n').encode("cp1252") + b"C000002,CC,2,X\x81Y,Cali,hogar\r\n" + (
    'C000003,CC,3,"Luis,Cali,hogar\r\nC000004,CC,4,Eva,Cali,hogar\r\nC000005,CC,5,Ana,Cali\r\nC000006,CC,6,Jos\u00e9 \u20ac,Bogot\u00e1,comercial\r\n'
).encode("cp1252")
# A UTF-8 export with semicolons, commas inside quotes, a header in Spanish.
SEMICOLON_EXPORT = 'Cliente_ID;Tipo Identificación;Numero-Documento;NOMBRE;Ciudad;Segmento\nC000007;CC;7;"Gómez, Luis";Cali;hogar\nC000008;NIT;8;"Díaz; Cía";Pasto;industrial\n'


class HostileExports(unittest.TestCase):
    def setUp(self):
        self.s3 = FakeS3()
        upload(self.s3, "clientes.csv", CP1252_EXPORT)
        upload(self.s3, "export;semi.csv", SEMICOLON_EXPORT)

    def test_each_export_is_read_as_the_local_reader_reads_it_and_every_record_lands_once(self):
        record = run(self.s3)
        by_file = {f["raw_path"].rsplit("/", 1)[-1]: f for f in record["files"]}
        self.assertEqual({n: (f["encoding"], f["delimiter"]) for n, f in by_file.items()}, {"clientes.csv": ("windows-1252", ","), "export;semi.csv": ("utf-8", ";")})
        self.assertEqual((record["rows_raw"], record["rows_processed"], record["rows_quarantined"], record["reconciled"]), (8, 5, 3, True))

        processed = {(r[0], r[1]): r[2 + CUSTOMERS["columns"].index("customer_name")] for r in published(self.s3, BUCKETS.processed)}
        self.assertEqual(processed, {
            ("clientes.csv", 2): "Pe\u00f1a, Ana", ("clientes.csv", 5): "Eva", ("clientes.csv", 7): "Jos\u00e9 \u20ac",
            ("export;semi.csv", 2): "Gómez, Luis", ("export;semi.csv", 3): "Díaz; Cía",
        }, "the file is read as Windows-1252, not turned into mojibake, and the bad byte costs one record")

        width = len(CUSTOMERS["columns"])
        quarantine = {(r[width], r[width + 1]): (r[width + 2], r[width + 3]) for r in published(self.s3, BUCKETS.quarantine)}
        self.assertEqual(sorted(quarantine), [("clientes.csv", 3), ("clientes.csv", 4), ("clientes.csv", 6)])
        self.assertEqual(quarantine[("clientes.csv", 3)], ("byte 0x81 at position 15 is a character in neither UTF-8 nor Windows-1252; re-export the file as UTF-8", "structure"))
        self.assertTrue(quarantine[("clientes.csv", 4)][0].startswith("unterminated quote"), quarantine[("clientes.csv", 4)])
        self.assertEqual(quarantine[("clientes.csv", 6)][0], "ragged row: 5 fields where the header has 6")

    def test_the_load_is_published_under_the_layout_with_no_staging_or_lock_left(self):
        record = run(self.s3)
        self.assertEqual(self.s3.keys(BUCKETS.processed), [lc.outcome_key("customers", LOAD_DATE), *[lc.part_key(PREFIX, i) for i in range(3)]])
        self.assertEqual(self.s3.keys(BUCKETS.quarantine), [lc.part_key(PREFIX, 0)])
        self.assertEqual(json.loads(self.s3.objects[BUCKETS.processed][lc.outcome_key("customers", LOAD_DATE)]), json.loads(json.dumps(record)))
        self.assertEqual([r["status"] for r in record["rules"]], ["pass"] * len(CUSTOMERS["dq_rules"]))

    def test_a_header_problem_in_any_export_fails_the_load_before_anything_is_written(self):
        run(self.s3)
        before = lake(self.s3)
        upload(self.s3, "zz-duplicado.csv", "customer_id,cliente_id,id_type,customer_name,city\nC1,C1,CC,Ana,Cali\n")
        work = StdlibWork(self.s3, BUCKETS, CUSTOMERS)
        with self.assertRaises(lc.ExportError) as caught:
            run(self.s3, "jr_2", work)
        self.assertEqual(str(caught.exception), 'zz-duplicado.csv: the header does not fit dataset "customers" (contract contracts/customers.json):\n  - more than one header means "customer_id"; keep one')
        self.assertEqual(work.staged, 0, "nothing was read into Spark")
        self.assertEqual(lake(self.s3), before, "the earlier run of the load is left as it was")
        self.assertEqual(self.s3.keys(BUCKETS.processed, "_locks/"), [])

    def test_raw_is_counted_by_the_reader_so_a_row_lost_on_the_way_fails_reconciliation(self):
        record = run(self.s3, work=StdlibWork(self.s3, BUCKETS, CUSTOMERS, lose_rows=1))
        self.assertEqual((record["rows_raw"], record["rows_processed"], record["rows_quarantined"]), (8, 4, 3))
        self.assertFalse(record["reconciled"])

    def test_a_re_run_gives_the_same_lake_and_a_smaller_one_leaves_no_stale_file(self):
        run(self.s3, "jr_1")
        first = lake(self.s3)
        run(self.s3, "jr_2", StdlibWork(self.s3, BUCKETS, CUSTOMERS))
        self.assertEqual(lake(self.s3), first)
        self.s3.delete_object(Bucket=BUCKETS.raw, Key=PREFIX + "clientes.csv")
        record = run(self.s3, "jr_3")
        self.assertEqual((record["rows_raw"], record["rows_processed"]), (2, 2))
        self.assertEqual(self.s3.keys(BUCKETS.processed, PREFIX), [lc.part_key(PREFIX, 0)])
        self.assertEqual(published(self.s3, BUCKETS.quarantine), [])

    def test_no_export_for_a_load_that_an_earlier_run_wrote_is_refused_not_recorded_as_empty(self):
        run(self.s3)
        before = lake(self.s3)
        for name in ["clientes.csv", "export;semi.csv"]:
            self.s3.delete_object(Bucket=BUCKETS.raw, Key=PREFIX + name)
        with self.assertRaises(lc.ExportError) as caught:
            run(self.s3, "jr_2")
        self.assertIn("holds no export, but s3://processed/customers/load_date=2026-01-05/ and s3://quarantine/customers/load_date=2026-01-05/ hold an earlier run", str(caught.exception))
        self.assertEqual(lake(self.s3), before)

    def test_a_load_with_no_export_says_so(self):
        record = run(FakeS3())
        self.assertEqual((record["rows_raw"], record["reconciled"], record["nothing_loaded"]), (0, True, "no export files for this load"))


class ConcurrentRuns(unittest.TestCase):
    def setUp(self):
        self.s3 = FakeS3()
        upload(self.s3, "clientes.csv", CP1252_EXPORT)
        alone = FakeS3()
        upload(alone, "clientes.csv", CP1252_EXPORT)
        run(alone)
        self.alone = lake(alone)

    def test_a_second_run_of_the_load_is_refused_while_the_first_runs_and_the_first_is_unharmed(self):
        refusals = []

        def second_run():
            with self.assertRaises(lc.LockHeld) as caught:
                run(self.s3, "jr_2")
            refusals.append(str(caught.exception))

        run(self.s3, "jr_1", StdlibWork(self.s3, BUCKETS, CUSTOMERS, during_stage=second_run))
        self.assertEqual(len(refusals), 1)
        self.assertIn("the transform of customers 2026-01-05 holds s3://processed/_locks/transform/customers/load_date=2026-01-05.json (run jr_1", refusals[0])
        self.assertEqual(lake(self.s3), self.alone)
        self.assertEqual(self.s3.keys(BUCKETS.processed, "_staging/"), [])

    def test_a_run_judged_dead_and_taken_over_publishes_nothing(self):
        def takeover():
            run(self.s3, "jr_2", StdlibWork(self.s3, BUCKETS, CUSTOMERS), is_alive=lambda holder: holder["run_id"] != "jr_1")

        with self.assertRaises(lc.LockHeld) as caught:
            run(self.s3, "jr_1", StdlibWork(self.s3, BUCKETS, CUSTOMERS, during_stage=takeover))
        self.assertIn("is held by nobody, not by this run (jr_1); nothing was published", str(caught.exception))
        self.assertEqual(lake(self.s3), self.alone, "the lake is the run that took over's")
        self.assertEqual(self.s3.keys(BUCKETS.processed, "_staging/") + self.s3.keys(BUCKETS.quarantine, "_staging/"), [], "the stopped run removed its staging")

    def test_a_run_stopped_while_publishing_leaves_no_record_vouching_for_the_load_and_the_next_run_repairs_it(self):
        run(self.s3, "jr_1")

        def fail_in_quarantine(operation, key):
            if operation == "copy" and key.startswith(PREFIX) and self.s3.calls[-1][1] == BUCKETS.quarantine:
                raise OSError("connection reset")

        self.s3.before_write = fail_in_quarantine
        with self.assertRaises(OSError):
            run(self.s3, "jr_2")
        self.s3.before_write = None
        self.assertNotIn(lc.outcome_key("customers", LOAD_DATE), self.s3.keys(BUCKETS.processed))
        with self.assertRaises(lc.LoadNotReady) as caught:
            lc.read_load_record(self.s3, BUCKETS.processed, "customers", LOAD_DATE)
        self.assertIn("run the transform of 2026-01-05 again, then curate", str(caught.exception))
        self.assertEqual(self.s3.keys(BUCKETS.processed, "_locks/"), [])
        run(self.s3, "jr_3")
        self.assertEqual(lake(self.s3), self.alone)

    def test_no_transform_of_a_load_runs_while_curate_reads_it(self):
        run(self.s3, "jr_1")
        curator = {"what": "the curation of customers 2026-01-05", "job": "energy-lake-test-curate", "run_id": "jr_c", "started": "2026-01-05T07:00:00+00:00"}
        with lc.holding(self.s3, lc.curate_locks(BUCKETS.processed, BUCKETS.curated, "customers", LOAD_DATE), curator, alive):
            self.assertEqual(lc.read_load_record(self.s3, BUCKETS.processed, "customers", LOAD_DATE)["rows_raw"], 6)
            with self.assertRaises(lc.LockHeld) as caught:
                run(self.s3, "jr_2")
            self.assertIn("the curation of customers 2026-01-05 holds", str(caught.exception))
        self.assertEqual(self.s3.keys(BUCKETS.processed, "_locks/") + self.s3.keys(BUCKETS.curated, "_locks/"), [])
        run(self.s3, "jr_2")

    def test_holding_releases_what_it_took_when_a_later_lock_is_refused(self):
        locks = lc.curate_locks(BUCKETS.processed, BUCKETS.curated, "customers", LOAD_DATE)
        lc.acquire_lock(self.s3, *locks[1], {"what": "the transform of customers 2026-01-05", "job": "t", "run_id": "jr_t"}, alive)
        with self.assertRaises(lc.LockHeld):
            with lc.holding(self.s3, locks, {"what": "the curation", "job": "c", "run_id": "jr_c"}, alive):
                self.fail("the block must not run")
        self.assertEqual(self.s3.keys(BUCKETS.curated, "_locks/"), [])


if __name__ == "__main__":
    unittest.main()
