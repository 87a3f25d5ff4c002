"""Print per-stage and total test counts from the JUnit XML files of `make test`."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

totals = {"passed": 0, "failed": 0, "skipped": 0}
# Generated cases recorded by the fuzzing tests (record_property): hypothesis filter fuzzing, schemathesis.
CASE_PROPERTIES = {"fuzz_cases": "filter and API parameter fuzzing (hypothesis)",
                   "schemathesis_cases": "OpenAPI fuzzing (schemathesis --checks all)"}
cases = dict.fromkeys(CASE_PROPERTIES, 0)
for name in sys.argv[1:]:
    path = Path(name)
    if not path.exists():
        print(f"{path.stem:>12}: did not run")
        totals["failed"] += 1
        continue
    suite = ET.parse(path).getroot()  # noqa: S314
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    for prop in suite.iter("property"):
        if prop.get("name") in cases:
            cases[prop.get("name")] += int(prop.get("value") or 0)
    passed = tests - failures - errors - skipped
    totals["passed"] += passed
    totals["failed"] += failures + errors
    totals["skipped"] += skipped
    print(f"{path.stem:>12}: {passed} passed, {failures + errors} failed, {skipped} skipped ({suite.get('time')} s)")
print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
for name, label in CASE_PROPERTIES.items():
    print(f"{label}: {cases[name]} cases")
