"""Every export kind is registered when Django starts, not only once a test (or a view) happens to import its module:
a kind missing at start answers 404 on its pages and cannot be requested in a running portal."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

from portal.exports.registry import kinds

ROOT = Path(__file__).resolve().parents[2]


def _import_every_export_module() -> None:
    packages = [p.parent for p in ROOT.glob("*/__init__.py") if p.parent.name not in {"tests", "bench"}]
    for path in sorted(path for package in packages for path in package.rglob("exports*.py")):
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


def test_a_fresh_process_registers_every_export_kind_the_code_defines():
    _import_every_export_module()
    defined = sorted(kind.name for kind in kinds())
    script = ("import django, json; django.setup(); from portal.exports.registry import kinds; "
              "print(json.dumps(sorted(k.name for k in kinds())))")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings")
    output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True, timeout=120).stdout
    at_start = json.loads(output.strip().splitlines()[-1])
    assert {"controls.subprocessor_list", "controls.processing_record"} <= set(defined)
    assert at_start == defined
