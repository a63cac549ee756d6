"""Prints one line per JUnit file and a closing 'N passed, N failed' line.

Used by run_tests.sh after every suite has passed, so the end of a test run
says in one place how much ran and how much was skipped.
"""

import os
import sys
import xml.etree.ElementTree as ET


def count(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0)) + int(suite.get("disabled", 0))
    return total - failed - skipped, failed, skipped


def main(paths):
    totals = [0, 0, 0]
    for path in paths:
        passed, failed, skipped = count(path)
        print(f"  {os.path.relpath(path)}: {passed} passed, {failed} failed, {skipped} skipped")
        totals = [a + b for a, b in zip(totals, (passed, failed, skipped))]
    passed, failed, skipped = totals
    print(f"Total: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
