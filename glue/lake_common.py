"""Helpers shared by the energy-lake Glue jobs (shipped to them with --extra-py-files)."""
import json
import re

# The same folding as src/model/text.ts, so headers and values match exactly as they do locally.
ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçýÿ"
UNACCENTED = "aaaaaaeeeeiiiiooooouuuuncyy"
_FOLD = str.maketrans(ACCENTED, UNACCENTED)
LOAD_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def fold_value(value):
    return value.strip().lower().translate(_FOLD)


def header_key(header):
    """The key a CSV header is matched on (headerKey in src/model/text.ts)."""
    unquoted = re.sub(r'^\s*"|"\s*$', "", header.lstrip("\ufeff"))
    return re.sub(r"[\s.\-]+", "_", fold_value(unquoted))


def check_load_date(value):
    if not LOAD_DATE.match(value):
        raise ValueError(f"--load_date {value!r} is not YYYY-MM-DD; pass the load date explicitly")
    return value


def split_s3_uri(uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def read_plan(s3, uri, dataset):
    bucket, key = split_s3_uri(uri)
    plan = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    if dataset not in plan["datasets"]:
        raise ValueError(f"--dataset {dataset!r} is not in the plan; datasets: {', '.join(sorted(plan['datasets']))}")
    return plan["datasets"][dataset]


def list_keys(s3, bucket, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


def staged_parquet(s3, bucket, prefix):
    return sorted(k for k in list_keys(s3, bucket, prefix) if k.endswith(".parquet"))


def publish(s3, bucket, placements, stale_keys):
    """Write aside, then swap: copy each staged file to its final key, then drop what an earlier
    run of the same load left and the staged copies. A failure before this point leaves the
    previous state untouched."""
    final_keys = set()
    for staged, final in placements:
        s3.copy({"Bucket": bucket, "Key": staged}, bucket, final)
        final_keys.add(final)
    for key in stale_keys:
        if key not in final_keys:
            s3.delete_object(Bucket=bucket, Key=key)
    for staged, _ in placements:
        s3.delete_object(Bucket=bucket, Key=staged)


def s3_client():
    import boto3  # present on Glue; imported here so the pure helpers load anywhere

    return boto3.client("s3")
