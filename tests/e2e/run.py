"""run.py — runs the end-to-end tests (what `make e2e` calls).

    /usr/bin/python3 tests/e2e/run.py [-k SUBSTRING]... [-x] [FILE...]

Discovers tests/e2e/test_*.py (or runs the FILEs given), keeps only tests whose full name
(module.Class.test_name) contains one of the -k substrings, runs them with unittest, prints
one line per test with its duration, and closes with exactly `N passed, M failed` (plus
`, K skipped` when some were skipped). Exit status 1 on any failure or error, or when no
test ran. BUILD_DIR (build or build/san) selects the binaries, see harness.py.
"""

import argparse
import os
import signal
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent


class TimedResult(unittest.TextTestResult):
    """TextTestResult that shows each test's duration after its verdict."""

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def _verdict(self, word):
        took = time.monotonic() - getattr(self, "_started", time.monotonic())
        self.stream.writeln("%s (%.2fs)" % (word, took))
        self.stream.flush()

    def addSuccess(self, test):
        unittest.TestResult.addSuccess(self, test)
        self.passed = getattr(self, "passed", 0) + 1
        self._verdict("ok")

    def addFailure(self, test, err):
        unittest.TestResult.addFailure(self, test, err)
        self._verdict("FAIL")

    def addError(self, test, err):
        unittest.TestResult.addError(self, test, err)
        if self.showAll and not isinstance(test, unittest.TestCase):
            # setUpClass/tearDownClass errors have no test line of their own.
            self.stream.write(str(test) + " ... ")
        self._verdict("ERROR")

    def addSkip(self, test, reason):
        unittest.TestResult.addSkip(self, test, reason)
        self._verdict("skipped %r" % reason)

    def addExpectedFailure(self, test, err):
        unittest.TestResult.addExpectedFailure(self, test, err)
        self._verdict("expected failure")

    def addUnexpectedSuccess(self, test):
        unittest.TestResult.addUnexpectedSuccess(self, test)
        self._verdict("unexpected success")


def _on_term(signum, frame):
    # Turn SIGTERM into an exception so atexit tears the stacks and the cluster down.
    raise SystemExit(128 + signum)


def main():
    ap = argparse.ArgumentParser(description="Run the end-to-end tests.")
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                    help="only tests whose name contains SUBSTRING (repeatable)")
    ap.add_argument("-x", "--failfast", action="store_true", help="stop at the first failure")
    ap.add_argument("files", nargs="*", help="test files (default: tests/e2e/test_*.py)")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, _on_term)
    sys.path.insert(0, str(HERE))
    # Keep our own output in order with the child processes' (unbuffered-ish).
    sys.stdout.reconfigure(line_buffering=True)

    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = ["*%s*" % k for k in args.k]
    files = [Path(f).resolve() for f in args.files] or sorted(HERE.glob("test_*.py"))
    suite = unittest.TestSuite()
    for f in files:
        if not f.exists():
            print("run.py: no such file: %s" % f, file=sys.stderr)
            return 2
        if f.parent != HERE:
            sys.path.insert(0, str(f.parent))
        suite.addTests(loader.loadTestsFromName(f.stem))

    os.environ.setdefault("BUILD_DIR", "build")
    print("e2e: %d tests from %d files, BUILD_DIR=%s" % (suite.countTestCases(), len(files),
                                                        os.environ["BUILD_DIR"]))
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=TimedResult,
                                     failfast=args.failfast)
    result = runner.run(suite)

    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    # Counted from the outcomes: a setUpClass error is one error, not a test run.
    passed = getattr(result, "passed", 0) + len(result.expectedFailures)
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    if failed:
        print("logs of each stack: %s" % (HERE / "artifacts"))
    if result.testsRun == 0 and not failed:
        print("run.py: no test ran", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
