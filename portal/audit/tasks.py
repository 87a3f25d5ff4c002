"""Celery tasks of the audit backbone."""

from celery import shared_task

from portal.audit.checkpoints import checkpoint_write


@shared_task(name="audit.checkpoint_write", acks_late=True)
def checkpoint_write_task() -> int | None:
    """A signed checkpoint of the chain head; a second run with no new events writes nothing."""
    checkpoint = checkpoint_write()
    return checkpoint.seq if checkpoint else None
