"""Publishing a task when the broker may be away (Redis stopped or restarting).

The record a task works on (an export job, an email notice) is committed first and its task published after
the commit. If the broker does not answer, the request that made the record must not fail for it: the record
stays queued, one line is logged, and its app's requeue sweep (a beat task every few minutes) publishes it
again once the broker is back. The tasks are idempotent, so a record published twice is still done once.
"""

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def publish(task, args: tuple = (), *, what: str, **options) -> bool:
    """apply_async, or False with a warning when the broker cannot be reached."""
    try:
        task.apply_async(args, **options)
    except OperationalError as exc:
        logger.warning("broker unavailable, not sent now: %s; the requeue sweep sends it when the broker is back (%s)",
                       what, exc)
        return False
    return True
