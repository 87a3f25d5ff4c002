"""Celery tasks of the control inventory: thin and idempotent."""

from celery import shared_task

from controls.services_status import controls_refresh_status


@shared_task(name="controls.status_sweep", acks_late=True)
def control_status_sweep_task() -> dict:
    """Daily: expired evidence and overdue reviews put controls on "needs attention", and take them off."""
    from controls.services_annex import annex_notify_overstated

    report = controls_refresh_status()
    # A measure that fell out of status may be stated in an annex in force: the DPO is told, once per change.
    told = annex_notify_overstated(today=report.today)
    return {"today": report.today.isoformat(), "checked": report.checked, "changed": len(report.changes),
            "annex_notices": told}


@shared_task(
    name="controls.annex_notice_send_task", acks_late=True, autoretry_for=(Exception,), retry_backoff=60,
    max_retries=5, queue="default",
)
def annex_notice_send_task(notice_id: int) -> bool:
    """Email one customer's notice of a new TOM annex version; a notice already sent is skipped."""
    from controls.services_annex import annex_notice_send

    return annex_notice_send(notice_id=notice_id)


# Celery discovers `tasks` modules only; the sub-processor tasks live beside this one.
from controls.tasks_subprocessors import change_notice_send_task  # noqa: E402,F401
