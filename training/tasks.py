"""Celery tasks of employee training: thin, idempotent, and each also a management command."""

from celery import shared_task


@shared_task(name="training.assignments_sweep", acks_late=True)
def assignments_sweep_task() -> int:
    from training.services_directory import leavers_process
    from training.sweep import assignments_sweep

    leavers_process()
    return assignments_sweep().created


@shared_task(name="training.assignments_sync_users", acks_late=True)
def assignments_sync_users_task(user_ids: list[int]) -> int:
    from training.sweep import assignments_sync_users

    return assignments_sync_users(user_ids=user_ids).created


@shared_task(name="training.evidence_snapshot", acks_late=True)
def evidence_snapshot_task() -> bool:
    from training.evidence import evidence_snapshot_monthly

    return evidence_snapshot_monthly() is not None


@shared_task(name="training.dpo_digest", acks_late=True)
def dpo_digest_task() -> int:
    from training.digest import dpo_digest_send

    return dpo_digest_send()
