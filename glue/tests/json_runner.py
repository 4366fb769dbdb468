"""Lists (--list) or runs the Glue scripts' tests, one JSON line per test: how npm test reports each Python test."""
import io
import json
import pathlib
import sys
import traceback
import unittest

HERE = pathlib.Path(__file__).resolve().parent


def tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from tests(item)
        else:
            yield item


class JsonResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.outcomes = {}

    def addSuccess(self, test):
        self.outcomes[test.id()] = {"status": "passed"}

    def addFailure(self, test, err):
        self.outcomes[test.id()] = {"status": "failed", "output": "".join(traceback.format_exception(*err))}

    def addError(self, test, err):
        self.outcomes[test.id()] = {"status": "failed", "output": "".join(traceback.format_exception(*err))}

    def addSkip(self, test, reason):
        self.outcomes[test.id()] = {"status": "skipped", "output": reason}


def main():
    suite = unittest.defaultTestLoader.discover(str(HERE), top_level_dir=str(HERE))
    loaded = list(tests(suite))
    broken = [t for t in loaded if t.id().startswith("unittest.loader._FailedTest")]
    if "--list" in sys.argv:
        print(json.dumps([t.id() for t in loaded]))
        return
    result = JsonResult()
    captured = io.StringIO()
    stdout, sys.stdout = sys.stdout, captured
    try:
        unittest.TestSuite(loaded).run(result)
    finally:
        sys.stdout = stdout
    for t in broken:
        result.outcomes.setdefault(t.id(), {"status": "failed", "output": "could not load the test module"})
    print(json.dumps(result.outcomes))


if __name__ == "__main__":
    main()
