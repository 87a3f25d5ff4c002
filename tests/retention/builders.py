"""Records of the backbones built as their services would leave them, at a given moment."""

import uuid

import time_machine
from django.utils import timezone

from portal.notifications.models import Notification


def notification(recipient, *, at=None, title="Review of TOM-ACC-01 is due in 7 days") -> Notification:
    return Notification.objects.create(
        key=uuid.uuid4().hex, recipient=recipient, channel="in_app", reason="controls.review_due",
        title=title, created_at=at or timezone.now(),
    )


def at(moment):
    """time_machine at a moment, not ticking."""
    return time_machine.travel(moment, tick=False)
