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


def s3_client():
    import boto3  # present on Glue; imported here so the pure helpers load anywhere

    return boto3.client("s3")
