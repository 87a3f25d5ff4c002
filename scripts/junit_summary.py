"""Print per-stage and total test counts from the JUnit XML files of `make test`."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

totals = {"passed": 0, "failed": 0, "skipped": 0}
for name in sys.argv[1:]:
    path = Path(name)
    if not path.exists():
        print(f"{path.stem:>12}: did not run")
        totals["failed"] += 1
        continue
    suite = ET.parse(path).getroot()  # noqa: S314
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    passed = tests - failures - errors - skipped
    totals["passed"] += passed
    totals["failed"] += failures + errors
    totals["skipped"] += skipped
    print(f"{path.stem:>12}: {passed} passed, {failures + errors} failed, {skipped} skipped ({suite.get('time')} s)")
print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
