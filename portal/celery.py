"""The Celery application shared by the web process, workers and beat."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portal.ping", ignore_result=False)  # its caller waits for the answer
def ping(payload: str = "pong") -> dict:
    """Round-trip check used by /healthz-style probes and the integration tests."""
    import socket

    return {"payload": payload, "worker": socket.gethostname(), "pid": os.getpid()}


@beat_init.connect
def sweep_reminders_at_start(sender=None, **kwargs) -> None:
    """Beat runs the hourly reminder sweep once as it starts, so the bell shows what is due at once, not an
    hour after start-up. The sweep is idempotent: a restart never sends a notice twice."""
    from portal.notifications.tasks import reminders_sweep_task

    reminders_sweep_task.delay()
