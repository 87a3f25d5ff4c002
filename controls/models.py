"""The control inventory: the processor's technical and organisational measures, and the customers they serve."""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from controls.categories import category_by_id, category_choices, category_ids

ART32_POINTS = {
    "a": _("Art. 32(1)(a) pseudonymisation and encryption"),
    "b": _("Art. 32(1)(b) ongoing confidentiality, integrity, availability and resilience"),
    "c": _("Art. 32(1)(c) timely restore of availability after an incident"),
    "d": _("Art. 32(1)(d) regular testing, assessing and evaluating effectiveness"),
}

reference_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", _("Use capitals, digits and dashes, for example TOM-ENC-01.")
)


def validate_category_id(value: str) -> None:
    if value not in category_ids():
        raise ValidationError(gettext("%(value)s is not one of the 17 SCC measure categories."),
                              params={"value": value})


def validate_art32_points(value) -> None:
    if not isinstance(value, list) or not all(isinstance(p, str) and p in ART32_POINTS for p in value):
        raise ValidationError(gettext("Art. 32(1) points must be a list drawn from a, b, c and d."))
    if len(set(value)) != len(value):
        raise ValidationError(gettext("Each Art. 32(1) point may be listed once."))


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(gettext("Expected a list of non-empty text values."))


def validate_parameters(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError(gettext("Parameters must be an object of name: value pairs."))
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError(gettext("Every parameter needs a name."))
        if not isinstance(item, str | int | float | bool):
            raise ValidationError(
                gettext("Parameter %(key)s must be a single text, number or yes/no value."), params={"key": key}
            )


class Service(models.Model):
    """A service the processor provides; a control applies to services, a customer uses services."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Control(models.Model):
    """One technical or organisational measure, worded specifically, owned and reviewed."""

    class Kind(models.TextChoices):
        TECHNICAL = "technical", _("Technical")
        ORGANISATIONAL = "organisational", _("Organisational")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IMPLEMENTED = "implemented", _("Implemented")
        VERIFIED = "verified", _("Verified")
        NEEDS_ATTENTION = "needs_attention", _("Needs attention")
        RETIRED = "retired", _("Retired")

    reference = models.CharField(max_length=32, unique=True, validators=[reference_validator])
    title = models.CharField(max_length=200)
    description = models.TextField(help_text=_("What is actually done, in specific (not generic) terms."))
    scc_category = models.CharField(
        _("SCC measure category"), max_length=40, choices=category_choices, validators=[validate_category_id],
        db_index=True,
    )
    art32_points = models.JSONField(
        _("GDPR Art. 32(1) points"), default=list, blank=True, validators=[validate_art32_points]
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TECHNICAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_controls"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True)
    # A planned measure's target date: the annex lists planned measures apart with it (never as implemented).
    planned_for = models.DateField(
        _("planned for"), null=True, blank=True,
        help_text=_("For a planned measure: the date by which it will be in place."),
    )
    parameters = models.JSONField(default=dict, blank=True, validators=[validate_parameters])
    review_cadence_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True, db_index=True)
    applies_to_all_services = models.BooleanField(
        default=True, help_text=_("Organisation-wide measure; otherwise only the services listed apply.")
    )
    services = models.ManyToManyField(Service, blank=True, related_name="controls")
    tags = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    # Set when the status automation moved the control to "needs attention": the status to return to once
    # the reason is gone. Empty when the current status was chosen by a person (an edit or a review).
    status_before_attention = models.CharField(max_length=20, choices=Status.choices, blank=True)
    attention_reason = models.CharField(max_length=200, blank=True)
    # Raised by every save through the services; an edit form carries the version it was read at.
    version = models.PositiveIntegerField(default=1)
    # Hash of the catalogue-managed fields as last loaded from the catalogue; "" = created locally.
    catalogue_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["reference"]
        # The dashboard's programme counts read only these two columns: an index-only scan.
        indexes = [models.Index(fields=["status", "next_review_due"], name="control_status_due_idx")]
        permissions = [
            ("change_any_control", "Can change every control, not only those the user owns"),
            ("review_control", "Can record a review of a control"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def category(self):
        return category_by_id(self.scc_category)

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status != self.Status.RETIRED and self.next_review_due is not None and self.next_review_due < today
        )


class CategoryStatement(models.Model):
    """What the processor says about one SCC category as a whole, including why it does not apply."""

    scc_category = models.CharField(
        max_length=40, unique=True, choices=category_choices, validators=[validate_category_id]
    )
    applicable = models.BooleanField(default=True)
    statement = models.TextField(help_text=_("Summary for the annex; for a category that does not apply, the reason."))
    catalogue_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["scc_category"]

    def __str__(self) -> str:
        return f"{self.scc_category}: {'applies' if self.applicable else 'not applicable'}"


class Customer(models.Model):
    """A controller the processor serves, with what its DPA agreed."""

    class ContractLanguage(models.TextChoices):
        GERMAN = "de", _("German")
        ENGLISH = "en", _("English")
        BILINGUAL = "bilingual", _("German and English (bilingual)")

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    contract_reference = models.CharField(_("contract / DPA reference"), max_length=100)
    notice_contact_name = models.CharField(_("contact for notices"), max_length=150)
    notice_contact_email = models.EmailField(_("notice email"))
    breach_notice_hours = models.PositiveSmallIntegerField(
        _("breach notice deadline (hours)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_("Hours after awareness within which the DPA requires the processor to notify this customer."),
    )
    services = models.ManyToManyField(Service, blank=True, related_name="customers")
    # The language of the documents the customer receives: the TOM annex, its change notices, certificates.
    contract_language = models.CharField(
        _("contract language"), max_length=10, choices=ContractLanguage.choices, default=ContractLanguage.ENGLISH,
        help_text=_("The TOM annex and its change notices are written in this language."),
    )
    is_active = models.BooleanField(default=True)
    # The end of the services (Art. 28(3)(g) GDPR): when, and whether the controller wants its data back first.
    contract_ends_on = models.DateField(_("contract ends on"), null=True, blank=True)
    end_of_contract_choice = models.CharField(
        _("at the end of the contract"), max_length=8, blank=True,
        choices=[("delete", _("Delete the data")), ("return", _("Return the data, then delete it"))],
        help_text=_("The controller's choice under Art. 28(3)(g) GDPR."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1)

    # Contact details are personal data; audit snapshots keep only that they changed.
    audit_masked_fields = {"notice_contact_name", "notice_contact_email"}

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def languages(self) -> list[str]:
        """The languages its documents and notices are written in, first one first (bilingual: German, then
        English)."""
        if self.contract_language == self.ContractLanguage.BILINGUAL:
            return ["de", "en"]
        return [self.contract_language or settings.LANGUAGE_CODE]


class CustomerControlOverride(models.Model):
    """A per-customer decision to include or exclude one control, with the reason for the record."""

    class Mode(models.TextChoices):
        INCLUDE = "include", _("Include")
        EXCLUDE = "exclude", _("Exclude")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="overrides")
    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="customer_overrides")
    mode = models.CharField(max_length=8, choices=Mode.choices)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["control__reference"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "control"], name="controls_override_one_per_control"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="controls_override_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.control.reference} for {self.customer}"


class Review(models.Model):
    """A recorded review of a control's effectiveness."""

    class Outcome(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        PARTIALLY_EFFECTIVE = "partially_effective", _("Partially effective")
        INEFFECTIVE = "ineffective", _("Ineffective")

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="control_reviews"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    notes = models.TextField()
    reviewed_on = models.DateField()
    next_review_due = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-reviewed_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.control.reference} reviewed {self.reviewed_on}: {self.get_outcome_display()}"


class Evidence(models.Model):
    """Proof that a control works: an encrypted file, a link or a note, valid for a stated time."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")
        NOTE = "note", _("Note")

    class Record(models.TextChoices):
        """What the evidence records, when the TOM annex prints its facts (a certificate, a periodic test)."""

        OTHER = "", _("Other evidence")
        CERTIFICATE = "certificate", _("Certificate")
        TEST = "test", _("Report of a periodic test (penetration test, restore test, DR exercise)")

    # Binds the stored ciphertext to this record (the encryption purpose is "evidence:<public_id>").
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    file_path = models.CharField(max_length=255, blank=True)
    original_filename = models.CharField(max_length=180, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    key_id = models.CharField(max_length=128, blank=True)
    url = models.URLField("link", max_length=500, blank=True)
    text = models.TextField(blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, db_index=True, help_text=_("Empty: does not expire."))
    # For a certificate: valid_until is its expiry. For a test report: valid_from is the day of the test and
    # valid_until the day the next test is due.
    record = models.CharField(_("what it records"), max_length=12, choices=Record.choices, blank=True)
    certificate_standard = models.CharField(_("standard"), max_length=120, blank=True)
    certificate_scope = models.CharField(_("scope of the certificate"), max_length=250, blank=True)
    certificate_issuer = models.CharField(_("issued by"), max_length=150, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=80, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Removal is a soft delete: the file stays (encrypted) until retention purges it, so it can be restored.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(kind="file") & ~models.Q(file_path="") & ~models.Q(sha256=""))
                    | (models.Q(kind="link") & ~models.Q(url=""))
                    | (models.Q(kind="note") & ~models.Q(text=""))
                ),
                name="controls_evidence_kind_has_content",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="controls_evidence_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=~models.Q(record="certificate") | (
                    ~models.Q(certificate_standard="") & ~models.Q(certificate_issuer="")
                    & ~models.Q(certificate_number="") & models.Q(valid_until__isnull=False)),
                name="controls_evidence_certificate_has_its_facts",
            ),
            models.CheckConstraint(
                condition=~models.Q(record="test") | (
                    models.Q(valid_from__isnull=False) & models.Q(valid_until__isnull=False)),
                name="controls_evidence_test_has_its_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display().lower()})"

    @property
    def purpose(self) -> str:
        return f"evidence:{self.public_id}"

    def is_expired(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.valid_until is not None and self.valid_until < today


# Sub-processors and records of processing, and the TOM annex's terms and notices, live in their own modules;
# importing them registers the models.
from controls.models_annex import *  # noqa: E402,F403
from controls.models_subprocessors import *  # noqa: E402,F403
