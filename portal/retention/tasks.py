"""Celery tasks of retention: they take ids, call a service, and are safe to run again."""

from celery import shared_task

from portal.retention import certificates, engine
from portal.retention.models import RetentionRun


@shared_task(name="retention.nightly_run", acks_late=True)
def retention_run_nightly_task() -> dict:
    """Nightly: apply the schedule (resuming an interrupted run). Another run in progress: nothing to do."""
    try:
        run = engine.retention_run_start(trigger=RetentionRun.Trigger.NIGHTLY)
    except engine.RetentionBusy:
        return {"skipped": "busy"}
    run = engine.retention_run_execute(run_id=run.pk)
    return {"run": run.pk, "records": run.total_done}


@shared_task(name="retention.run_task", acks_late=True, reject_on_worker_lost=True, queue="exports")
def retention_run_task(run_id: int) -> str:
    """A run started in the browser: apply the schedule, then issue its deletion certificate."""
    run = engine.retention_run_execute(run_id=run_id)
    if run.status == RetentionRun.Status.DONE and run.started_by_id is not None:
        certificates.run_certify(run_id=run.pk, actor=run.started_by)
    return run.status


@shared_task(name="retention.offboarding_certify_task", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=60, max_retries=5, queue="exports")
def offboarding_certify_task(offboarding_id: int, actor_id: int) -> str:
    """Issue the customer's certificate once an offboarding completes; a retry returns the one issued."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=actor_id)
    return certificates.offboarding_certify(offboarding_id=offboarding_id, actor=actor).snapshot_sha256
