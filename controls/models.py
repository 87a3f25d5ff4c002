"""The control inventory: the processor's technical and organisational measures, and the customers they serve."""

import hashlib
import json
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from controls.categories import category_by_id, category_choices, category_ids

ART32_POINTS = {
    "a": "Art. 32(1)(a) pseudonymisation and encryption",
    "b": "Art. 32(1)(b) ongoing confidentiality, integrity, availability and resilience",
    "c": "Art. 32(1)(c) timely restore of availability after an incident",
    "d": "Art. 32(1)(d) regular testing, assessing and evaluating effectiveness",
}

reference_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", "Use capitals, digits and dashes, for example TOM-ENC-01."
)


def validate_category_id(value: str) -> None:
    if value not in category_ids():
        raise ValidationError("%(value)s is not one of the 17 SCC measure categories.", params={"value": value})


def validate_art32_points(value) -> None:
    if not isinstance(value, list) or not all(isinstance(p, str) and p in ART32_POINTS for p in value):
        raise ValidationError("Art. 32(1) points must be a list drawn from a, b, c and d.")
    if len(set(value)) != len(value):
        raise ValidationError("Each Art. 32(1) point may be listed once.")


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("Expected a list of non-empty text values.")


def validate_parameters(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Parameters must be an object of name: value pairs.")
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("Every parameter needs a name.")
        if not isinstance(item, str | int | float | bool):
            raise ValidationError("Parameter %(key)s must be a single text, number or yes/no value.", params={"key": key})


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
        TECHNICAL = "technical", "Technical"
        ORGANISATIONAL = "organisational", "Organisational"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IMPLEMENTED = "implemented", "Implemented"
        VERIFIED = "verified", "Verified"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        RETIRED = "retired", "Retired"

    reference = models.CharField(max_length=32, unique=True, validators=[reference_validator])
    title = models.CharField(max_length=200)
    description = models.TextField(help_text="What is actually done, in specific (not generic) terms.")
    scc_category = models.CharField(
        "SCC measure category", max_length=40, choices=category_choices, validators=[validate_category_id],
        db_index=True,
    )
    art32_points = models.JSONField(
        "GDPR Art. 32(1) points", default=list, blank=True, validators=[validate_art32_points]
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TECHNICAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_controls"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True)
    parameters = models.JSONField(default=dict, blank=True, validators=[validate_parameters])
    review_cadence_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True, db_index=True)
    applies_to_all_services = models.BooleanField(
        default=True, help_text="Organisation-wide measure; otherwise only the services listed apply."
    )
    services = models.ManyToManyField(Service, blank=True, related_name="controls")
    tags = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    # Raised by every save through the services; an edit form carries the version it was read at.
    version = models.PositiveIntegerField(default=1)
    # Hash of the catalogue-managed fields as last loaded from the catalogue; "" = created locally.
    catalogue_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # Fields the TOM catalogue manages; a local change to any of them is a conflict on the next load.
    CATALOGUE_FIELDS = (
        "title", "description", "scc_category", "art32_points", "kind", "parameters", "review_cadence_months", "tags",
    )

    class Meta:
        ordering = ["reference"]
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

    def catalogue_fingerprint(self) -> str:
        return catalogue_fingerprint({name: getattr(self, name) for name in self.CATALOGUE_FIELDS})


def catalogue_fingerprint(values: dict) -> str:
    """A stable SHA-256 over the catalogue-managed fields, to tell local edits from catalogue updates."""
    wanted = {name: values.get(name) for name in Control.CATALOGUE_FIELDS}
    blob = json.dumps(wanted, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class CategoryStatement(models.Model):
    """What the processor says about one SCC category as a whole, including why it does not apply."""

    scc_category = models.CharField(
        max_length=40, unique=True, choices=category_choices, validators=[validate_category_id]
    )
    applicable = models.BooleanField(default=True)
    statement = models.TextField(help_text="Summary for the annex; for a category that does not apply, the reason.")
    catalogue_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["scc_category"]

    def __str__(self) -> str:
        return f"{self.scc_category}: {'applies' if self.applicable else 'not applicable'}"


class Customer(models.Model):
    """A controller the processor serves, with what its DPA agreed."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    contract_reference = models.CharField("contract / DPA reference", max_length=100)
    notice_contact_name = models.CharField("contact for notices", max_length=150)
    notice_contact_email = models.EmailField("notice email")
    breach_notice_hours = models.PositiveSmallIntegerField(
        "breach notice deadline (hours)", default=24, validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text="Hours after awareness within which the DPA requires the processor to notify this customer.",
    )
    services = models.ManyToManyField(Service, blank=True, related_name="customers")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1)

    # Contact details are personal data; audit snapshots keep only that they changed.
    audit_masked_fields = {"notice_contact_name", "notice_contact_email"}

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerControlOverride(models.Model):
    """A per-customer decision to include or exclude one control, with the reason for the record."""

    class Mode(models.TextChoices):
        INCLUDE = "include", "Include"
        EXCLUDE = "exclude", "Exclude"

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
        EFFECTIVE = "effective", "Effective"
        PARTIALLY_EFFECTIVE = "partially_effective", "Partially effective"
        INEFFECTIVE = "ineffective", "Ineffective"

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
