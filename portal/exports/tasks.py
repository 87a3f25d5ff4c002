"""Celery tasks of the exports queue: they take ids and call a service."""

from celery import shared_task

from portal.exports import services


@shared_task(name="exports.export_render_task", acks_late=True, reject_on_worker_lost=True, queue="exports")
def export_render_task(job_id: str) -> str:
    """Render one export job; a redelivery after a worker died renders it again, a finished job is skipped."""
    return services.export_job_run(job_id=job_id).status


@shared_task(name="exports.requeue", acks_late=True, queue="default")
def exports_requeue_task() -> int:
    """Jobs whose message was lost while the broker was away are sent again."""
    return services.exports_requeue()


@shared_task(
    name="exports.annex_notice_send_task", acks_late=True, autoretry_for=(Exception,), retry_backoff=60,
    max_retries=5, queue="default",
)
def annex_notice_send_task(version_id: int) -> int:
    return len(services.annex_notice_send(version_id=version_id))
