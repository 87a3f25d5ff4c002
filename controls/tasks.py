"""Celery tasks of the control inventory: thin and idempotent."""

from celery import shared_task

from controls.services_status import controls_refresh_status


@shared_task(name="controls.status_sweep", acks_late=True)
def control_status_sweep_task() -> dict:
    """Daily: expired evidence and overdue reviews put controls on "needs attention", and take them off."""
    report = controls_refresh_status()
    return {"today": report.today.isoformat(), "checked": report.checked, "changed": len(report.changes)}


# Celery discovers `tasks` modules only; the sub-processor tasks live beside this one.
from controls.tasks_subprocessors import change_notice_send_task  # noqa: E402,F401
