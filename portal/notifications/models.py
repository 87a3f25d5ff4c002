"""Notices to people (in-app and email), their preferences and their calendar feeds."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("Email")


class Notification(models.Model):
    """One notice to one person on one channel about one thing at one moment; `key` makes it exactly-once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        MUTED = "muted", _("Not sent: muted by the recipient")
        DIGEST = "digest", _("Held for the daily digest")

    key = models.CharField(max_length=64, help_text=_("SHA-256 of recipient, channel, subject, reason and moment."))
    # No index of its own: notification_inbox_idx starts with recipient and serves its lookups; one index
    # less to maintain on a table a sweep adds hundreds of thousands of rows to.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    reason = models.CharField(
        max_length=80, help_text=_("The rule or event that caused it, e.g. a reminder rule: \"<app>.<rule>\".")
    )
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    due_date = models.DateField(null=True, blank=True)
    offset_days = models.IntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    critical = models.BooleanField(default=False)
    escalation = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Marks the insert batch that created the row: after an INSERT .. ON CONFLICT DO NOTHING, the rows
    # carrying our batch id are exactly the ones we created, so a racing sweep never delivers twice.
    # (Only the SQLite path sets it; PostgreSQL gets the created rows from INSERT .. RETURNING.)
    batch = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="notifications_notification_key_unique")]
        indexes = [
            models.Index(fields=["recipient", "channel", "status", "read_at"], name="notification_inbox_idx"),
            # Partial indexes: a sweep inserts hundreds of thousands of rows, and only these few are looked up.
            models.Index(fields=["channel", "status"], name="notification_status_idx",
                         condition=models.Q(channel="email", status__in=["failed", "digest"])),
            models.Index(fields=["batch"], name="notification_batch_idx", condition=models.Q(batch__isnull=False)),
        ]
        permissions = [("retry_delivery", "Can see failed deliveries and retry them")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient_id}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


def notification_key(
    *, recipient_id: int, channel: str, reason: str, subject_type: str, subject_id: str, moment: str
) -> str:
    raw = "\x1f".join([str(recipient_id), channel, reason, subject_type, str(subject_id), moment])
    return hashlib.sha256(raw.encode()).hexdigest()


class NotificationPreference(models.Model):
    """What a person lets non-critical reminders do; critical notices ignore it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    in_app = models.BooleanField(_("Show reminders in the portal"), default=True)
    email = models.BooleanField(_("Email me reminders"), default=True)
    daily_digest = models.BooleanField(
        _("Group my reminder emails into one daily digest"), default=False,
        help_text=_("Critical notices, such as incident deadline escalations, are always sent at once."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"

    def allows(self, channel: str) -> bool:
        return self.in_app if channel == Channel.IN_APP else self.email


class CalendarFeed(models.Model):
    """A secret iCalendar URL for one person; only the token's hash is stored, so it is shown once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
