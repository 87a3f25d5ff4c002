"""Each web worker freezes what the application loaded, so full garbage collections skip it, and collects each
request's cyclic garbage after its response."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path) -> dict:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT), "ANNEX_VAR_DIR": str(tmp_path),
                "SECRET_KEY": "x" * 50})
    return env


def test_loading_the_wsgi_application_freezes_the_loaded_objects_and_sets_the_thresholds(tmp_path):
    env = _env(tmp_path)
    code = ("import gc; from portal import wsgi; "
            "print(gc.get_freeze_count(), gc.get_threshold() == wsgi.GC_THRESHOLDS, callable(wsgi.application))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    frozen, thresholds, application = result.stdout.split()
    assert int(frozen) > 50_000, "the application's modules, URLconf and models should be frozen"
    assert thresholds == "True" and application == "True"


# A request through the WSGI application, leaving 5,000 objects in reference cycles as a request does; then the
# generations' collections seen from the moment the server closes the response.
REQUEST_WITH_CYCLIC_GARBAGE = """
import gc, io
from portal import wsgi

def view_garbage():
    for _ in range(5000):
        cycle = {}
        cycle["self"] = cycle

seen = []
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
           "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
           "wsgi.errors": io.StringIO()}
response = wsgi.application(environ, lambda status, headers: None)
b"".join(response)
view_garbage()
young = gc.get_count()[0]
gc.callbacks.append(lambda phase, info: phase == "stop" and seen.append((info["generation"], info["collected"])))
response.close()
print(young, seen)
"""


def test_the_cyclic_garbage_of_a_request_is_collected_when_its_response_is_closed(tmp_path):
    env = {**_env(tmp_path), "ALLOWED_HOSTS": "127.0.0.1"}
    result = subprocess.run([sys.executable, "-c", REQUEST_WITH_CYCLIC_GARBAGE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    young, seen = result.stdout.split(" ", 1)
    assert int(young) >= 5000  # below the thresholds: nothing would have collected it yet
    collections = ast.literal_eval(seen)
    assert collections, "closing the response should collect the youngest generation"
    generation, collected = collections[0]
    assert generation == 0 and collected >= 5000
