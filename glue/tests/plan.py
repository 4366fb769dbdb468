"""The Glue plan the tests read: the one the Pulumi program uploads (compileGluePlan), for the shipped contracts and rules."""
import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
_COMPILE = (
    'const { compileGluePlan } = require("./src/aws/glue-plan"); const { lakeNames } = require("./src/aws/naming");'
    ' const { loadContracts } = require("./src/model/contracts"); const { loadRuleSets } = require("./src/model/rules");'
    ' const c = loadContracts(); process.stdout.write(JSON.stringify(compileGluePlan(c, loadRuleSets(c), lakeNames("energy-lake-test"))));'
)
_plan = None


def glue_plan():
    """LAKE_PLAN (written by test/glue/python.test.ts) or, run on their own, compiled here with the project's tsx."""
    global _plan
    if _plan is None:
        if os.environ.get("LAKE_PLAN"):
            _plan = json.loads(pathlib.Path(os.environ["LAKE_PLAN"]).read_text(encoding="utf-8"))
        else:
            tsx = ROOT / "node_modules" / ".bin" / "tsx"
            _plan = json.loads(subprocess.run([str(tsx), "-e", _COMPILE], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    return _plan


def dataset(name):
    return glue_plan()["datasets"][name]
