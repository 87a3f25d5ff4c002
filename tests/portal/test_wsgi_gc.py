"""Each web worker freezes what the application loaded, so full garbage collections skip it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_wsgi_application_freezes_the_loaded_objects_and_sets_the_thresholds(tmp_path):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT), "ANNEX_VAR_DIR": str(tmp_path),
                "SECRET_KEY": "x" * 50})
    code = ("import gc; from portal import wsgi; "
            "print(gc.get_freeze_count(), gc.get_threshold() == wsgi.GC_THRESHOLDS, callable(wsgi.application))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    frozen, thresholds, application = result.stdout.split()
    assert int(frozen) > 50_000, "the application's modules, URLconf and models should be frozen"
    assert thresholds == "True" and application == "True"
