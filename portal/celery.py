"""The Celery application shared by the web process, workers and beat."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portal.ping")
def ping(payload: str = "pong") -> dict:
    """Round-trip check used by /healthz-style probes and the integration tests."""
    import socket

    return {"payload": payload, "worker": socket.gethostname(), "pid": os.getpid()}
