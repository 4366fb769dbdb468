"""processed -> curated for one dataset: one row per key, the latest load wins.

Rebuilt from every processed load, so re-running any load keeps curated consistent; written
aside, then swapped in.
"""
import sys

from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import Window
from pyspark.sql import functions as F

import lake_common as lc

ARGS = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "dataset", "load_date", "plan", "processed_bucket", "curated_bucket"])
DATASET = ARGS["dataset"]
LOAD_DATE = lc.check_load_date(ARGS["load_date"])

spark = GlueContext(SparkContext.getOrCreate()).spark_session
s3 = lc.s3_client()
plan = lc.read_plan(s3, ARGS["plan"], DATASET)

if not lc.list_keys(s3, ARGS["processed_bucket"], f"{DATASET}/"):
    print(f"{DATASET}: no processed data yet (load {LOAD_DATE}); curated left as it is")
    sys.exit(0)

processed = spark.read.parquet(f"s3://{ARGS['processed_bucket']}/{DATASET}/")
latest_first = Window.partitionBy(*plan["key"]).orderBy(F.col("_load_date").desc(), F.col("_source_file").desc(), F.col("_row").desc())
curated = (
    processed.withColumn("_rank", F.row_number().over(latest_first))
    .filter(F.col("_rank") == 1)
    .select(*plan["columns"], "_load_date", "_source_file", "_row")
)

staging = f"_staging/{DATASET}/{ARGS['JOB_RUN_ID']}"
curated.write.mode("overwrite").option("compression", "zstd").parquet(f"s3://{ARGS['curated_bucket']}/{staging}/")
staged = lc.staged_parquet(s3, ARGS["curated_bucket"], staging + "/")
lc.publish(s3, ARGS["curated_bucket"], [(k, f"{DATASET}/part-{i}.parquet") for i, k in enumerate(staged)], lc.list_keys(s3, ARGS["curated_bucket"], f"{DATASET}/"))
