"""The Spark drivers (transform.py, curate.py) cannot run here; what they use of the modules and the plan must exist."""
import ast
import pathlib
import sys
import unittest

GLUE = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(GLUE))
sys.path.insert(0, str(GLUE / "tests"))

import lake_common  # noqa: E402
import lake_csv  # noqa: E402
from plan import glue_plan  # noqa: E402

MODULES = {"lc": lake_common, "lake_csv": lake_csv}


def uses(script):
    tree = ast.parse((GLUE / script).read_text(encoding="utf-8"))
    attributes, plan_keys, arguments = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in MODULES:
            attributes.add((node.value.id, node.attr))
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant):
            if node.value.id == "plan":
                plan_keys.add(node.slice.value)
            if node.value.id == "ARGS":
                arguments.add(node.slice.value)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getResolvedOptions":
            declared = {e.value for e in node.args[1].elts}
    return attributes, plan_keys, arguments, declared


class JobScripts(unittest.TestCase):
    def check(self, script):
        attributes, plan_keys, arguments, declared = uses(script)
        for module, name in sorted(attributes):
            self.assertTrue(hasattr(MODULES[module], name), f"{script} uses {module}.{name}, which does not exist")
        for dataset in glue_plan()["datasets"].values():
            self.assertEqual(sorted(plan_keys - set(dataset)), [], f"{script} reads plan keys the plan does not have")
        self.assertEqual(sorted(arguments - declared), [], f"{script} reads job arguments it does not declare")
        self.assertGreater(len(attributes), 5)

    def test_transform_uses_what_exists(self):
        self.check("transform.py")

    def test_curate_uses_what_exists(self):
        self.check("curate.py")


if __name__ == "__main__":
    unittest.main()
