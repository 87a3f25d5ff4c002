"""What a customer's DPA says about its TOM annex, the DPO's decisions before publishing, and each customer's
notice of a new annex version.

- AnnexTerms: which annex it is (Annex III of 2021/915, or Annex II of 2021/914 with its module), whether
  planned measures are listed, the notice period and the review cycle.
- AttentionDecision: a measure that needs attention blocks publishing until the DPO decides; a decision to
  state it as implemented anyway carries a justification and stands until the control changes again.
- AnnexNotice: a published version takes effect for the customer after its notice period; a reduction in
  protection waits for the customer's consent, and an objection keeps the previous version in force.
"""

import hashlib
import uuid
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from controls.models import Control, Customer

DEFAULT_ANNEX_NOTICE_DAYS = 30
DEFAULT_ANNEX_REVIEW_MONTHS = 12


class AnnexTerms(models.Model):
    """What the customer's DPA says about the TOM annex."""

    class Instrument(models.TextChoices):
        SCC_2021_915 = "2021/915", _("Annex III of Implementing Decision (EU) 2021/915 (Art. 28 SCC)")
        SCC_2021_914 = "2021/914", _("Annex II of Implementing Decision (EU) 2021/914 (international transfers)")

    class Module(models.TextChoices):
        NONE = "", _("Not applicable")
        MODULE_2 = "module_2", _("Module 2: transfer controller to processor")
        MODULE_3 = "module_3", _("Module 3: transfer processor to processor")

    class Planned(models.TextChoices):
        LIST = "list", _("List them in a separate section with their target dates")
        OMIT = "omit", _("Leave them out of the annex")

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="annex_terms")
    instrument = models.CharField(
        _("annex"), max_length=10, choices=Instrument.choices, default=Instrument.SCC_2021_915,
        help_text=_("The clauses the annex belongs to."),
    )
    module = models.CharField(
        _("module of the 2021/914 clauses"), max_length=10, choices=Module.choices, blank=True,
        help_text=_("Only for Annex II of 2021/914: the module the transfer uses."),
    )
    planned_measures = models.CharField(
        _("planned measures"), max_length=4, choices=Planned.choices, default=Planned.LIST,
    )
    notice_days = models.PositiveSmallIntegerField(
        _("notice period for annex changes (days)"), default=DEFAULT_ANNEX_NOTICE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text=_("A new annex version takes effect for this customer this many days after it is published."),
    )
    review_months = models.PositiveSmallIntegerField(
        _("annex reviewed every (months)"), default=DEFAULT_ANNEX_REVIEW_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("annex terms")
        verbose_name_plural = _("annex terms")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(instrument="2021/914") | models.Q(module=""),
                name="controls_annex_terms_module_only_for_2021_914",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.instrument} {self.module}".strip()


class AttentionDecision(models.Model):
    """The DPO states a measure as implemented in the annexes although it needs attention, with the reason why.

    It stands while the control is unchanged (the control's version when decided); any later change of the
    control, including the status automation, asks for a new decision.
    """

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="attention_decisions")
    control_version = models.PositiveIntegerField()
    reason_at_decision = models.CharField(max_length=250, blank=True)
    justification = models.TextField(_("justification"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(justification=""), name="controls_decision_justified"),
        ]

    def __str__(self) -> str:
        return f"{self.control_id} @ {self.control_version}"


class AnnexNotice(models.Model):
    """One customer's notice of a published annex version: when it takes effect for them, and their answer."""

    class Response(models.TextChoices):
        NONE = "", _("No answer yet")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CONSENTED = "consented", _("Consented to the reduction")
        OBJECTED = "objected", _("Objected")

    annex_version = models.OneToOneField("exports.AnnexVersion", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="annex_notices")
    number = models.PositiveIntegerField()  # the version's number, for lists without a join
    previous_number = models.PositiveIntegerField(null=True, blank=True)  # in force when it was published
    notice_days = models.PositiveSmallIntegerField()
    takes_effect_on = models.DateField(_("takes effect on"))
    # What the version takes away from the one in force: each {"reference", "title", "what", "detail"}.
    reductions = models.JSONField(default=list, blank=True)
    recipient_name = models.CharField(max_length=150, blank=True)
    recipient_email = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    token_sha256 = models.CharField(max_length=64, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.CharField(_("answer"), max_length=12, choices=Response.choices, blank=True)
    response_at = models.DateTimeField(null=True, blank=True)
    response_by = models.CharField(_("answered by"), max_length=150, blank=True)
    response_note = models.TextField(_("note"), blank=True)
    response_via = models.CharField(max_length=10, blank=True)  # "link" or "recorded" (by the DPO)
    objection_withdrawn_at = models.DateTimeField(null=True, blank=True)
    objection_withdrawn_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    audit_masked_fields = {"recipient_name", "recipient_email", "response_by"}

    class Meta:
        ordering = ["customer__name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "number"], name="controls_annex_notice_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} v{self.number}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_reduction(self) -> bool:
        return bool(self.reductions)

    def state(self, today: date | None = None) -> str:
        return annex_notice_state(
            reductions=bool(self.reductions), takes_effect_on=self.takes_effect_on, response=self.response,
            objection_withdrawn=self.objection_withdrawn_at is not None, today=today,
        )


class AnnexNoticeState(models.TextChoices):
    PENDING = "pending", _("Notice period running")
    AWAITING_CONSENT = "awaiting_consent", _("Reduction: waiting for the customer's consent")
    OBJECTED = "objected", _("Objected: the previous version stays in force")
    EFFECTIVE = "effective", _("In force")


def annex_notice_state(*, reductions: bool, takes_effect_on: date, response: str, objection_withdrawn: bool,
                       today: date | None = None) -> str:
    """Whether a published version applies to the customer: the one rule every page, email and test uses."""
    today = today or timezone.localdate()
    if response == AnnexNotice.Response.OBJECTED and not objection_withdrawn:
        return AnnexNoticeState.OBJECTED
    if reductions and response != AnnexNotice.Response.CONSENTED:
        return AnnexNoticeState.AWAITING_CONSENT
    if today < takes_effect_on:
        return AnnexNoticeState.PENDING
    return AnnexNoticeState.EFFECTIVE
