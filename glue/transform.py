"""raw -> processed + quarantine for one dataset and load date, then Glue Data Quality on the batch.

Same semantics as the local pipeline: headers mapped through the contract (aliases, accents,
case), values typed and normalised by the compiled typed view (plan.json, Spark dialect), rows
that cannot be typed quarantined with the reason, processed under load_date=D/ with
_load_date/_source_file/_row. Conservation: raw rows = processed rows + quarantined rows.
"""
import csv
import io
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

ARGS = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "dataset", "load_date", "plan", "raw_bucket", "processed_bucket", "quarantine_bucket"])
DATASET = ARGS["dataset"]
LOAD_DATE = lc.check_load_date(ARGS["load_date"])
QUALITY_KEY = f"_quality/load_date={LOAD_DATE}/{DATASET}.json"
DELIMITERS = [",", ";", "\t", "|"]

sc = SparkContext.getOrCreate()
glue = GlueContext(sc)
spark = glue.spark_session
spark.conf.set("spark.sql.ansi.enabled", "false")  # TRY_CAST and to_date yield NULL on bad values
spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
s3 = lc.s3_client()
plan = lc.read_plan(s3, ARGS["plan"], DATASET)
COLUMNS = plan["columns"]


def decode(data):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def parse_file(item):
    """One raw file -> ("row", file, line, values) and ("structure", file, line, reason, raw line) records."""
    path, data = item
    source_file = path.rsplit("/", 1)[-1]  # the file name, as the local pipeline records it
    text = decode(bytes(data))
    lines = text.splitlines()
    if not lines:
        return []
    delimiter = max(DELIMITERS, key=lines[0].count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header, missing, out, seen, previous_end = None, [], [], set(), 0
    for fields in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not fields or all(f.strip() == "" for f in fields):
            continue
        if header is None:
            header = []
            for h in fields:
                column = plan["headers"].get(lc.header_key(h))
                header.append(column if column not in seen else None)
                seen.add(column)
            missing = [c for c in plan["required"] if c not in seen]
            continue
        raw_line = "\n".join(lines[start - 1:reader.line_num])
        if missing:
            out.append(("structure", source_file, start, f"missing required column(s): {', '.join(missing)}", raw_line))
        elif len(fields) != len(header):
            out.append(("structure", source_file, start, f"expected {len(header)} fields, found {len(fields)}", raw_line))
        else:
            values = {c: v for c, v in zip(header, fields) if c is not None}
            out.append(("row", source_file, start, [values.get(c) for c in COLUMNS]))
    return out


raw_prefix = f"{DATASET}/load_date={LOAD_DATE}/"
raw_files = lc.list_keys(s3, ARGS["raw_bucket"], raw_prefix)
outcome = {"dataset": DATASET, "load_date": LOAD_DATE, "raw_files": raw_files, "rules_failed": 0, "warnings_failed": 0, "rules": []}

if not raw_files:
    outcome.update(rows_raw=0, rows_processed=0, rows_quarantined=0, skipped="no raw files for this load")
else:
    records = sc.binaryFiles(f"s3://{ARGS['raw_bucket']}/{raw_prefix}").flatMap(parse_file).cache()
    string_fields = [T.StructField(c, T.StringType()) for c in COLUMNS]
    meta = [T.StructField("_source_file", T.StringType()), T.StructField("_row", T.LongType())]
    batch = spark.createDataFrame(records.filter(lambda r: r[0] == "row").map(lambda r: [r[1], r[2], *r[3]]), T.StructType(meta + string_fields))
    batch.createOrReplaceTempView("batch_input")
    typed = spark.sql(plan["typed_view_sql"]).withColumn("_reason", F.expr(plan["row_problems_sql"])).cache()

    load_date = F.to_date(F.lit(LOAD_DATE))
    processed = typed.filter(F.col("_reason").isNull()).select(*COLUMNS, load_date.alias("_load_date"), "_source_file", "_row")
    value_rows = typed.filter(F.col("_reason").isNotNull()).select(
        *[F.col(f"{c}__raw").alias(c) for c in COLUMNS], "_source_file", "_row", "_reason",
        F.lit("value").alias("_reason_kind"), F.lit(None).cast("string").alias("_raw_line"),
    )
    structure_rows = spark.createDataFrame(
        records.filter(lambda r: r[0] == "structure").map(lambda r: [*([None] * len(COLUMNS)), r[1], r[2], r[3], "structure", r[4]]),
        T.StructType(string_fields + meta + [T.StructField(n, T.StringType()) for n in ["_reason", "_reason_kind", "_raw_line"]]),
    )
    quarantine = value_rows.unionByName(structure_rows)

    staging = f"_staging/{DATASET}/load_date={LOAD_DATE}/{ARGS['JOB_RUN_ID']}"
    processed.write.mode("overwrite").option("compression", "zstd").parquet(f"s3://{ARGS['processed_bucket']}/{staging}/")
    quarantine.coalesce(1).write.mode("overwrite").option("compression", "zstd").parquet(f"s3://{ARGS['quarantine_bucket']}/{staging}/")

    # processed/<dataset>/load_date=D/part-<n>.parquet: a re-run replaces exactly that partition.
    processed_prefix = f"{DATASET}/load_date={LOAD_DATE}/"
    staged_processed = lc.staged_parquet(s3, ARGS["processed_bucket"], staging + "/")
    lc.publish(s3, ARGS["processed_bucket"], [(k, f"{processed_prefix}part-{i}.parquet") for i, k in enumerate(staged_processed)], lc.list_keys(s3, ARGS["processed_bucket"], processed_prefix))
    quarantine_prefix = f"{DATASET}/load_date={LOAD_DATE}/"
    staged_quarantine = lc.staged_parquet(s3, ARGS["quarantine_bucket"], staging + "/")
    lc.publish(s3, ARGS["quarantine_bucket"], [(k, f"{quarantine_prefix}part-{i}.parquet") for i, k in enumerate(staged_quarantine)], lc.list_keys(s3, ARGS["quarantine_bucket"], quarantine_prefix))

    rows_processed, rows_value, rows_structure = processed.count(), value_rows.count(), structure_rows.count()
    outcome.update(rows_raw=rows_processed + rows_value + rows_structure, rows_processed=rows_processed, rows_quarantined=rows_value + rows_structure)

    if plan["ruleset"]:
        # Rules see the typed view of the batch (every row that parsed), as the local check engines do.
        frame = typed.withColumn("_load_date", load_date).select(*plan["dq_frame_columns"])

        def processed_column(dataset, column):
            """A referenced dataset's key column over all its loads (empty before its first load)."""
            if not lc.list_keys(s3, ARGS["processed_bucket"], f"{dataset}/"):
                return spark.createDataFrame([], T.StructType([T.StructField(column, T.StringType())]))
            return spark.read.parquet(f"s3://{ARGS['processed_bucket']}/{dataset}/").select(column)

        references = {}
        for source in plan["dq_references"]:
            parts = []
            for branch in source["branches"]:
                if branch["values"] is None:
                    parts.append(processed_column(branch["dataset"], branch["column"]).select(F.col(branch["column"]).alias(source["columns"][0])))
                else:
                    for value in branch["values"]:
                        parts.append(processed_column(branch["dataset"], branch["column"]).select(F.lit(value).alias(source["columns"][0]), F.col(branch["column"]).alias(source["columns"][1])))
            union = parts[0]
            for part in parts[1:]:
                union = union.unionByName(part)
            references[source["alias"]] = DynamicFrame.fromDF(union, glue, source["alias"])

        ruleset = boto3.client("glue").get_data_quality_ruleset(Name=plan["ruleset"])["Ruleset"]
        results = EvaluateDataQuality().process_rows(
            frame=DynamicFrame.fromDF(frame, glue, "batch"),
            ruleset=ruleset,
            additional_data_sources=references,
            publishing_options={
                "dataQualityEvaluationContext": f"{DATASET}_{LOAD_DATE}",
                "enableDataQualityCloudWatchMetrics": True,
                "enableDataQualityResultsPublishing": True,
            },
            additional_options={"performanceTuning.caching": "CACHE_NOTHING"},
        )
        outcome_rows = [r.asDict(recursive=True) for r in SelectFromCollection.apply(dfc=results, key="ruleOutcomes").toDF().collect()]
        outcome["rules"], outcome["unmatched_results"] = lc.rule_outcomes(plan["dq_rules"], outcome_rows)
        outcome["rules_failed"] = sum(1 for r in outcome["rules"] if r["status"] != "pass" and r["severity"] == "error")
        outcome["warnings_failed"] = sum(1 for r in outcome["rules"] if r["status"] != "pass" and r["severity"] != "error")

# The state machine's quality gate reads this file.
s3.put_object(Bucket=ARGS["processed_bucket"], Key=QUALITY_KEY, Body=json.dumps(outcome, default=str).encode("utf-8"), ContentType="application/json")
