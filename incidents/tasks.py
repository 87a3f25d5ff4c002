"""Celery tasks of incident cases: thin, take ids, safe to run twice."""

from celery import shared_task

from incidents import services


@shared_task(name="incidents.notice_email", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def notice_email_task(notice_id: int) -> bool:
    return services.notice_email_send(notice_id=notice_id)


@shared_task(name="incidents.notify_on_call", acks_late=True)
def incident_notify_on_call_task(incident_id: int, with_dpo: bool = False) -> int:
    return services.incident_notify_on_call(incident_id=incident_id, with_dpo=with_dpo)


@shared_task(name="incidents.deadline_sweep", acks_late=True)
def obligations_deadline_sweep_task() -> int:
    """The reminder sweep for breach deadlines only, run every few minutes: their steps are hours apart."""
    from incidents.reminders import DEADLINE
    from portal.notifications.sweep import reminders_sweep

    return reminders_sweep(rule_names=[DEADLINE.name]).created
