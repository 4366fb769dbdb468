"""raw -> processed + quarantine for one dataset and load date, then Glue Data Quality on the batch.

The same load as the local pipeline's (src/pipeline/load.ts) on the same export: files read by
lake_csv (encoding, delimiter, header, records: the local reader, line for line), values typed by
the one typed view compiled to Spark SQL (plan.json, src/aws/glue-plan.ts), rows that cannot be
typed quarantined with their reason, structure problems with their line and text. Layout:
processed/<dataset>/load_date=D/part-<n>.parquet and quarantine/<dataset>/load_date=D/part-0.parquet.
Raw rows are the records the reader read; processed and quarantined are counted back from the
files written, so the load record's reconciliation checks the lake. The order of the run (headers
first, staging, publishing, the load record as commit marker, the lock) is lake_common.run_transform,
tested without Spark; this file is the Spark work it calls.
"""
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.transforms import SelectFromCollection
from awsglue.utils import getResolvedOptions
from awsgluedq.transforms import EvaluateDataQuality
from pyspark.context import SparkContext
from pyspark.sql import Window
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
# Keys of the datasets the references read, to take their rows as curated will hold them.
DATASET_KEYS = lc.dataset_keys(s3, ARGS["plan"])
COLUMNS = plan["columns"]
STRING_COLUMNS = [T.StructField(c, T.StringType()) for c in COLUMNS]
META = [T.StructField("_source_file", T.StringType()), T.StructField("_row", T.LongType())]
LOAD_DATE_VALUE = F.to_date(F.lit(LOAD_DATE))


run_is_alive = lc.glue_run_liveness(glue_api)


def read_export(item):
    """One export on an executor: its ("file", ...), ("row", ...) and ("structure", ...) records."""
    key, name = item
    return lc.export_records(RAW, key, name, lc.s3_client().get_object(Bucket=RAW, Key=key)["Body"].read(), plan)


def reference_frames():
    """The frames the DQDL references need: each referenced dataset as curated will be once this load is merged.

    The quality gate runs before curating, so curated alone lacks the keys this load brings (its
    providers and customers, transformed first): as the Athena gate reads them, the referenced rows
    are curated and this load's processed rows, the latest per key (CURATED_PRECEDENCE).
    """
    def read(bucket, prefix):
        keys = lc.staged_parquet(s3, bucket, prefix)
        return spark.read.option("mergeSchema", "true").parquet(*[f"s3://{bucket}/{k}" for k in keys]) if keys else None

    def curated_column(dataset, column):
        parts = [f for f in (read(CURATED, f"{dataset}/"), read(PROCESSED, lc.load_prefix(dataset, LOAD_DATE))) if f is not None]
        if not parts:
            return spark.createDataFrame([], T.StructType([T.StructField(column, T.StringType())]))
        rows = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1], allowMissingColumns=True)
        latest_first = Window.partitionBy(*DATASET_KEYS[dataset]).orderBy(F.col("_load_date").desc(), F.col("_source_file").desc(), F.col("_row").desc())
        return rows.withColumn("_rank", F.row_number().over(latest_first)).filter(F.col("_rank") == 1).select(column)

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


class SparkWork:
    """The Spark side of lc.run_transform: typing and writing the staged files, counting them back, Data Quality."""

    def stage(self, files, staging):
        records = sc.parallelize(files, len(files)).flatMap(read_export).cache()
        summaries = records.filter(lambda r: r[0] == "file").map(lambda r: r[1]).collect()
        batch = spark.createDataFrame(records.filter(lambda r: r[0] == "row").map(lambda r: r[1]), T.StructType(META + STRING_COLUMNS))
        batch.createOrReplaceTempView(plan["batch_view"])
        # Numbers read as the load's values write them, decided as locally; the typed view of that reading.
        evidence = None if plan["decimal_evidence_sql"] is None else [r.asDict() for r in spark.sql(plan["decimal_evidence_sql"]).collect()]
        numbers, number_warnings = lc.decide_numbers(plan, evidence)
        typed_view_sql, row_problems_sql = lc.typed_view_for(plan, numbers)
        self.typed = spark.sql(typed_view_sql).withColumn("_reason", F.expr(row_problems_sql)).cache()

        processed = self.typed.filter(F.col("_reason").isNull()).select(*COLUMNS, LOAD_DATE_VALUE.alias("_load_date"), "_source_file", "_row")
        value_rows = self.typed.filter(F.col("_reason").isNotNull()).select(
            *[F.col(f"{c}__raw").alias(c) for c in COLUMNS], "_source_file", "_row", "_reason",
            F.lit("value").alias("_reason_kind"), F.lit(None).cast("string").alias("_raw_line"),
        )
        structure_rows = spark.createDataFrame(
            records.filter(lambda r: r[0] == "structure").map(lambda r: r[1]),
            T.StructType(STRING_COLUMNS + META + [T.StructField(n, T.StringType()) for n in ["_reason", "_reason_kind", "_raw_line"]]),
        )
        processed.repartition(lc.files_for(processed.count())).sortWithinPartitions("_source_file", "_row").write.mode("overwrite") \
            .option("compression", "zstd").option("maxRecordsPerFile", lc.MAX_ROWS_PER_FILE).parquet(f"s3://{PROCESSED}/{staging}processed/")
        value_rows.unionByName(structure_rows).repartition(1).sortWithinPartitions("_source_file", "_row").write.mode("overwrite") \
            .option("compression", "zstd").parquet(f"s3://{QUARANTINE}/{staging}quarantine/")
        return {"files": summaries, "numbers": numbers, "warnings": number_warnings}

    def count(self, bucket, prefix):
        return spark.read.parquet(f"s3://{bucket}/{prefix}").count() if lc.staged_parquet(s3, bucket, prefix) else 0

    def evaluate(self):
        # Rules see the typed view of the batch (every row with fields: processed and value-quarantined), as the SQL engines do.
        return evaluate_quality(self.typed.withColumn("_load_date", LOAD_DATE_VALUE).select(*plan["dq_frame_columns"]))


BUCKETS = lc.Buckets(raw=RAW, processed=PROCESSED, quarantine=QUARANTINE, curated=CURATED)
lc.run_transform(s3, BUCKETS, plan, LOAD_DATE, {"job": ARGS["JOB_NAME"], "run_id": ARGS["JOB_RUN_ID"]}, SparkWork(), run_is_alive)
