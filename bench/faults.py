"""Load with a fault: the 50-session load, with writes, while one gunicorn worker is killed in the middle.

Each of LOAD_CONNECTIONS clients sends the page reads of the ordinary load and, as the first of every five
requests, an alert to the intake API (a write: a new case, its audit event and its obligations). Half-way
through, one worker is killed with SIGKILL, as a crash or the kernel's OOM killer would; the gunicorn master
starts another. A read that fails is tried once more; a write that fails is sent again with the same external
id, up to three times, as a detection tool does. Afterwards every acknowledged alert must be exactly one case.

Figures: requests, reads and writes, first-attempt errors, reads failed after their retry, writes failed after
their retries (the target is 0), p50/p99 of all answers, and the cases found for the acknowledged alerts.
"""

import json
import os
import signal
import statistics
import threading
import time
from http.client import HTTPConnection, HTTPException
from pathlib import Path

WRITE_EVERY = 5
WRITE_ATTEMPTS = 3


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        return [int(pid) for pid in children.read_text().split()]
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            pids.append(int(stat.parent.name))
    return pids


class Client:
    def __init__(self, port: int, cookie: str, token: str, run: str, number: int):
        self.port, self.cookie, self.token, self.run, self.number = port, cookie, token, run, number
        self.connection = None
        self.latencies: list[float] = []
        self.counts = {"reads": 0, "writes": 0, "first_attempt_errors": 0, "failed_reads": 0, "failed_writes": 0}
        self.acknowledged: list[str] = []

    def _send(self, method: str, path: str, body: str | None, headers: dict) -> int | None:
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
            response = self.connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
        except (OSError, HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return None
        self.latencies.append((time.perf_counter() - started) * 1000)
        return status

    def read(self, path: str) -> None:
        self.counts["reads"] += 1
        for attempt in range(2):
            status = self._send("GET", path, None, {"Cookie": self.cookie})
            if status is not None and status < 400:
                return
            if attempt == 0:
                self.counts["first_attempt_errors"] += 1
        self.counts["failed_reads"] += 1

    def write(self, sequence: int) -> None:
        self.counts["writes"] += 1
        external_id = f"{self.run}-{self.number}-{sequence}"
        body = json.dumps({"source": "bench-faults", "external_id": external_id,
                           "title": f"Fault-load alert {sequence}"})
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        for attempt in range(WRITE_ATTEMPTS):
            status = self._send("POST", "/api/incidents/", body, headers)
            if status in (200, 201):
                self.acknowledged.append(external_id)
                return
            if attempt == 0:
                self.counts["first_attempt_errors"] += 1
            time.sleep(0.2 * (attempt + 1))
        self.counts["failed_writes"] += 1

    def loop(self, paths: list[str], until: float) -> None:
        sequence = 0
        while time.monotonic() < until:
            sequence += 1
            if sequence % WRITE_EVERY == 1:
                self.write(sequence)
            else:
                self.read(paths[(self.number + sequence) % len(paths)])


def load_with_worker_kill(*, master_pid: int, port: int, paths: list[str], cookies: list[str], token: str,
                          seconds: int) -> dict:
    from incidents.models import Incident

    run = f"faults{int(time.time())}"
    clients = [Client(port, cookie, token, run, number) for number, cookie in enumerate(cookies)]
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client.loop, args=(paths, until)) for client in clients]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    before = worker_pids(master_pid)
    killed = before[0]
    os.kill(killed, signal.SIGKILL)
    killed_at = time.monotonic()
    replaced_after = None
    while time.monotonic() < until:
        now = worker_pids(master_pid)
        if killed not in now and len(now) >= len(before):
            replaced_after = round(time.monotonic() - killed_at, 2)
            break
        time.sleep(0.05)
    for thread in threads:
        thread.join()

    totals = {name: sum(client.counts[name] for client in clients) for name in clients[0].counts}
    latencies = sorted(latency for client in clients for latency in client.latencies)
    acknowledged = [external_id for client in clients for external_id in client.acknowledged]
    stored = Incident.objects.filter(external_source="bench-faults", external_id__in=acknowledged).count()
    return {
        **totals, "requests": totals["reads"] + totals["writes"], "seconds": seconds, "clients": len(clients),
        "worker_killed": "SIGKILL, half-way", "worker_replaced_after_s": replaced_after,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "acknowledged_writes": len(acknowledged), "acknowledged_writes_stored_once": stored,
    }
