"""Celery tasks: thin wrappers that take ids and call a service. All are safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings

from portal.notifications import selectors, services, sweep

logger = logging.getLogger(__name__)


def _backoff(retries: int) -> int:
    """Exponential back-off: base, 2x base, 4x base... capped at one hour."""
    return min(settings.NOTIFICATION_RETRY_BASE_SECONDS * 2**retries, 3600)


@shared_task(name="notifications.deliver", bind=True, acks_late=True, max_retries=None)
def notification_deliver_task(self, notification_id: int) -> str:
    try:
        sent = services.notification_deliver(notification_id=notification_id)
    except Exception as exc:  # any backend error (SMTP, DNS, TLS, template) is retried
        error = f"{type(exc).__name__}: {exc}"
        final = self.request.retries >= settings.NOTIFICATION_MAX_RETRIES
        services.notification_record_failure(notification_id=notification_id, error=error, final=final)
        if final:
            logger.error("notification %s failed after %s attempts: %s", notification_id, self.request.retries + 1,
                         error)
            return "failed"
        logger.warning("notification %s: attempt %s failed, retrying: %s", notification_id,
                       self.request.retries + 1, error)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    return "sent" if sent else "skipped"


@shared_task(name="notifications.deliver_batch", acks_late=True)
def notifications_deliver_batch_task(notification_ids: list[int]) -> dict:
    """Send a batch of notices; one that fails is counted and handed to its own retrying task."""
    sent = failed = 0
    for notification_id in notification_ids:
        try:
            if services.notification_deliver(notification_id=notification_id):
                sent += 1
        except Exception as exc:  # as in notification_deliver_task: any backend error is retried
            failed += 1
            logger.warning("notification %s: sending failed, handing it to its own retries", notification_id,
                           exc_info=True)
            services.notification_record_failure(notification_id=notification_id,
                                                 error=f"{type(exc).__name__}: {exc}", final=False)
            notification_deliver_task.apply_async((notification_id,), countdown=_backoff(0))
    return {"sent": sent, "failed": failed}


@shared_task(name="notifications.reminders_sweep", acks_late=True)
def reminders_sweep_task() -> dict:
    report = sweep.reminders_sweep()
    return {"today": report.today.isoformat(), "due": report.due, "created": report.created}


@shared_task(name="notifications.requeue", acks_late=True)
def notifications_requeue_task() -> int:
    """Email notices whose message was lost while the broker was away are queued again."""
    return services.notifications_requeue()


@shared_task(name="notifications.digest_send", bind=True, acks_late=True, max_retries=None)
def digest_send_task(self, user_id: int) -> int:
    try:
        return services.digest_send(user_id=user_id)
    except Exception as exc:  # as for single notices
        error = f"{type(exc).__name__}: {exc}"
        if self.request.retries >= settings.NOTIFICATION_MAX_RETRIES:
            return -services.digest_record_failure(user_id=user_id, error=error)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(name="notifications.digests_queue", acks_late=True)
def digests_queue_task() -> int:
    user_ids = selectors.users_with_held_digest()
    for user_id in user_ids:
        digest_send_task.delay(user_id)
    return len(user_ids)
