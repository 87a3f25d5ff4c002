"""Sub-processors (Art. 28(2) and (4) GDPR) and the processor's records of processing (Art. 30(2)).

The register says who the sub-processors are, where they process, on which legal basis data leave the
EEA, and what they do themselves. A change (an addition or a replacement) is announced to every customer
whose services it touches; each customer's notice records when it takes effect for that customer and
how the customer answered.
"""

import hashlib
import secrets
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from controls.models import Control, Customer, Evidence, Service

DEFAULT_NOTICE_DAYS = 30
ASSESSMENT_CADENCE_MONTHS = 12

# EU member states and the three EEA EFTA states (Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2.
EEA_COUNTRIES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
})


def validate_locations(value) -> None:
    """A list of {"country": "DE", "region": "Frankfurt"}: two capital letters, an optional region."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Name at least one processing location."))
    for item in value:
        if not isinstance(item, dict) or set(item) - {"country", "region"}:
            raise ValidationError(_("Each location is a country code with an optional region."))
        country = item.get("country", "")
        if not (isinstance(country, str) and len(country) == 2 and country.isalpha() and country.isupper()):
            raise ValidationError(
                _("%(country)s is not a two-letter country code (ISO 3166-1, for example DE or US)."),
                params={"country": country},
            )
        if not isinstance(item.get("region", ""), str):
            raise ValidationError(_("A region is a text, for example Frankfurt (eu-central-1)."))


def is_outside_eea(country: str) -> bool:
    return country not in EEA_COUNTRIES


class SubProcessor(models.Model):
    """Another processor engaged to carry out processing activities on behalf of the customers."""

    class Transfer(models.TextChoices):
        NONE = "", _("None: data stay in the EEA")
        ADEQUACY = "adequacy", _("Adequacy decision (Art. 45 GDPR)")
        SCC = "scc", _("Standard contractual clauses (Art. 46(2)(c) GDPR)")
        BCR = "bcr", _("Binding corporate rules (Art. 47 GDPR)")

    class SccModule(models.TextChoices):
        NONE = "", _("Not applicable")
        MODULE_2 = "module_2", _("Module 2: controller to processor")
        MODULE_3 = "module_3", _("Module 3: processor to processor")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    slug = models.SlugField(max_length=60, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("address"))
    contact_name = models.CharField(_("contact"), max_length=150)
    contact_email = models.EmailField(_("contact email"))
    service_performed = models.TextField(
        _("service it performs"), help_text=_("What the sub-processor does with the personal data, specifically.")
    )
    locations = models.JSONField(_("processing locations"), default=list, validators=[validate_locations])
    transfer_mechanism = models.CharField(
        _("transfer mechanism"), max_length=16, choices=Transfer.choices, blank=True,
        help_text=_("Required when any processing location is outside the EEA."),
    )
    scc_module = models.CharField(_("SCC module"), max_length=16, choices=SccModule.choices, blank=True)
    transfer_details = models.TextField(
        _("transfer details"), blank=True,
        help_text=_("For example the adequacy decision relied on, or the supplementary measures with the SCC."),
    )
    measures = models.TextField(
        _("its own measures"), help_text=_("The technical and organisational measures the sub-processor takes.")
    )
    performed_controls = models.ManyToManyField(
        Control, blank=True, related_name="performed_by_subprocessors", verbose_name=_("controls it performs"),
        help_text=_(
            "The processor's measures this sub-processor carries out, e.g. the data centre's physical security."
        ),
    )
    dpa_reference = models.CharField(_("DPA reference"), max_length=100)
    dpa_evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("DPA document"),
    )
    certification = models.CharField(_("certification"), max_length=150, blank=True)
    certification_evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("certificate"), help_text=_("The certificate's evidence; its validity gives the expiry."),
    )
    last_assessed_on = models.DateField(_("last assessment"), null=True, blank=True)
    next_assessment_due = models.DateField(_("next assessment due"), null=True, blank=True, db_index=True)
    assessment_cadence_months = models.PositiveSmallIntegerField(
        _("assessment every (months)"), default=ASSESSMENT_CADENCE_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("responsible person"), help_text=_("Reminded of assessments; the DPOs when empty."),
    )
    services = models.ManyToManyField(
        Service, through="ServiceSubProcessor", blank=True, related_name="subprocessors",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("sub-processor")
        verbose_name_plural = _("sub-processors")
        permissions = [("manage_subprocessor_change", "Can announce sub-processor changes and record answers")]

    def __str__(self) -> str:
        return self.legal_name

    def countries_outside_eea(self) -> list[str]:
        return sorted({loc["country"] for loc in self.locations or [] if is_outside_eea(loc.get("country", ""))})

    def location_text(self, *, outside_eea_only: bool = False) -> str:
        """ "DE: Frankfurt (eu-central-1); US: Virginia", or only the locations outside the EEA."""
        return "; ".join(
            f"{loc['country']}: {loc['region']}" if loc.get("region") else loc["country"]
            for loc in self.locations or []
            if not outside_eea_only or is_outside_eea(loc.get("country", ""))
        )

    def clean(self):
        outside = self.countries_outside_eea()
        if outside and not self.transfer_mechanism:
            raise ValidationError({"transfer_mechanism": _(
                "Data are processed outside the EEA (%(countries)s): name the transfer mechanism "
                "(adequacy decision, standard contractual clauses or binding corporate rules)."
            ) % {"countries": ", ".join(outside)}})
        if self.transfer_mechanism == self.Transfer.SCC and not self.scc_module:
            raise ValidationError({"scc_module": _("Name the module of the standard contractual clauses.")})
        if self.transfer_mechanism != self.Transfer.SCC and self.scc_module:
            raise ValidationError({"scc_module": _("An SCC module applies only to a transfer under the SCC.")})

    def is_assessment_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.next_assessment_due is not None and self.next_assessment_due < today


class SubProcessorChange(models.Model):
    """An announced addition or replacement of a sub-processor for some of the processor's services."""

    class Kind(models.TextChoices):
        ADDITION = "addition", _("Addition")
        REPLACEMENT = "replacement", _("Replacement")

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("Announced")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    subprocessor = models.ForeignKey(SubProcessor, on_delete=models.PROTECT, related_name="changes")
    replaces = models.ForeignKey(
        SubProcessor, null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by_changes",
        verbose_name=_("replaces"),
    )
    services = models.ManyToManyField(Service, related_name="subprocessor_changes", verbose_name=_("services"))
    reason = models.TextField(_("why"))
    planned_from = models.DateField(_("planned from"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sub-processor change")

    def __str__(self) -> str:
        if self.kind == self.Kind.REPLACEMENT and self.replaces_id:
            return str(_("%(new)s replaces %(old)s")) % {"new": self.subprocessor, "old": self.replaces}
        return str(_("%(new)s added")) % {"new": self.subprocessor}


class ServiceSubProcessor(models.Model):
    """A service of the processor uses a sub-processor; `change` is the announcement that introduced it."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="subprocessor_links")
    subprocessor = models.ForeignKey(SubProcessor, on_delete=models.CASCADE, related_name="service_links")
    # Empty: in use since before Annex kept the register (part of every contract signed).
    change = models.ForeignKey(SubProcessorChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "subprocessor"], name="controls_service_subprocessor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} -> {self.subprocessor_id}"


class SubProcessorTerms(models.Model):
    """What a customer's DPA says about sub-processors, and the controller's details for the record."""

    class Authorisation(models.TextChoices):
        GENERAL = "general", _("General written authorisation (informed in advance, may object)")
        SPECIFIC = "specific", _("Specific authorisation (written approval before each change)")

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="subprocessor_terms")
    authorisation = models.CharField(
        _("authorisation"), max_length=10, choices=Authorisation.choices, default=Authorisation.GENERAL
    )
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), default=DEFAULT_NOTICE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    controller_address = models.TextField(_("controller's address"), blank=True)
    controller_representative = models.CharField(_("controller's representative"), max_length=250, blank=True)
    controller_dpo = models.CharField(_("controller's data protection officer"), max_length=250, blank=True)
    version = models.PositiveIntegerField(default=1)

    audit_masked_fields = {"controller_dpo", "controller_representative"}

    class Meta:
        verbose_name = _("sub-processor terms")

    def __str__(self) -> str:
        return f"{self.get_authorisation_display()}, {self.notice_days}"


class ChangeNotice(models.Model):
    """One customer's notice of a sub-processor change: when it takes effect for them, and their answer."""

    class Response(models.TextChoices):
        NONE = "", _("No answer yet")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        OBJECTED = "objected", _("Objected")
        APPROVED = "approved", _("Approved in writing")

    class Resolution(models.TextChoices):
        NONE = "", _("Open")
        WITHDRAWN = "withdrawn", _("Objection withdrawn: the change applies")
        EXCLUDED = "excluded", _("Not used for this customer")

    change = models.ForeignKey(SubProcessorChange, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subprocessor_notices")
    authorisation = models.CharField(max_length=10, choices=SubProcessorTerms.Authorisation.choices)
    notice_days = models.PositiveSmallIntegerField()
    takes_effect_on = models.DateField(_("takes effect on"))
    recipient_name = models.CharField(max_length=150)
    recipient_email = models.EmailField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The reply link carries a random token; only its hash is stored.
    token_sha256 = models.CharField(max_length=64, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.CharField(_("answer"), max_length=12, choices=Response.choices, blank=True)
    response_at = models.DateTimeField(null=True, blank=True)
    response_by = models.CharField(_("answered by"), max_length=150, blank=True)
    response_note = models.TextField(_("note"), blank=True)
    response_via = models.CharField(max_length=10, blank=True)  # "link" or "recorded" (by the DPO)
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolution_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    audit_masked_fields = {"recipient_name", "recipient_email", "response_by"}

    class Meta:
        ordering = ["customer__name"]
        constraints = [
            models.UniqueConstraint(fields=["change", "customer"], name="controls_change_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.change} · {self.customer}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def state(self, today: date | None = None) -> str:
        """pending, objected, awaiting_approval, excluded, withdrawn or effective (see effect_for)."""
        return notice_state(
            change_status=self.change.status, authorisation=self.authorisation, takes_effect_on=self.takes_effect_on,
            response=self.response, resolution=self.resolution, today=today,
        )


class NoticeState(models.TextChoices):
    PENDING = "pending", _("Notice period running")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for written approval")
    OBJECTED = "objected", _("Objected: not used until resolved")
    EXCLUDED = "excluded", _("Not used for this customer")
    WITHDRAWN = "withdrawn", _("Change withdrawn")
    EFFECTIVE = "effective", _("In effect")


def notice_state(*, change_status: str, authorisation: str, takes_effect_on: date, response: str, resolution: str,
                 today: date | None = None) -> str:
    """Whether a change applies to one customer: the single rule every list, export and test goes through."""
    today = today or timezone.localdate()
    if change_status == SubProcessorChange.Status.WITHDRAWN:
        return NoticeState.WITHDRAWN
    if resolution == ChangeNotice.Resolution.EXCLUDED:
        return NoticeState.EXCLUDED
    if response == ChangeNotice.Response.OBJECTED and resolution != ChangeNotice.Resolution.WITHDRAWN:
        return NoticeState.OBJECTED
    if authorisation == SubProcessorTerms.Authorisation.SPECIFIC and response != ChangeNotice.Response.APPROVED:
        return NoticeState.AWAITING_APPROVAL
    if today < takes_effect_on:
        return NoticeState.PENDING
    return NoticeState.EFFECTIVE


class ProcessingCategory(models.Model):
    """A category of processing carried out in one of the processor's services (Art. 30(2)(b))."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="processing_categories")
    name = models.CharField(_("category of processing"), max_length=200)
    description = models.TextField(_("short description"))
    data_subjects = models.CharField(_("data subjects"), max_length=250, blank=True)
    personal_data = models.CharField(_("personal data"), max_length=250, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)  # concurrent edits are detected, not lost

    class Meta:
        ordering = ["service__name", "name"]
        verbose_name = _("category of processing")
        verbose_name_plural = _("categories of processing")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="controls_processing_category_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.name}"


class ProcessorDetails(models.Model):
    """The processor's own name and contacts, its representative and DPO, as the records state them."""

    name = models.CharField(_("processor's name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    representative = models.CharField(
        _("representative (Art. 27)"), max_length=250, blank=True,
        help_text=_("Name and contact; empty when the processor is established in the EU."),
    )
    dpo_name = models.CharField(_("data protection officer"), max_length=150, blank=True)
    dpo_contact = models.CharField(_("DPO contact"), max_length=250, blank=True)
    security_contact = models.CharField(
        _("security and breach contact"), max_length=250, blank=True,
        help_text=_("Where customers report security concerns and where breach notices come from (the TOM annex)."),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("processor details")

    def __str__(self) -> str:
        return self.name
