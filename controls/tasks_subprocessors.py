"""Celery tasks of the sub-processor register: thin, idempotent, taking ids."""

from celery import shared_task

from controls.services_subprocessors import change_notice_send


@shared_task(
    name="controls.change_notice_send_task", acks_late=True, autoretry_for=(Exception,), retry_backoff=60,
    max_retries=5, queue="default",
)
def change_notice_send_task(notice_id: int) -> bool:
    """Email one customer's sub-processor change notice; a notice already sent is skipped."""
    return change_notice_send(notice_id=notice_id)
