"""processed -> curated for one dataset and load date: one row per key, the latest load winning.

The same merge as the local one (src/pipeline/curate.ts): a key keeps the row of its latest load
(then the last file and line read). Datasets without curated partitioning are one file,
curated/<dataset>/data.parquet; a dataset with one (transactions by trade month) is merged
incrementally: only the partitions holding the load's keys, or receiving its rows, are rewritten
(a key whose period changed leaves its old partition), and the curated table's partitions are
registered in the Glue catalog (trade months are unbounded, so they are not projected). Re-running
a load date that dropped keys the earlier run had curated rebuilds curated from every processed
load, since the rows those keys superseded must come back; the job's output says so. One run per
dataset at a time (a lock object), and none while a transform of the load runs (it holds the load's
lock too, and reads the load only once its load record exists); written under the run's staging
prefix, then swapped in.
"""
import datetime
import json
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import Window
from pyspark.sql import functions as F

import lake_common as lc

ARGS = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "dataset", "load_date", "plan", "processed_bucket", "curated_bucket", "curated_database"])
DATASET = ARGS["dataset"]
LOAD_DATE = lc.check_load_date(ARGS["load_date"])
PROCESSED, CURATED = ARGS["processed_bucket"], ARGS["curated_bucket"]

spark = GlueContext(SparkContext.getOrCreate()).spark_session
# Partition values are period strings ("2024", "2024-05"): never typed from the path.
spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
s3 = lc.s3_client()
glue_api = boto3.client("glue")
plan = lc.read_plan(s3, ARGS["plan"], DATASET)
KEY = plan["key"]
OUTPUT_COLUMNS = [*plan["columns"], "_load_date", "_source_file", "_row"]
# {"column", "granularity", "name"} when the contract partitions curated by business period; null: one file.
PARTITION = plan["curated_partition"]


run_is_alive = lc.glue_run_liveness(glue_api)


def latest_per_key(frame):
    latest_first = Window.partitionBy(*KEY).orderBy(F.col("_load_date").desc(), F.col("_source_file").desc(), F.col("_row").desc())
    return frame.withColumn("_rank", F.row_number().over(latest_first)).filter(F.col("_rank") == 1).drop("_rank")


def with_period(frame):
    if PARTITION is None:
        return frame
    period = F.date_format(F.col(PARTITION["column"]).cast("date"), lc.SPARK_PERIOD_PATTERNS[PARTITION["granularity"]])
    return frame.withColumn(PARTITION["name"], F.coalesce(period, F.lit(lc.NULL_PARTITION)))


def parquet(bucket, prefix):
    return read_files(bucket, lc.staged_parquet(s3, bucket, prefix))


def read_files(bucket, keys):
    """The files' rows, files of older contracts merged in (mergeSchema); None for no file."""
    if not keys:
        return None
    return spark.read.option("basePath", f"s3://{bucket}/{DATASET}/").option("mergeSchema", "true").parquet(*[f"s3://{bucket}/{k}" for k in keys])


def conformed(frame, like):
    """`frame` in the output columns, a column its files lack (added to the contract since) as NULL of `like`'s type, as the local merge reads them."""
    types = {f.name: f.dataType for f in like.schema.fields}
    period = [PARTITION["name"]] if PARTITION is not None and PARTITION["name"] in frame.columns else []
    return frame.select(*[F.col(c) if c in frame.columns else F.lit(None).cast(types[c]).alias(c) for c in OUTPUT_COLUMNS], *period)


def registered_partitions():
    values = []
    for page in glue_api.get_paginator("get_partitions").paginate(DatabaseName=ARGS["curated_database"], TableName=DATASET):
        values.extend(p["Values"][0] for p in page["Partitions"])
    return values


def register(added, dropped):
    """The curated table's partitions follow the files: new periods added, emptied ones dropped."""
    table = glue_api.get_table(DatabaseName=ARGS["curated_database"], Name=DATASET)["Table"]
    for start in range(0, len(added), 100):
        inputs = []
        for value in added[start:start + 100]:
            descriptor = {**table["StorageDescriptor"], "Location": f"s3://{CURATED}/{lc.curated_partition_prefix(DATASET, PARTITION['name'], value)}"}
            inputs.append({"Values": [value], "StorageDescriptor": descriptor})
        response = glue_api.batch_create_partition(DatabaseName=ARGS["curated_database"], TableName=DATASET, PartitionInputList=inputs)
        errors = [e for e in response.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"]
        if errors:
            raise RuntimeError(f"registering curated partitions of {DATASET} failed: {errors}")
    for start in range(0, len(dropped), 25):
        glue_api.batch_delete_partition(DatabaseName=ARGS["curated_database"], TableName=DATASET, PartitionsToDelete=[{"Values": [v]} for v in dropped[start:start + 25]])


def curate():
    incoming = parquet(PROCESSED, lc.load_prefix(DATASET, LOAD_DATE))
    current, stray = lc.curated_layout(lc.list_keys(s3, CURATED, f"{DATASET}/"), DATASET, PARTITION)
    layout_changed = lc.rebuild_reason_for_layout(DATASET, stray)
    # Files of another partitioning are not read as curated: they go, and curated is rebuilt from processed.
    existing = None if layout_changed else read_files(CURATED, current)
    result = {"dataset": DATASET, "load_date": LOAD_DATE, "mode": "incremental"}
    if layout_changed:
        result.update(mode="rebuild", reason=layout_changed)
    elif incoming is None and existing is None:
        return {**result, "rows": 0, "partitions": []}
    if incoming is not None and existing is not None:
        existing = conformed(existing, incoming)
    incoming_keys = incoming.select(*KEY).distinct() if incoming is not None else None
    # Curated rows this load date wrote that its new run no longer has: what they superseded must come back.
    if existing is not None and result["mode"] == "incremental":
        of_this_load = existing.filter(F.col("_load_date") == F.to_date(F.lit(LOAD_DATE))).select(*KEY)
        dropped = of_this_load if incoming_keys is None else of_this_load.join(incoming_keys, KEY, "left_anti")
        if dropped.limit(1).count() > 0:
            result.update(mode="rebuild", reason=f"the re-run of {LOAD_DATE} no longer has keys its earlier run had curated")

    if incoming is None and result["mode"] == "incremental":
        return {**result, "rows": existing.count(), "partitions": [], "nothing_merged": f"no processed rows for {LOAD_DATE}"}
    staging = lc.staging_prefix("curate", DATASET, ARGS["JOB_RUN_ID"])
    if result["mode"] == "rebuild":
        history = read_files(PROCESSED, lc.staged_parquet(s3, PROCESSED, f"{DATASET}/"))
        if history is None:
            raise lc.LoadNotReady(f"curated/{DATASET} must be rebuilt ({result['reason']}), but s3://{PROCESSED}/{DATASET}/ holds no load; run the transforms of its loads, then curate")
        merged = latest_per_key(conformed(history, incoming if incoming is not None else history))
        affected = None
    elif existing is None:
        merged, affected = latest_per_key(incoming.select(*OUTPUT_COLUMNS)), None
    elif PARTITION is None:
        merged, affected = latest_per_key(existing.select(*OUTPUT_COLUMNS).unionByName(incoming.select(*OUTPUT_COLUMNS))), None
    else:
        name = PARTITION["name"]
        incoming_periods = with_period(incoming).select(name)
        holding = existing.join(incoming_keys, KEY, "left_semi").select(name)
        affected = sorted(r[0] for r in incoming_periods.union(holding).distinct().collect())
        kept = existing.filter(F.col(name).isin(affected)).select(*OUTPUT_COLUMNS)
        merged = latest_per_key(kept.unionByName(incoming.select(*OUTPUT_COLUMNS)))

    target = f"s3://{CURATED}/{staging}"
    if PARTITION is None:
        merged.repartition(1).sortWithinPartitions(*KEY).write.mode("overwrite").option("compression", "zstd").parquet(target)
        staged = lc.staged_parquet(s3, CURATED, staging)
        if len(staged) != 1:
            raise RuntimeError(f"curating {DATASET}: expected one staged file under {target}, found {len(staged)}")
        lc.publish(s3, CURATED, [(staged[0], lc.curated_file_key(DATASET))], lc.list_keys(s3, CURATED, f"{DATASET}/"))
        rows = spark.read.parquet(f"s3://{CURATED}/{lc.curated_file_key(DATASET)}").count()
        return {**result, "rows": rows, "partitions": []}

    name = PARTITION["name"]
    with_period(merged).repartition(name).sortWithinPartitions(*KEY).write.mode("overwrite").partitionBy(name) \
        .option("compression", "zstd").option("maxRecordsPerFile", lc.MAX_ROWS_PER_FILE).parquet(target)
    placements, written = lc.curated_placements(DATASET, name, staging, lc.staged_parquet(s3, CURATED, staging))
    if affected is None:
        stale = lc.list_keys(s3, CURATED, f"{DATASET}/")
        affected = registered_partitions()
    else:
        stale = [k for value in affected for k in lc.list_keys(s3, CURATED, lc.curated_partition_prefix(DATASET, name, value))]
    lc.publish(s3, CURATED, placements, stale)
    added, emptied = lc.partition_changes(affected, written, registered_partitions())
    register(added, emptied)
    rows = spark.read.option("basePath", f"s3://{CURATED}/{DATASET}/").parquet(f"s3://{CURATED}/{DATASET}/").count()
    return {**result, "rows": rows, "partitions": written, "partitions_added": added, "partitions_dropped": emptied}


holder = {"what": f"the curation of {DATASET} {LOAD_DATE}", "job": ARGS["JOB_NAME"], "run_id": ARGS["JOB_RUN_ID"], "started": datetime.datetime.now(datetime.timezone.utc).isoformat()}
with lc.holding(s3, lc.curate_locks(PROCESSED, CURATED, DATASET, LOAD_DATE), holder, run_is_alive):
    lc.read_load_record(s3, PROCESSED, DATASET, LOAD_DATE)
    print(json.dumps(curate()))
