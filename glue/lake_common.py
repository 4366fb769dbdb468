"""What the energy-lake Glue jobs share, standard library only (shipped with --extra-py-files).

The plan (plan.json, compiled from the contracts), the lake layout on S3 (the same keys as the
local lake), the per-load lock, publishing staged files, the transform run itself (run_transform:
the order of reading, staging, publishing and the load record), the curated merge's bookkeeping,
the load record the job leaves for the quality step, and the mapping of Glue Data Quality outcomes
back to rules. The Spark and boto3 calls stay in transform.py and curate.py; everything here takes
plain values, an S3 client or an object doing the Spark work, so the tests run it without Spark,
awsglue or AWS.

How a run replaces a load, and why this way (docs/aws.md, "Writes"): the layout fixes the final
keys (processed/<dataset>/load_date=D/part-<n>.parquet is where Athena's projection and the
crawlers look), so readers cannot be switched by a pointer, and S3 has no multi-object rename.
So a run writes everything under its own staging prefix, then copies each file over its final
key (each object replaced atomically), and the load record is the commit marker: it is deleted
before the first final key changes and written after the last, and the quality step and curate
read a load only through it. Runs of one load are serialised by a lock object created with a
conditional write (If-None-Match), which S3 arbitrates: of two runs one gets it, the other is
refused naming the holder; curate holds the same lock while it reads the load.
"""
import collections
import contextlib
import datetime
import json
import posixpath
import re

import lake_csv
from lake_csv import ExportError, header_key  # noqa: F401  (re-exported: the jobs import lake_common only)

LOAD_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Export files the load reads (src/pipeline/discover.ts), gzipped or not.
DATA_EXTENSIONS = (".csv", ".tsv", ".txt")
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Curated partition values by granularity (yyyy, yyyy-MM, yyyy-MM-dd), as strftime and as Spark's date_format patterns.
PERIOD_FORMATS = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d"}
SPARK_PERIOD_PATTERNS = {"year": "yyyy", "month": "yyyy-MM", "day": "yyyy-MM-dd"}
# A few size-bounded files per partition.
MAX_ROWS_PER_FILE = 1_000_000
# Glue job run states of a run that may still write.
LIVE_RUN_STATES = {"STARTING", "RUNNING", "STOPPING", "WAITING"}


def glue_run_liveness(glue_api):
    """Whether a lock's holder (its job and run id) may still write, asked of Glue; a run Glue no longer knows is dead."""

    def run_is_alive(holder):
        try:
            state = glue_api.get_job_run(JobName=holder["job"], RunId=holder["run_id"])["JobRun"]["JobRunState"]
        except glue_api.exceptions.EntityNotFoundException:
            return False
        return state in LIVE_RUN_STATES

    return run_is_alive


def check_load_date(value):
    """A real calendar date written YYYY-MM-DD, or ValueError saying how to pass one."""
    if LOAD_DATE.match(value):
        try:
            datetime.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise ValueError(f"--load_date {value!r} is not a date; pass the load date as YYYY-MM-DD, e.g. 2024-05-01")


def split_s3_uri(uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def read_plan(s3, uri, dataset):
    bucket, key = split_s3_uri(uri)
    plan = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    if dataset not in plan["datasets"]:
        raise ValueError(f"--dataset {dataset!r} is not in the plan; datasets: {', '.join(sorted(plan['datasets']))}")
    return plan["datasets"][dataset]


def dataset_keys(s3, uri):
    """Each dataset's key columns, from the plan."""
    bucket, key = split_s3_uri(uri)
    return {name: d["key"] for name, d in json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["datasets"].items()}


def list_keys(s3, bucket, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


# ---------------------------------------------------------------------------------------------
# The layout (COORDINATION.md): the same keys as the local lake, one bucket per layer.


def load_prefix(dataset, load_date):
    """raw/, processed/ and quarantine/ hold a load under <dataset>/load_date=<D>/."""
    return f"{dataset}/load_date={load_date}/"


def part_key(prefix, index):
    return f"{prefix}part-{index}.parquet"


def curated_file_key(dataset):
    return f"{dataset}/data.parquet"


def curated_partition_prefix(dataset, name, value):
    return f"{dataset}/{name}={value}/"


def outcome_key(dataset, load_date):
    """Where the transform job leaves the load record of a dataset's load (read by the state machine and the quality step)."""
    return f"_quality/load_date={load_date}/{dataset}.json"


def transform_lock_key(dataset, load_date):
    return f"_locks/transform/{dataset}/load_date={load_date}.json"


def curate_lock_key(dataset):
    return f"_locks/curate/{dataset}.json"


def curate_locks(processed_bucket, curated_bucket, dataset, load_date):
    """What a curate run holds: the dataset's curated (one merge at a time) and the load's (no transform of it meanwhile)."""
    return [(curated_bucket, curate_lock_key(dataset)), (processed_bucket, transform_lock_key(dataset, load_date))]


def staging_prefix(job, dataset, run_id):
    return f"_staging/{job}/{dataset}/{run_id}/"


def files_for(rows):
    """How many files a write of `rows` rows is split into: a few, each at most MAX_ROWS_PER_FILE."""
    return max(1, -(-rows // MAX_ROWS_PER_FILE))


def period_value(value, granularity):
    """The curated partition value of a date (or timestamp) value; NULL_PARTITION for none."""
    if value is None:
        return NULL_PARTITION
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.strftime(PERIOD_FORMATS[granularity])


def raw_files(keys, prefix):
    """The load's export files under `prefix`, and the other objects there with why they are not read.

    The source file name is the key below the load's prefix (the file name, as locally, when the
    load's folder is flat). Names starting with `_` or `.` are markers and hidden files.
    """
    files, skipped = [], []
    for key in sorted(keys):
        name = key[len(prefix):]
        base = posixpath.basename(name)
        lower = base.lower()
        inner = lower[:-3] if lower.endswith(".gz") else lower
        if name == "" or key.endswith("/"):
            continue
        if base.startswith(("_", ".")):
            skipped.append({"file": name, "reason": "a marker or hidden object (its name starts with _ or .): not an export"})
        elif not inner.endswith(DATA_EXTENSIONS):
            extension = posixpath.splitext(inner)[1] or "(none)"
            skipped.append({"file": name, "reason": f"not a CSV export (extension {extension}{'.gz' if lower.endswith('.gz') else ''}); exports are read from .csv, .tsv and .txt files, gzipped or not"})
        else:
            files.append((key, name))
    return files, skipped


# ---------------------------------------------------------------------------------------------
# One run at a time per load: a lock object created with a conditional write.


class LockHeld(Exception):
    """Another live run holds the lock; the message names it and says what to do."""


def _is_precondition_failure(error):
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in ("PreconditionFailed", "412", "ConditionalRequestConflict")


def _read_lock(s3, bucket, key):
    try:
        got = s3.get_object(Bucket=bucket, Key=key)
    except Exception as error:  # a lock released in between reads as missing
        code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code")
        if code in ("NoSuchKey", "404"):
            return None, None
        raise
    return json.loads(got["Body"].read()), got["ETag"]


def acquire_lock(s3, bucket, key, holder, is_alive):
    """Takes the lock at `key` for `holder` (a dict naming the run), or raises LockHeld.

    Created only if absent (If-None-Match), so two runs cannot both take it. A lock left by a run
    that is no longer alive (`is_alive(holder) is False`, e.g. a killed job) is taken over with a
    write conditional on its ETag (If-Match): of two runs taking over the same stale lock, one wins.
    """
    body = json.dumps(holder, sort_keys=True).encode("utf-8")
    for _ in range(3):
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*")
            return
        except Exception as error:
            if not _is_precondition_failure(error):
                raise
        current, etag = _read_lock(s3, bucket, key)
        if current is None:
            continue
        if is_alive(current):
            raise LockHeld(
                f"{current.get('what', 'another run')} holds s3://{bucket}/{key} (run {current.get('run_id')}, started {current.get('started')}); "
                "wait for it to finish, or stop that job run, then run this one again"
            )
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json", IfMatch=etag)
            return
        except Exception as error:
            if not _is_precondition_failure(error):
                raise
    raise LockHeld(f"s3://{bucket}/{key} changed hands while this run tried to take it; run it again")


def release_lock(s3, bucket, key, run_id):
    """Removes the lock if this run still holds it (a run that lost it to a takeover leaves it)."""
    current, _ = _read_lock(s3, bucket, key)
    if current is not None and current.get("run_id") == run_id:
        s3.delete_object(Bucket=bucket, Key=key)


def check_still_held(s3, bucket, key, run_id):
    """Raises LockHeld when another run took the lock over (this one was judged dead): it must not publish."""
    current, _ = _read_lock(s3, bucket, key)
    if current is None or current.get("run_id") != run_id:
        holder = "nobody" if current is None else f"run {current.get('run_id')}"
        raise LockHeld(f"s3://{bucket}/{key} is held by {holder}, not by this run ({run_id}); nothing was published; run the load again")


@contextlib.contextmanager
def holding(s3, locks, holder, is_alive):
    """Holds every (bucket, key) lock of `locks`, taken in order, for the duration of the block; each released after."""
    taken = []
    try:
        for bucket, key in locks:
            acquire_lock(s3, bucket, key, holder, is_alive)
            taken.append((bucket, key))
        yield
    finally:
        for bucket, key in reversed(taken):
            release_lock(s3, bucket, key, holder["run_id"])


# ---------------------------------------------------------------------------------------------
# Publishing: staged under the run's own prefix, then swapped in.


def publish(s3, bucket, placements, stale_keys):
    """Copies each staged file to its final key, then removes what an earlier run left and the staged copies.

    Every object is replaced whole (S3 writes are atomic per object); until this runs, nothing
    outside the run's staging prefix has changed, so a failed run leaves the previous load as it
    was. Runs of one load are serialised by the lock, so no other run deletes these files.
    """
    finals = set()
    for staged, final in placements:
        s3.copy({"Bucket": bucket, "Key": staged}, bucket, final)
        finals.add(final)
    for key in stale_keys:
        if key not in finals:
            s3.delete_object(Bucket=bucket, Key=key)
    for staged, _ in placements:
        s3.delete_object(Bucket=bucket, Key=staged)


def staged_parquet(s3, bucket, prefix):
    return sorted(k for k in list_keys(s3, bucket, prefix) if k.endswith(".parquet"))


def replace_prefix(s3, bucket, staged_keys, final_prefix):
    """Publishes staged files as final_prefix/part-<n>.parquet, replacing everything under final_prefix."""
    placements = [(staged, part_key(final_prefix, i)) for i, staged in enumerate(sorted(staged_keys))]
    publish(s3, bucket, placements, list_keys(s3, bucket, final_prefix))
    return [final for _, final in placements]


def partition_of(key, staging, name):
    """The partition value of a staged key written partitioned by `name` (Spark writes <name>=<value>/)."""
    for segment in key[len(staging):].split("/"):
        if segment.startswith(f"{name}="):
            return segment[len(name) + 1:]
    raise ValueError(f"{key}: no {name}= segment under {staging}")


def curated_placements(dataset, name, staging, staged_keys):
    """Final keys of a partitioned curated write: curated/<dataset>/<name>=<value>/part-<n>.parquet, per partition."""
    by_partition = {}
    for key in sorted(staged_keys):
        by_partition.setdefault(partition_of(key, staging, name), []).append(key)
    placements = []
    for value, keys in sorted(by_partition.items()):
        placements.extend((key, part_key(curated_partition_prefix(dataset, name, value), i)) for i, key in enumerate(keys))
    return placements, sorted(by_partition)


def curated_layout(keys, dataset, partition):
    """The curated objects of `dataset` split into the current layout's files and the Parquet files of another one, as src/pipeline/layout.ts curatedFiles.

    `partition`: the plan's curated_partition (null: one file, <dataset>/data.parquet).
    """
    if partition is None:
        current = re.compile(re.escape(curated_file_key(dataset)) + "$")
    else:
        current = re.compile(re.escape(f"{dataset}/{partition['name']}=") + r"[^/]+/part-\d+\.parquet$")
    files, stray = [], []
    for key in sorted(keys):
        if current.match(key):
            files.append(key)
        elif key.endswith(".parquet"):
            stray.append(key)
    return files, stray


def rebuild_reason_for_layout(dataset, stray):
    """Why curated is rebuilt when it holds files of another partitioning (the local merge's words), or None."""
    if not stray:
        return None
    return f"curated/{dataset} holds files of another partitioning (curated/{stray[0]}); curated_partition changed, so curated is rebuilt from every processed partition"


def partition_changes(affected, written, registered):
    """Catalog partitions to add (written, not registered) and to drop (affected, now empty, registered)."""
    written, registered = set(written), set(registered)
    return sorted(written - registered), sorted((set(affected) - written) & registered)


# ---------------------------------------------------------------------------------------------
# What a load read and wrote, for the state machine and the quality step.


def load_record(dataset, load_date, files, skipped, counts, warnings, numbers):
    """The load record (the local quality/<D>/load-<dataset>.json) with the counts of the layers.

    `files`: per export, what read_export found; `counts`: raw (records the reader read, counted
    independently of the writes), processed and quarantined (counted back from the files written);
    `numbers`: the decimal separator the load read numbers with (decide_numbers).
    """
    return {
        "dataset": dataset,
        "load_date": load_date,
        "files": [
            {
                "source": f["source"],
                "raw_path": f["raw_path"],
                "encoding": f["encoding"],
                "delimiter": f["delimiter"],
                "headers": f["headers"],
                "ignored_headers": f["ignored_headers"],
                "records": f["records"],
                "unparsable": f["unparsable"],
            }
            for f in files
        ],
        # Their keys in the raw bucket, as the Athena check lists a load's sources (src/aws/lake-objects.ts LoadOutcome).
        "raw_files": [f["raw_path"][len("raw/"):] for f in files],
        "skipped": skipped,
        "rows_raw": counts["raw"],
        "rows_processed": counts["processed"],
        "rows_quarantined": counts["quarantined"],
        "reconciled": counts["raw"] == counts["processed"] + counts["quarantined"],
        "numbers": numbers,
        "warnings": warnings,
    }


def decide_numbers(plan, evidence):
    """The decimal separator a load reads numbers with, decided as the local load decides it (src/model/contracts.ts decideNumbers).

    `evidence`: per source file, {"_source_file", "point", "comma"}: how many decimal values of its
    first records only a decimal point, and only a decimal comma, reads (the plan's
    decimal_evidence_sql); None when the plan has no such query. Returns (the load record's
    `numbers`, warnings): the contract's separator; else the one every file that shows one shows;
    else undecided, and values that read both ways are quarantined as ambiguous.
    """
    declared = plan["numbers"]["decimal"]
    if declared is not None:
        return {"decimal_separator": declared, "from": "contract"}, []
    undecided = {"decimal_separator": None, "from": "undecided"}
    if evidence is None:
        return undecided, []
    files = sorted(evidence, key=lambda f: f["_source_file"])
    mixed = [f for f in files if f["point"] > 0 and f["comma"] > 0]
    shown = {"," if f["comma"] > 0 else "." for f in files if f["point"] + f["comma"] > 0 and f not in mixed}
    fix = f"declare decimal_separator in contract {plan['contract_file'].rsplit('/', 1)[-1]}"
    warnings = [
        f"{f['_source_file']}: {f['point']} value(s) read only with a decimal point and {f['comma']} only with a decimal comma; values that read both ways are quarantined as ambiguous; {fix}"
        for f in mixed
    ]
    if mixed or len(shown) != 1:
        if len(shown) > 1:
            warnings.append(f"{plan['name']}: the files of this load disagree on the decimal separator; values that read both ways are quarantined as ambiguous; {fix}")
        return undecided, warnings
    return {"decimal_separator": shown.pop(), "from": "values"}, warnings


def typed_view_for(plan, numbers):
    """The typed view SQL and row problems SQL that read the load's numbers as decided: (typed_view_sql, row_problems_sql)."""
    reading = plan["readings"].get(numbers["decimal_separator"] or "") if numbers["from"] == "values" else None
    if reading is None:
        return plan["typed_view_sql"], plan["row_problems_sql"]
    return reading["typed_view_sql"], reading["row_problems_sql"]


def read_load_record(s3, bucket, dataset, load_date):
    """The load record of a finished transform run, or LoadNotReady: curate reads a load only through it."""
    key = outcome_key(dataset, load_date)
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except Exception as error:
        if (getattr(error, "response", None) or {}).get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            raise
    raise LoadNotReady(
        f"s3://{bucket}/{key} does not exist: the transform of {dataset} {load_date} has not finished, or stopped part-way; "
        f"run the transform of {load_date} again, then curate"
    )


class LoadNotReady(Exception):
    """A load without its load record: not (or not completely) written."""


def rule_outcomes(dq_rules, outcome_rows):
    """EvaluateDataQuality's ruleOutcomes rows mapped back to the lake rules by their rule_id label.

    Each DQDL rule is labelled rule_id (src/quality/dqdl.ts); a row without labels falls back to its
    position, as ruleOutcomes follow the ruleset order. Same mapping as src/quality/glue-outcomes.ts.
    Returns one entry per lake rule (status pass | fail | error | missing) and the rows no rule claims.
    """
    by_position = [rule["rule_id"] for rule in dq_rules for _ in rule["dqdl"]]
    mine = {rule["rule_id"]: [] for rule in dq_rules}
    unmatched = []
    for position, row in enumerate(outcome_rows):
        labels = row.get("Labels") or {}
        rule_id = labels.get("rule_id") or (by_position[position] if position < len(by_position) and not labels else None)
        (mine[rule_id] if rule_id in mine else unmatched).append(row)
    rules = []
    for rule in dq_rules:
        outcomes = [row.get("Outcome") for row in mine[rule["rule_id"]]]
        if "Failed" in outcomes:
            status = "fail"
        elif "Error" in outcomes:
            status = "error"
        elif len(outcomes) < len(rule["dqdl"]) or any(o != "Passed" for o in outcomes):
            status = "missing"
        else:
            status = "pass"
        rules.append({
            "rule_id": rule["rule_id"],
            "severity": rule["severity"],
            "status": status,
            "results": [{"rule": row.get("Rule"), "outcome": row.get("Outcome"), "failure_reason": row.get("FailureReason")} for row in mine[rule["rule_id"]]],
        })
    return rules, unmatched


# ---------------------------------------------------------------------------------------------
# One transform run (transform.py): the order of its steps here, the Spark work behind `spark`.

Buckets = collections.namedtuple("Buckets", "raw processed quarantine curated")


def export_records(raw_bucket, key, name, data, plan):
    """One export read by lake_csv, as the transform's records.

    ("file", its summary) first; then ("row", [source file, line, text per contract column]) per
    accepted record, and ("structure", [None per column, source file, line, reason, "structure",
    text]) per refused one: the shapes of the batch and of the quarantine's structure rows.
    """
    export = lake_csv.read_export(name, data, plan)
    layout = export["layout"]
    yield ("file", {
        "source": f"s3://{raw_bucket}/{key}", "raw_path": f"raw/{key}", "encoding": export["encoding"], "delimiter": layout["delimiter"],
        "headers": layout["headers"], "ignored_headers": layout["ignored_headers"], "records": export["records"],
        "unparsable": export["unparsable"], "warnings": export["warnings"],
    })
    columns = plan["columns"]
    for line, values in export["rows"]:
        yield ("row", [name, line, *[values.get(c) for c in columns]])
    for line, reason, text in export["rejects"]:
        yield ("structure", [*([None] * len(columns)), name, line, reason, "structure", text])


def check_headers(s3, bucket, files, plan):
    """Every export's header read before anything is written: the first that does not fit raises ExportError, the local message."""
    for key, name in files:
        lake_csv.sniff(name, s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{lake_csv.SNIFF_BYTES - 1}")["Body"].read(), plan)


def discard_staging(s3, buckets, staging):
    for bucket in (buckets.processed, buckets.quarantine):
        for key in list_keys(s3, bucket, staging):
            s3.delete_object(Bucket=bucket, Key=key)


def run_transform(s3, buckets, plan, load_date, run, spark, is_alive):
    """raw -> processed + quarantine for one load, as transform.py runs it; returns the load record it wrote.

    `run`: {"job", "run_id"}, the Glue job run. `spark` does the Spark work:
      stage(files, staging): reads the exports [(key, name)] (export_records, on the executors),
        decides how the load writes numbers (decide_numbers over the plan's decimal_evidence_sql),
        types the rows by the typed view of that reading (typed_view_for), writes processed Parquet
        under s3://<processed>/<staging>processed/ and quarantine under
        s3://<quarantine>/<staging>quarantine/, and returns {"files": the files' summaries (the
        "file" records), "numbers" and "warnings": what decide_numbers returned};
      count(bucket, prefix): the rows of the Parquet files under prefix, read back;
      evaluate(): Glue Data Quality on the load's typed rows, as (rules, unmatched) from rule_outcomes.
    """
    dataset = plan["name"]
    lock = (buckets.processed, transform_lock_key(dataset, load_date))
    holder = {"what": f"the transform of {dataset} {load_date}", "job": run["job"], "run_id": run["run_id"], "started": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    with holding(s3, [lock], holder, is_alive):
        record = _transform(s3, buckets, plan, load_date, run["run_id"], spark, lock)
        # The commit marker, written last: the state machine, the quality step and curate read the load through it.
        s3.put_object(Bucket=buckets.processed, Key=outcome_key(dataset, load_date), Body=json.dumps(record, default=str).encode("utf-8"), ContentType="application/json")
    return record


def _transform(s3, buckets, plan, load_date, run_id, spark, lock):
    dataset = plan["name"]
    prefix = load_prefix(dataset, load_date)
    files, skipped = raw_files(list_keys(s3, buckets.raw, prefix), prefix)
    record = {"dataset": dataset, "load_date": load_date, "job_run_id": run_id, "skipped": skipped, "rules": [], "rules_failed": 0, "warnings_failed": 0}
    if not files:
        earlier = [f"s3://{b}/{prefix}" for b in (buckets.processed, buckets.quarantine) if list_keys(s3, b, prefix)]
        if earlier:
            # Writing "nothing loaded" over an earlier run's files would leave a record that contradicts the lake.
            raise ExportError(
                f"s3://{buckets.raw}/{prefix} holds no export, but {' and '.join(earlier)} hold an earlier run of this load; "
                "upload the load's exports again to re-run it, or delete those folders to empty the load"
            )
        return {**record, "files": [], "raw_files": [], "rows_raw": 0, "rows_processed": 0, "rows_quarantined": 0, "reconciled": True, "numbers": decide_numbers(plan, None)[0], "warnings": [], "nothing_loaded": "no export files for this load"}
    check_headers(s3, buckets.raw, files, plan)

    staging = staging_prefix("transform", dataset, run_id)
    try:
        staged = spark.stage(files, staging)
        summaries = sorted(staged["files"], key=lambda f: f["raw_path"])
        counts = {
            # Raw: what the reader read; processed and quarantined: what the files hold. A row lost in between fails reconciliation.
            "raw": sum(f["records"] for f in summaries),
            "processed": spark.count(buckets.processed, f"{staging}processed/"),
            "quarantined": spark.count(buckets.quarantine, f"{staging}quarantine/"),
        }
        check_still_held(s3, *lock, run_id)
        # From here until the new record is written, no load record vouches for this load's files.
        s3.delete_object(Bucket=buckets.processed, Key=outcome_key(dataset, load_date))
        replace_prefix(s3, buckets.processed, staged_parquet(s3, buckets.processed, f"{staging}processed/"), prefix)
        replace_prefix(s3, buckets.quarantine, staged_parquet(s3, buckets.quarantine, f"{staging}quarantine/"), prefix)
    except BaseException:
        with contextlib.suppress(Exception):  # the run's own error is the one to report
            discard_staging(s3, buckets, staging)
        raise
    discard_staging(s3, buckets, staging)

    warnings = [w for f in summaries for w in f["warnings"]] + staged["warnings"]
    record.update(load_record(dataset, load_date, summaries, skipped, counts, warnings, staged["numbers"]))
    if plan["ruleset"]:
        record["rules"], record["unmatched_results"] = spark.evaluate()
        record["rules_failed"] = sum(1 for r in record["rules"] if r["status"] != "pass" and r["severity"] == "error")
        record["warnings_failed"] = sum(1 for r in record["rules"] if r["status"] != "pass" and r["severity"] != "error")
    return record


def s3_client():
    import boto3  # present on Glue; imported here so the pure helpers load anywhere

    return boto3.client("s3")
