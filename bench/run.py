"""The Annex benchmark: figures as ratios to a floor measured in the same run.

Run through `make bench` (scripts/bench.sh), which starts a throwaway PostgreSQL and Redis, migrates,
generates the dataset and then calls this module. Writes bench/results.json and prints a table.
"""

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from http.client import HTTPConnection
from importlib import import_module
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402

from portal.accounts.models import TOTPDevice, User  # noqa: E402
from portal.accounts.roles import Role, roles_sync  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
# Measured on the 2-core reference machine at 50 connections: sync workers at cores + 1 gave the
# highest throughput and the tightest tail (3x1: ~100 req/s, p99 ~0.7 s; 5x2 gthread: ~89 req/s, p99 ~2 s).
GUNICORN_WORKERS = 3
GUNICORN_THREADS = 1
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
# Before the measured load, the same connections and paths for a few seconds: each worker's first requests
# compile its templates and prepared queries and fill its PostgreSQL connection's caches, which a server
# that has been running pays once per worker. Reported apart as `load_warmup`.
LOAD_WARMUP_SECONDS = int(os.environ.get("BENCH_LOAD_WARMUP_SECONDS", "10"))
LOAD_CONNECTIONS = 50
# BENCH_ONLY=incidents,training measures only those domains' figures (with the floor), on a dataset without the
# audit trail, and merges them into BENCH_OUT (default bench/results.json) instead of replacing it.
ONLY = {part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()}
PARTS = {"controls", "incidents", "training"}
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results.json"))


def log(msg: str) -> None:
    print(msg, flush=True)


# --- sessions -----------------------------------------------------------------------------------

def bench_user(email: str, role: str) -> User:
    from django.contrib.auth.models import Group

    roles_sync()
    user, _ = User.objects.get_or_create(email=email, defaults={"full_name": f"Bench {role}"})
    user.groups.add(*Group.objects.filter(name=role))
    return user


def verified_session(user: User) -> str:
    """A session that has passed password and TOTP, as after a real sign-in."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "portal.accounts.backends.RoleModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store["mfa_verified_at"] = int(time.time())
    store["last_seen"] = int(time.time()) + 10**6  # no idle-timeout writes during the run
    store.create()
    return store.session_key


# --- server -------------------------------------------------------------------------------------

def start_gunicorn() -> subprocess.Popen:
    env = dict(os.environ, SECURE_COOKIES="false", SECURE_SSL_REDIRECT="false", DEBUG="false")
    proc = subprocess.Popen(
        # The deployment's own settings file (docs/deployment.md), so the benchmark measures what is deployed.
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "portal.wsgi:application",
         "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(GUNICORN_WORKERS), "--threads", str(GUNICORN_THREADS), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # e.g. the port is taken, and a healthy answer would be another server's
            raise SystemExit(f"gunicorn exited with {proc.returncode}; is port {PORT} free? (BENCH_PORT)")
        try:
            conn = HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not become healthy")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


FLOOR_BLOCK = 25


def latency(path: str, session_key: str, samples: int = SAMPLES, *, floor: str | None = None) -> dict:
    """Sequential requests on one keep-alive connection: median and p95 in ms.

    With `floor`, blocks of FLOOR_BLOCK requests for `path` alternate with blocks for the floor page on the
    same connection, and the floor's median is returned too (`floor_median_ms`): both medians then come
    from the same minutes of a machine whose speed drifts. Blocks rather than single requests, because a
    floor request that follows a heavy page pays part of that page's cost (its garbage, the caches it
    displaced), which would flatter the ratio.
    """
    conn = HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}", "Host": "127.0.0.1"}

    def timed(target: str) -> float:
        started = time.perf_counter()
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"GET {target} answered {response.status}")
        return elapsed

    for target in (path, floor) if floor else (path,):
        for _ in range(10):  # warm-up
            timed(target)
    times, floor_times = [], []
    while len(times) < samples:
        block = min(FLOOR_BLOCK if floor else samples, samples - len(times))
        times.extend(timed(path) for _ in range(block))
        if floor:
            floor_times.extend(timed(floor) for _ in range(block))
    times.sort()
    figure = {"median_ms": round(statistics.median(times), 2),
              "p95_ms": round(times[int(len(times) * 0.95) - 1], 2), "samples": samples}
    if floor:
        figure["floor_median_ms"] = round(statistics.median(floor_times), 2)
        figure["ratio"] = round(figure["median_ms"] / figure["floor_median_ms"], 2)
    return figure


def queries_for(path: str, user: User) -> int:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


# --- subprocess measurements ----------------------------------------------------------------------

def measure_command(*args: str) -> dict:
    """Run a management command in a fresh process; wall time, peak RSS and its output."""
    code = (
        "import sys, time, os, json, django;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE','portal.settings'); django.setup();"
        "from django.core.management import call_command;"
        "from django.db import connection;"
        "from django.test.utils import CaptureQueriesContext;"
        "t=time.perf_counter();"
        "ctx=CaptureQueriesContext(connection); ctx.__enter__();"
        f"call_command(*{list(args)!r});"
        "ctx.__exit__(None,None,None);"
        "el=time.perf_counter()-t;"
        # VmHWM, not ru_maxrss: after fork+exec ru_maxrss still counts the parent's pages.
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
        "print('BENCH-JSON'+json.dumps({'seconds':el,'queries':len(ctx.captured_queries),"
        "'peak_rss_mb':int(hwm)/1024}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON"))
    data = json.loads(line[len("BENCH-JSON"):])
    data["output"] = result.stdout.replace(line, "").strip()[-500:]
    return data


# --- load -----------------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%s}
local cookies = {%s}
local n = 0
request = function()
  n = n + 1
  local path = paths[(n %% #paths) + 1]
  local cookie = cookies[(n %% #cookies) + 1]
  return wrk.format("GET", path, {["Cookie"] = cookie, ["Host"] = "127.0.0.1"})
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50=%%f p99=%%f requests=%%d non2xx=%%d errors=%%d duration=%%d\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration))
end
"""


def load(paths: list[str], sessions: list[str], seconds: int = LOAD_SECONDS) -> dict:
    script = ROOT / "var" / "bench.lua"
    script.parent.mkdir(exist_ok=True)
    cookie_name = settings.SESSION_COOKIE_NAME
    script.write_text(WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths),
                                    ", ".join(f'"{cookie_name}={s}"' for s in sessions)))
    result = subprocess.run(
        ["wrk", "-t", "2", "-c", str(LOAD_CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )
    match = re.search(r"BENCH p50=([\d.]+) p99=([\d.]+) requests=(\d+) non2xx=(\d+) errors=(\d+) duration=(\d+)",
                      result.stdout)
    if not match:
        raise SystemExit(f"could not read wrk output:\n{result.stdout}\n{result.stderr}")
    p50, p99, requests, non2xx, errors, duration_us = match.groups()
    return {"rps": round(int(requests) / (int(duration_us) / 1e6), 1), "p50_ms": round(float(p50), 1),
            "p99_ms": round(float(p99), 1), "requests": int(requests), "errors": int(non2xx) + int(errors),
            "connections": LOAD_CONNECTIONS, "seconds": seconds}


INTAKE_SCRIPT = """
local n = 0
local run = "%s"
local threads = 0
-- Each wrk thread numbers its alerts apart (their random generators start alike), so every request is a new alert.
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  n = n + 1
  local body = string.format('{"source": "bench-ids", "external_id": "%%s-%%d-%%d", "title": "Bench alert %%d"}',
    run, tid, n, n)
  return wrk.format("POST", "/api/incidents/", {["Authorization"] = "Token %s", ["Content-Type"] = "application/json",
    ["Host"] = "127.0.0.1"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50=%%f p99=%%f requests=%%d non2xx=%%d errors=%%d duration=%%d\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration))
end
"""
INTAKE_SECONDS = 10
INTAKE_CONNECTIONS = 4


def load_intake(token: str, seconds: int = INTAKE_SECONDS) -> dict:
    """Detection tools posting alerts, each a new case (with its audit event, obligations and on-call notices)."""
    script = ROOT / "var" / "bench-intake.lua"
    script.parent.mkdir(exist_ok=True)
    script.write_text(INTAKE_SCRIPT % (f"run{int(time.time())}", token))
    result = subprocess.run(
        ["wrk", "-t", "2", "-c", str(INTAKE_CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )
    match = re.search(r"BENCH p50=([\d.]+) p99=([\d.]+) requests=(\d+) non2xx=(\d+) errors=(\d+) duration=(\d+)",
                      result.stdout)
    if not match:
        raise SystemExit(f"could not read wrk output:\n{result.stdout}\n{result.stderr}")
    p50, p99, requests, non2xx, errors, duration_us = match.groups()
    return {"rps": round(int(requests) / (int(duration_us) / 1e6), 1), "p50_ms": round(float(p50), 1),
            "p99_ms": round(float(p99), 1), "requests": int(requests), "errors": int(non2xx) + int(errors),
            "connections": INTAKE_CONNECTIONS, "seconds": seconds}


# --- main -----------------------------------------------------------------------------------------

def wanted(part: str) -> bool:
    return not ONLY or part in ONLY


def main() -> None:
    from bench import scenarios

    unknown = ONLY - PARTS
    if unknown:
        raise SystemExit(f"BENCH_ONLY: unknown part(s) {sorted(unknown)}; choose from {sorted(PARTS)}")
    scale = os.environ.get("BENCH_SCALE", "default")
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    # The machine is shared: the load average around the run says how much of it the figures had.
    load_before = [round(x, 2) for x in os.getloadavg()]
    results: dict = {"scale": scale, "machine": {"cores": os.cpu_count()},
                     "gunicorn": {"workers": GUNICORN_WORKERS, "threads": GUNICORN_THREADS}}
    dpo = bench_user("bench-dpo@bench.annex.test", Role.DPO)
    # The intake load measures the API itself, not its per-token rate limit.
    os.environ["INCIDENT_INTAKE_RATE"] = "100000000/min"
    server = start_gunicorn()
    try:
        session = verified_session(dpo)
        floor = latency(scenarios.FLOOR, session)
        results["floor"] = floor
        results["floor_ms"] = floor["median_ms"]
        log(f"floor {scenarios.FLOOR}: {floor}")
        for name, figure in scenarios.pages(dpo, session, latency, queries_for, floor["median_ms"], wanted):
            results.update(figure)
            log(f"{name}: {figure}")
        if wanted("incidents"):
            for name, figure in scenarios.incident_pages(dpo, session, latency, queries_for, floor["median_ms"]):
                results.update(figure)
                log(f"{name}: {figure}")
        if wanted("controls"):
            sessions = [verified_session(dpo) for _ in range(LOAD_CONNECTIONS)]
            paths = scenarios.load_paths(dpo)
            if LOAD_WARMUP_SECONDS:
                results["load_warmup"] = load(paths, sessions, LOAD_WARMUP_SECONDS)
                log(f"load warm-up: {results['load_warmup']}")
            figure = load(paths, sessions)
            results["load"] = figure
            results.update(load_rps=figure["rps"], load_p50_ms=figure["p50_ms"], load_p99_ms=figure["p99_ms"],
                           load_errors=figure["errors"])
            log(f"load: {figure}")
        if wanted("incidents"):
            from portal.accounts.tokens import api_token_create

            tool = bench_user("bench-ids@bench.annex.test", Role.INCIDENT_RESPONDER)
            figure = load_intake(api_token_create(user=tool))
            results["intake"] = figure
            results.update(intake_rps=figure["rps"], intake_p50_ms=figure["p50_ms"],
                           intake_p99_ms=figure["p99_ms"], intake_errors=figure["errors"])
            log(f"intake API: {figure}")
        if wanted("controls") and wanted("incidents"):
            from bench.faults import load_with_worker_kill
            from portal.accounts.tokens import api_token_create

            cookie_name = settings.SESSION_COOKIE_NAME
            figure = load_with_worker_kill(
                master_pid=server.pid, port=PORT, paths=paths, cookies=[f"{cookie_name}={s}" for s in sessions],
                token=api_token_create(user=bench_user("bench-siem@bench.annex.test", Role.INCIDENT_RESPONDER)),
                seconds=LOAD_SECONDS)
            results["load_fault"] = figure
            results.update(load_fault_failed_writes=figure["failed_writes"], load_fault_p99_ms=figure["p99_ms"],
                           load_fault_failed_reads=figure["failed_reads"])
            log(f"load with a worker killed: {figure}")
    finally:
        stop(server)
    if wanted("controls"):
        figure = scenarios.annex(dpo)
        results.update(figure)
        log(f"annex: {figure}")
    from bench.dataset import SCALES

    for name, figure in scenarios.offline(measure_command, SCALES[scale], log, wanted):
        results.update(figure)
        log(f"{name}: {figure}")
    conditions = {"started": started, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "scale": scale,
                  "load_average_1_5_15_min": {"start": load_before, "end": [round(x, 2) for x in os.getloadavg()]}}
    if ONLY:
        # Measured apart: the other figures in the file stay those of their own run.
        merged = json.loads(OUT.read_text()) if OUT.exists() else {}
        merged.update({key: value for key, value in results.items() if key not in ("scale", "floor", "floor_ms")})
        merged.setdefault("partial_runs", {})[",".join(sorted(ONLY))] = {
            **conditions, "floor_ms": results["floor_ms"], "keys": sorted(set(results) - {"scale", "machine"})}
        OUT.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    else:
        results["conditions"] = conditions
        OUT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    scenarios.print_table(results)
    log(f"load average (1, 5, 15 min): {conditions['load_average_1_5_15_min']}")
    log(f"wrote {OUT}")


if __name__ == "__main__":
    main()
