"""Audit actions of retention: policies, legal holds, runs and offboardings."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import register_actions


@register_actions
class RetentionAction(models.TextChoices):
    POLICY_CREATED = "retention.policy_created", _("Retention policy created")
    POLICY_UPDATED = "retention.policy_updated", _("Retention policy updated")
    POLICY_REVIEWED = "retention.policy_reviewed", _("Retention policy reviewed")
    POLICIES_EXPORTED = "retention.policies_exported", _("Retention policy register exported")
    HOLD_SET = "retention.hold_set", _("Legal hold set")
    HOLD_RELEASED = "retention.hold_released", _("Legal hold released")
    RUN_STARTED = "retention.run_started", _("Retention run started")
    RUN_RESUMED = "retention.run_resumed", _("Interrupted retention run resumed")
    BATCH_APPLIED = "retention.batch_applied", _("Retention applied to a batch of records")
    RUN_COMPLETED = "retention.run_completed", _("Retention run completed")
    RUN_FAILED = "retention.run_failed", _("Retention run interrupted")
    RUN_CERTIFIED = "retention.run_certified", _("Deletion certificate issued for a retention run")
    OFFBOARDING_STARTED = "retention.offboarding_started", _("Offboarding started at the end of a contract")
    OFFBOARDING_STEP_CONFIRMED = "retention.offboarding_step_confirmed", _("Offboarding step confirmed")
    OFFBOARDING_COMPLETED = "retention.offboarding_completed", _("Offboarding completed")
    OFFBOARDING_CERTIFIED = "retention.offboarding_certified", _("End-of-contract certificate issued")
