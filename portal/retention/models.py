"""The retention policy register, legal holds, retention runs and end-of-contract offboardings."""

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CountsFrom(models.TextChoices):
    CREATION = "creation", _("Creation")
    CLOSURE = "closure", _("Closure")
    CONTRACT_END = "contract_end", _("End of contract")
    LAST_ACTIVITY = "last_activity", _("Last activity")
    LEAVING_DATE = "leaving_date", _("Leaving date")
    REMOVAL = "removal", _("Removal or supersession")
    EXPIRY = "expiry", _("Expiry")


class Action(models.TextChoices):
    DELETE = "delete", _("Delete")
    ANONYMISE = "anonymise", _("Anonymise")
    REVIEW = "review", _("Review")


class RetentionPolicy(models.Model):
    """One entry of the processor's retention schedule; its period is what the purge engine applies."""

    key = models.SlugField(_("key"), max_length=80, unique=True,
                           help_text=_("Targets in the code bind to a policy by this key."))
    data_category = models.CharField(_("data category"), max_length=200)
    system = models.CharField(_("system or location"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    period_months = models.PositiveSmallIntegerField(_("retention period (months)"))
    counts_from = models.CharField(_("counts from"), max_length=16, choices=CountsFrom.choices)
    action = models.CharField(_("action at the end"), max_length=16, choices=Action.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="retention_policies")
    review_cadence_months = models.PositiveSmallIntegerField(_("review every (months)"), default=12)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True, db_index=True)
    control_reference = models.CharField(_("linked control"), max_length=32, blank=True,
                                         help_text=_("Reference of the control this policy implements."))
    covers_customer_data = models.BooleanField(
        _("holds customer data"), default=False,
        help_text=_("Offboarding a customer lists this system as a step to return or delete their data."))
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["data_category", "key"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        permissions = [
            ("run_retention", "Can preview and start retention runs"),
            ("set_legal_hold", "Can set and release legal holds"),
        ]

    def __str__(self) -> str:
        return f"{self.data_category} ({self.system})"

    def cutoff(self, now: datetime) -> datetime:
        """Records whose date is at or before this moment have passed their period."""
        return now - relativedelta(months=self.period_months)

    def cutoff_date(self, today: date) -> date:
        return today - relativedelta(months=self.period_months)

    def is_review_overdue(self, today: date | None = None) -> bool:
        return self.next_review_due is not None and self.next_review_due < (today or timezone.localdate())


class LegalHold(models.Model):
    """Stops every purge that touches one object (a customer, a user, an incident ...) while it is active."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(_("held record"), max_length=254)
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(_("reason for release"), blank=True)

    class Meta:
        ordering = ["-set_at"]
        verbose_name = _("legal hold")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], condition=models.Q(released_at__isnull=True),
                                    name="retention_one_active_hold_per_object"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="retention_hold_reason_required"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="retention_hold_object_idx")]

    def __str__(self) -> str:
        return f"legal hold on {self.object_label}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One application of the schedule: counts per policy and target, never a record's content."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Completed")
        FAILED = "failed", _("Interrupted")

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly schedule")
        COMMAND = "command", _("Command line")
        BROWSER = "browser", _("Started in the portal")

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING, db_index=True)
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    # The moment the periods are measured from; a resumed run keeps it, so it never reaches further.
    as_of = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {target name: {"policy": key, "action": ..., "done": n, "held": n, "batches": n}}
    counts = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.CharField(max_length=300, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("retention run")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="running"),
                                    name="retention_one_run_at_a_time"),
        ]

    def __str__(self) -> str:
        return f"retention run #{self.pk} ({self.get_status_display()})"

    @property
    def total_done(self) -> int:
        return sum(entry.get("done", 0) for entry in self.counts.values())


class Offboarding(models.Model):
    """The end of a contract (Art. 28(3)(g) GDPR): return or delete a controller's data, system by system."""

    class Choice(models.TextChoices):
        DELETE = "delete", _("Delete the data")
        RETURN = "return", _("Return the data, then delete it")

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        DONE = "done", _("Completed")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    subject_label = models.CharField(_("customer"), max_length=254)
    subject_key = models.CharField(max_length=100)
    contract_reference = models.CharField(_("contract reference"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contract_ends_on = models.DateField(_("contract ends on"))
    choice = models.CharField(_("controller's choice"), max_length=8, choices=Choice.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("offboarding")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="retention_one_offboarding_per_subject"),
        ]

    def __str__(self) -> str:
        return f"offboarding of {self.subject_label}"

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class OffboardingStep(models.Model):
    """Return or delete the controller's data in one system, confirmed with evidence."""

    offboarding = models.ForeignKey(Offboarding, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    system = models.CharField(_("system"), max_length=200)
    data_category = models.CharField(_("data"), max_length=200)
    policy_key = models.CharField(max_length=80, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    evidence = models.TextField(
        _("evidence"), blank=True,
        help_text=_("What was done and how it was checked: ticket, log excerpt, transfer receipt."))

    class Meta:
        ordering = ["offboarding", "position"]
        constraints = [
            models.UniqueConstraint(fields=["offboarding", "position"], name="retention_offboarding_step_position"),
            models.CheckConstraint(condition=models.Q(confirmed_at__isnull=True) | ~models.Q(evidence=""),
                                   name="retention_confirmed_step_has_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.system}: {self.data_category}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
