"""raw -> processed + quarantine for one dataset and load date, then Glue Data Quality on the batch.

The same load as the local pipeline's (src/pipeline/load.ts) on the same export: files read by
lake_csv (encoding, delimiter, header, records: the local reader, line for line), values typed by
the one typed view compiled to Spark SQL (plan.json, src/aws/glue-plan.ts), rows that cannot be
typed quarantined with their reason, structure problems with their line and text. Layout:
processed/<dataset>/load_date=D/part-<n>.parquet and quarantine/<dataset>/load_date=D/part-0.parquet.
Raw rows are the records the reader read; processed and quarantined are counted back from the
files written, so the load record's reconciliation checks the lake. One run per load at a time (a
lock object); everything is written under the run's own staging prefix, then swapped in.
"""
import datetime
import json
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.transforms import SelectFromCollection
from awsglue.utils import getResolvedOptions
from awsgluedq.transforms import EvaluateDataQuality
from pyspark.context import SparkContext
from pyspark.sql import functions as F
from pyspark.sql import types as T

import lake_common as lc
import lake_csv

ARGS = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "dataset", "load_date", "plan", "raw_bucket", "processed_bucket", "quarantine_bucket", "curated_bucket"])
DATASET = ARGS["dataset"]
LOAD_DATE = lc.check_load_date(ARGS["load_date"])
RAW, PROCESSED, QUARANTINE, CURATED = ARGS["raw_bucket"], ARGS["processed_bucket"], ARGS["quarantine_bucket"], ARGS["curated_bucket"]

sc = SparkContext.getOrCreate()
glue = GlueContext(sc)
spark = glue.spark_session
spark.conf.set("spark.sql.ansi.enabled", "false")  # TRY_CAST and to_date yield NULL on bad values
spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
s3 = lc.s3_client()
glue_api = boto3.client("glue")
plan = lc.read_plan(s3, ARGS["plan"], DATASET)
COLUMNS = plan["columns"]
STRING_COLUMNS = [T.StructField(c, T.StringType()) for c in COLUMNS]
META = [T.StructField("_source_file", T.StringType()), T.StructField("_row", T.LongType())]


def run_is_alive(holder):
    try:
        state = glue_api.get_job_run(JobName=holder["job"], RunId=holder["run_id"])["JobRun"]["JobRunState"]
    except glue_api.exceptions.EntityNotFoundException:
        return False
    return state in lc.LIVE_RUN_STATES


def read_export(item):
    """One export on an executor: its records as ("row", ...) and ("structure", ...), and its ("file", ...) summary."""
    key, name = item
    export = lake_csv.read_export(name, lc.s3_client().get_object(Bucket=RAW, Key=key)["Body"].read(), plan)
    layout = export["layout"]
    yield ("file", {
        "source": f"s3://{RAW}/{key}", "raw_path": f"raw/{key}", "encoding": export["encoding"], "delimiter": layout["delimiter"],
        "headers": layout["headers"], "ignored_headers": layout["ignored_headers"], "records": export["records"],
        "unparsable": export["unparsable"], "warnings": export["warnings"],
    })
    for line, values in export["rows"]:
        yield ("row", [name, line, *[values.get(c) for c in COLUMNS]])
    for line, reason, text in export["rejects"]:
        yield ("structure", [*([None] * len(COLUMNS)), name, line, reason, "structure", text])


def parquet_count(bucket, prefix):
    return spark.read.parquet(f"s3://{bucket}/{prefix}").count() if lc.staged_parquet(s3, bucket, prefix) else 0


def reference_frames():
    """The frames the DQDL references need, from the referenced datasets' curated rows (as locally)."""
    def curated_column(dataset, column):
        if not lc.list_keys(s3, CURATED, f"{dataset}/"):
            return spark.createDataFrame([], T.StructType([T.StructField(column, T.StringType())]))
        return spark.read.option("recursiveFileLookup", "true").parquet(f"s3://{CURATED}/{dataset}/").select(column)

    frames = {}
    for source in plan["dq_references"]:
        parts = []
        for branch in source["branches"]:
            values = curated_column(branch["dataset"], branch["column"])
            if branch["values"] is None:
                parts.append(values.select(F.col(branch["column"]).alias(source["columns"][0])))
            else:
                parts.extend(values.select(F.lit(v).alias(source["columns"][0]), F.col(branch["column"]).alias(source["columns"][1])) for v in branch["values"])
        union = parts[0]
        for part in parts[1:]:
            union = union.unionByName(part)
        frames[source["alias"]] = DynamicFrame.fromDF(union, glue, source["alias"])
    return frames


def evaluate_quality(checked):
    ruleset = glue_api.get_data_quality_ruleset(Name=plan["ruleset"])["Ruleset"]
    results = EvaluateDataQuality().process_rows(
        frame=DynamicFrame.fromDF(checked, glue, "checked"),
        ruleset=ruleset,
        additional_data_sources=reference_frames(),
        publishing_options={
            "dataQualityEvaluationContext": f"{DATASET}_{LOAD_DATE}",
            "enableDataQualityCloudWatchMetrics": True,
            "enableDataQualityResultsPublishing": True,
        },
        additional_options={"performanceTuning.caching": "CACHE_NOTHING"},
    )
    rows = [r.asDict(recursive=True) for r in SelectFromCollection.apply(dfc=results, key="ruleOutcomes").toDF().collect()]
    return lc.rule_outcomes(plan["dq_rules"], rows)


def load():
    prefix = lc.load_prefix(DATASET, LOAD_DATE)
    files, skipped = lc.raw_files(lc.list_keys(s3, RAW, prefix), prefix)
    outcome = {"dataset": DATASET, "load_date": LOAD_DATE, "job_run_id": ARGS["JOB_RUN_ID"], "skipped": skipped, "rules": [], "rules_failed": 0, "warnings_failed": 0}
    if not files:
        return {**outcome, "files": [], "rows_raw": 0, "rows_processed": 0, "rows_quarantined": 0, "reconciled": True, "warnings": [], "nothing_loaded": "no export files for this load"}
    # Every export's header is read before anything is written: a file that does not fit fails the load, the lake as it was.
    for key, name in files:
        lake_csv.sniff(name, s3.get_object(Bucket=RAW, Key=key, Range=f"bytes=0-{lake_csv.SNIFF_BYTES - 1}")["Body"].read(), plan)

    records = sc.parallelize(files, len(files)).flatMap(read_export).cache()
    file_summaries = sorted(records.filter(lambda r: r[0] == "file").map(lambda r: r[1]).collect(), key=lambda f: f["raw_path"])
    batch = spark.createDataFrame(records.filter(lambda r: r[0] == "row").map(lambda r: r[1]), T.StructType(META + STRING_COLUMNS))
    batch.createOrReplaceTempView(plan["batch_view"])
    typed = spark.sql(plan["typed_view_sql"]).withColumn("_reason", F.expr(plan["row_problems_sql"])).cache()

    load_date = F.to_date(F.lit(LOAD_DATE))
    processed = typed.filter(F.col("_reason").isNull()).select(*COLUMNS, load_date.alias("_load_date"), "_source_file", "_row")
    value_rows = typed.filter(F.col("_reason").isNotNull()).select(
        *[F.col(f"{c}__raw").alias(c) for c in COLUMNS], "_source_file", "_row", "_reason",
        F.lit("value").alias("_reason_kind"), F.lit(None).cast("string").alias("_raw_line"),
    )
    structure_rows = spark.createDataFrame(
        records.filter(lambda r: r[0] == "structure").map(lambda r: r[1]),
        T.StructType(STRING_COLUMNS + META + [T.StructField(n, T.StringType()) for n in ["_reason", "_reason_kind", "_raw_line"]]),
    )
    quarantine = value_rows.unionByName(structure_rows)

    staging = lc.staging_prefix("transform", DATASET, ARGS["JOB_RUN_ID"])
    processed.repartition(lc.files_for(processed.count())).sortWithinPartitions("_source_file", "_row").write.mode("overwrite") \
        .option("compression", "zstd").option("maxRecordsPerFile", lc.MAX_ROWS_PER_FILE).parquet(f"s3://{PROCESSED}/{staging}processed/")
    quarantine.repartition(1).sortWithinPartitions("_source_file", "_row").write.mode("overwrite") \
        .option("compression", "zstd").parquet(f"s3://{QUARANTINE}/{staging}quarantine/")
    counts = {
        "raw": sum(f["records"] for f in file_summaries),
        "processed": parquet_count(PROCESSED, f"{staging}processed/"),
        "quarantined": parquet_count(QUARANTINE, f"{staging}quarantine/"),
    }
    lc.replace_prefix(s3, PROCESSED, lc.staged_parquet(s3, PROCESSED, f"{staging}processed/"), prefix)
    lc.replace_prefix(s3, QUARANTINE, lc.staged_parquet(s3, QUARANTINE, f"{staging}quarantine/"), prefix)
    for bucket in (PROCESSED, QUARANTINE):
        for key in lc.list_keys(s3, bucket, staging):
            s3.delete_object(Bucket=bucket, Key=key)

    warnings = [w for f in file_summaries for w in f["warnings"]]
    outcome.update(lc.load_record(DATASET, LOAD_DATE, file_summaries, skipped, counts, warnings))
    if plan["ruleset"]:
        # Rules see the typed view of the batch (every row with fields: processed and value-quarantined), as the SQL engines do.
        checked = typed.withColumn("_load_date", load_date).select(*plan["dq_frame_columns"])
        outcome["rules"], outcome["unmatched_results"] = evaluate_quality(checked)
        outcome["rules_failed"] = sum(1 for r in outcome["rules"] if r["status"] != "pass" and r["severity"] == "error")
        outcome["warnings_failed"] = sum(1 for r in outcome["rules"] if r["status"] != "pass" and r["severity"] != "error")
    return outcome


holder = {"what": f"the transform of {DATASET} {LOAD_DATE}", "job": ARGS["JOB_NAME"], "run_id": ARGS["JOB_RUN_ID"], "started": datetime.datetime.now(datetime.timezone.utc).isoformat()}
lock = lc.transform_lock_key(DATASET, LOAD_DATE)
lc.acquire_lock(s3, PROCESSED, lock, holder, run_is_alive)
try:
    result = load()
    # Written last: the state machine and the quality step read the load record once the load is in place.
    s3.put_object(Bucket=PROCESSED, Key=lc.outcome_key(DATASET, LOAD_DATE), Body=json.dumps(result, default=str).encode("utf-8"), ContentType="application/json")
finally:
    lc.release_lock(s3, PROCESSED, lock, ARGS["JOB_RUN_ID"])
