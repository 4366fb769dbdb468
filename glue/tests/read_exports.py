"""Reads exports with lake_csv and prints what it found, as JSON: the Glue side of test/glue/reader-parity.test.ts.

Usage: read_exports.py DATASET FILE... (the plan from LAKE_PLAN, as for the tests).
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import lake_csv  # noqa: E402
from plan import dataset  # noqa: E402


def main():
    plan = dataset(sys.argv[1])
    results = []
    for file in sys.argv[2:]:
        path = pathlib.Path(file)
        try:
            export = lake_csv.read_export(path.name, path.read_bytes(), plan)
        except lake_csv.ExportError as error:
            results.append({"file": path.name, "error": str(error)})
            continue
        layout = export["layout"]
        results.append({
            "file": path.name,
            "delimiter": layout["delimiter"],
            "headers": layout["headers"],
            "ignored_headers": layout["ignored_headers"],
            "encoding": export["encoding"],
            "records": export["records"],
            "accepted": [[line, [values.get(c) for c in plan["columns"]]] for line, values in export["rows"]],
            "refused": [[line, reason, text] for line, reason, text in export["rejects"]],
            "warnings": export["warnings"],
        })
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
