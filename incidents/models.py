"""Incident and breach cases: the case, its timeline, tasks and evidence, its notification obligations and
their clocks, the ENISA severity assessment, the notices sent, and the per-case need-to-know grants.

The case keeps its personal data (what happened, who reported it, consequences, measures, the review's
texts, timeline entries, notice contents) in encrypted columns, apart from the statistics (phase, severity,
breach types, categories and counts, dates, the assessment's score), so retention can anonymise a closed
case and keep the statistics (services.incident_anonymise).
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.security.fields import EncryptedJSONField, EncryptedTextField


class Phase(models.TextChoices):
    TRIAGE = "triage", _("Triage")
    CONTAINED = "contained", _("Contained")
    ERADICATED = "eradicated", _("Eradicated")
    RECOVERED = "recovered", _("Recovered")
    CLOSED = "closed", _("Closed")
    NOT_A_BREACH = "not_breach", _("Not a personal data breach")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class BreachType(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", _("Confidentiality")
    INTEGRITY = "integrity", _("Integrity")
    AVAILABILITY = "availability", _("Availability")


class SubjectCategory(models.TextChoices):
    CUSTOMERS_END_USERS = "end_users", _("Customers' end users")
    EMPLOYEES = "employees", _("Employees")
    PATIENTS = "patients", _("Patients")
    CHILDREN = "children", _("Children")
    BUSINESS_CONTACTS = "contacts", _("Business contacts")
    OTHER = "other", _("Other data subjects")


class DataCategory(models.TextChoices):
    CONTACT = "contact", _("Contact details")
    IDENTIFICATION = "identification", _("Identification data")
    CREDENTIALS = "credentials", _("Credentials")
    FINANCIAL = "financial", _("Financial data")
    BEHAVIOURAL = "behavioural", _("Location and behaviour")
    HEALTH = "health", _("Health data (Art. 9)")
    OTHER_SPECIAL = "special", _("Other special categories (Art. 9, 10)")
    CONTENT = "content", _("Communications content")


OPEN_PHASES = (Phase.TRIAGE, Phase.CONTAINED, Phase.ERADICATED, Phase.RECOVERED)
# Phases a responder moves a case through by hand; closing has its own rules and form.
WORKING_PHASES = OPEN_PHASES


class Incident(models.Model):
    """One security incident, and possibly a personal data breach, worked by its assignees."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200,
                             help_text=_("A short label for the case; name systems, not people."))
    # --- statistics: kept when the case is anonymised ---
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.TRIAGE, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    is_exercise = models.BooleanField(_("exercise (drill)"), default=False,
                                      help_text=_("A drill: same clocks and notices, never sent to a real recipient."))
    personal_data_involved = models.BooleanField(_("personal data involved"), default=True)
    controller_data = models.BooleanField(
        _("our own data as controller"), default=False,
        help_text=_("The organisation is itself controller of (some of) the data, e.g. its staff or its own "
                    "customers' contacts: Art. 33(1) and 34 apply to it directly."))
    breach_types = models.JSONField(_("breach types"), default=list, blank=True)
    subject_categories = models.JSONField(_("categories of data subjects"), default=list, blank=True)
    data_categories = models.JSONField(_("categories of personal data records"), default=list, blank=True)
    approx_subjects = models.PositiveIntegerField(_("approximate number of data subjects"), null=True, blank=True)
    approx_records = models.PositiveIntegerField(_("approximate number of records"), null=True, blank=True)
    affected_systems = models.CharField(_("affected systems"), max_length=300, blank=True)
    detected_at = models.DateTimeField(_("detected at"))
    aware_at = models.DateTimeField(_("aware at"), help_text=_(
        "When there was a reasonable degree of certainty that personal data were compromised."))
    not_breach_reason = models.TextField(_("why this is not a personal data breach"), blank=True)
    customers = models.ManyToManyField("controls.Customer", blank=True, related_name="incidents",
                                       verbose_name=_("affected customers"))
    controls = models.ManyToManyField("controls.Control", blank=True, related_name="incidents",
                                      verbose_name=_("linked controls"))
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_incidents",
                                       verbose_name=_("assignees"))
    # The assignees' ids as a list, kept in step by the services: the reminder sweep reads them per row.
    assignee_ids = models.JSONField(default=list, blank=True, editable=False)
    # The nearest deadline of its open obligations, kept in step by the obligation services (next_deadline_refresh):
    # the board sorts by it without aggregating every case's obligations on each request.
    next_deadline_at = models.DateTimeField(null=True, blank=True, editable=False)
    external_source = models.CharField(max_length=80, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # --- personal data: encrypted at rest, cleared by incident_anonymise ---
    description = EncryptedTextField(_("what happened"), bind_to="public_id", blank=True)
    reported_by = EncryptedTextField(_("reported by"), bind_to="public_id", blank=True)
    subjects_description = EncryptedTextField(_("data subjects concerned (details)"), bind_to="public_id",
                                              blank=True)
    likely_consequences = EncryptedTextField(_("likely consequences"), bind_to="public_id", blank=True)
    measures = EncryptedTextField(_("measures taken or proposed"), bind_to="public_id", blank=True)
    dpo_contact = EncryptedTextField(_("DPO contact"), bind_to="public_id", blank=True)
    aware_at_history = EncryptedJSONField(bind_to="public_id", default=list, blank=True, editable=False)
    review_what_happened = EncryptedTextField(_("what happened (review)"), bind_to="public_id", blank=True)
    review_root_cause = EncryptedTextField(_("root cause"), bind_to="public_id", blank=True)
    review_lessons = EncryptedTextField(_("lessons learned"), bind_to="public_id", blank=True)

    PERSONAL_FIELDS = ("description", "reported_by", "subjects_description", "likely_consequences", "measures",
                       "dpo_contact", "aware_at_history", "review_what_happened", "review_root_cause",
                       "review_lessons")
    STATISTICS_FIELDS = ("reference", "phase", "severity", "is_exercise", "personal_data_involved",
                         "controller_data", "breach_types", "subject_categories", "data_categories", "approx_subjects",
                         "approx_records", "detected_at", "aware_at", "created_at", "closed_at")
    audit_masked_fields = set(PERSONAL_FIELDS)

    class Meta:
        ordering = ["-aware_at", "-pk"]
        # The board's order: the first page is read from the index, and only cases sharing a deadline are sorted
        # (PostgreSQL's ascending index puts NULLs last, as the board does).
        indexes = [models.Index(fields=["next_deadline_at"], name="incident_next_deadline_idx")]
        constraints = [
            models.UniqueConstraint(fields=["external_source", "external_id"], name="incidents_external_id_unique",
                                    condition=~models.Q(external_id="")),
            models.CheckConstraint(condition=~models.Q(phase="not_breach") | ~models.Q(not_breach_reason=""),
                                   name="incidents_not_breach_has_reason"),
        ]
        permissions = [
            ("view_all_incidents", "Can see every incident, not only those assigned"),
            ("work_incident", "Can work incident cases: timeline, tasks, evidence, notices"),
            ("decide_incident", "Can decide on notification: assessment, not-required decisions"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.phase in OPEN_PHASES

    @property
    def is_breach(self) -> bool:
        return self.personal_data_involved and self.phase != Phase.NOT_A_BREACH

    def breach_type_labels(self) -> list[str]:
        return [str(BreachType(v).label) for v in self.breach_types if v in BreachType.values]

    def subject_category_labels(self) -> list[str]:
        return [str(SubjectCategory(v).label) for v in self.subject_categories if v in SubjectCategory.values]

    def data_category_labels(self) -> list[str]:
        return [str(DataCategory(v).label) for v in self.data_categories if v in DataCategory.values]


class IncidentUserObjectPermission(UserObjectPermissionBase):
    """Need-to-know grants on one case (django-guardian, with a real foreign key for fast scoping)."""

    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)


class IncidentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)


class TimelineEntry(models.Model):
    """One line of the case's append-only timeline; a correction is a new entry pointing at the old one."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        SYSTEM = "system", _("Recorded by Annex")
        CORRECTION = "correction", _("Correction")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NOTE)
    happened_at = models.DateTimeField(default=timezone.now)
    text = EncryptedTextField()
    # A line written by Annex, as a message shown in each reader's language (incidents.timeline_text).
    message = EncryptedJSONField(null=True, blank=True, editable=False)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def display_text(self) -> str:
        """The text as the reader should see it: Annex's own lines in the active language."""
        if self.message:
            from incidents.timeline_text import render

            return render(self.message)
        return self.text


class Task(models.Model):
    """Work on a case with an owner and a due date; a follow-up task may point at a control."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="incident_tasks", verbose_name=_("owner"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    control = models.ForeignKey("controls.Control", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="incident_tasks", verbose_name=_("follow-up on control"))
    is_follow_up = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class IncidentEvidence(models.Model):
    """A file attached to a case (logs, screenshots), stored encrypted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=200)
    file_path = models.CharField(max_length=255)
    original_filename = models.CharField(max_length=180)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    key_id = models.CharField(max_length=128, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("incident evidence")

    def __str__(self) -> str:
        return self.title

    @property
    def purpose(self) -> str:
        return f"incident-evidence:{self.public_id}"


class Regime(models.TextChoices):
    CONTRACT = "contract", _("DPA / GDPR Art. 33(2)")
    GDPR = "gdpr", _("GDPR")
    NIS2 = "nis2", _("NIS2")


class Recipient(models.TextChoices):
    CUSTOMER = "customer", _("Affected customer (controller)")
    AUTHORITY = "authority", _("Supervisory authority")
    DATA_SUBJECTS = "data_subjects", _("Data subjects")
    CSIRT = "csirt", _("CSIRT / competent authority (NIS2)")


class Trigger(models.TextChoices):
    CUSTOMER_AFFECTED = "customer", _("Personal data of an affected customer")
    CONTROLLER_DATA = "controller", _("Personal data we control")
    HIGH_RISK = "high_risk", _("High risk to data subjects (assessment)")
    NIS2_SIGNIFICANT = "nis2", _("Significant incident of an NIS2 entity")


class ClockStart(models.TextChoices):
    AWARE_AT = "aware_at", _("Awareness")
    DETECTED_AT = "detected_at", _("Detection")
    FILING = "filing", _("Filing of another obligation")


class ObligationTemplate(models.Model):
    """A configurable notification duty: which regime, to whom, when, with what content."""

    code = models.SlugField(max_length=40, unique=True)
    regime = models.CharField(_("regime"), max_length=10, choices=Regime.choices)
    recipient = models.CharField(_("recipient"), max_length=16, choices=Recipient.choices)
    trigger = models.CharField(_("applies when"), max_length=12, choices=Trigger.choices)
    title = models.CharField(_("title"), max_length=200)
    legal_reference = models.CharField(_("legal or contractual reference"), max_length=200)
    checklist = models.JSONField(_("content checklist"), default=list)
    clock_start = models.CharField(_("clock counts from"), max_length=12, choices=ClockStart.choices,
                                   default=ClockStart.AWARE_AT)
    clock_after = models.SlugField(_("filing of (template code)"), max_length=40, blank=True)
    hours = models.PositiveIntegerField(_("deadline in hours"), null=True, blank=True,
                                        help_text=_("Empty with no months: no fixed deadline."))
    months = models.PositiveSmallIntegerField(_("deadline in months"), null=True, blank=True)
    use_customer_hours = models.BooleanField(_("use the customer's DPA hours"), default=False)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.title


class Obligation(models.Model):
    """One duty to notify on one case; its terms are copied from the template when it is generated."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FILED = "filed", _("Filed")
        NOT_REQUIRED = "not_required", _("Not required")
        WITHDRAWN = "withdrawn", _("No longer applies")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="obligations")
    template = models.ForeignKey(ObligationTemplate, on_delete=models.PROTECT, related_name="obligations")
    customer = models.ForeignKey("controls.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="incident_obligations")
    key = models.CharField(max_length=80)
    # Frozen terms: later edits to the template do not rewrite them.
    regime = models.CharField(max_length=10, choices=Regime.choices)
    recipient = models.CharField(max_length=16, choices=Recipient.choices)
    title = models.CharField(max_length=200)
    recipient_label = models.CharField(max_length=200)
    legal_reference = models.CharField(max_length=200)
    checklist = models.JSONField(default=list)
    clock_start_kind = models.CharField(max_length=12, choices=ClockStart.choices)
    clock_after = models.CharField(max_length=40, blank=True)
    hours = models.PositiveIntegerField(null=True, blank=True)
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    # The clock: start and deadline; no deadline = "no fixed deadline", never overdue.
    clock_start = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN, db_index=True)
    # Frozen at the first filing: a later correction of "aware at" cannot change them.
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    deadline_at_filing = models.DateTimeField(null=True, blank=True)
    filed_late = models.BooleanField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    is_exercise = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["deadline_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="incidents_obligation_one_per_key"),
            models.CheckConstraint(condition=~models.Q(status="not_required") | ~models.Q(rationale=""),
                                   name="incidents_not_required_has_rationale"),
        ]
        indexes = [models.Index(fields=["status", "deadline_at"], name="obligation_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.recipient_label})"

    @property
    def is_settled(self) -> bool:
        return self.status in (self.Status.FILED, self.Status.NOT_REQUIRED, self.Status.WITHDRAWN)

    def remaining(self, now: datetime | None = None) -> timedelta | None:
        if self.deadline_at is None:
            return None
        return self.deadline_at - (now or timezone.now())

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.status == self.Status.OPEN and self.deadline_at is not None and self.deadline_at < (
            now or timezone.now())

    def elapsed_fraction(self, now: datetime | None = None) -> float | None:
        if self.deadline_at is None or self.clock_start is None:
            return None
        total = (self.deadline_at - self.clock_start).total_seconds()
        if total <= 0:
            return 1.0
        return ((now or timezone.now()) - self.clock_start).total_seconds() / total


class Art34Exemption(models.TextChoices):
    NONE = "", _("No exemption")
    UNINTELLIGIBLE = "a", _("Art. 34(3)(a): data unintelligible to anyone not authorised (e.g. encryption)")
    MEASURES = "b", _("Art. 34(3)(b): subsequent measures ensure the high risk is no longer likely")
    DISPROPORTIONATE = "c", _("Art. 34(3)(c): disproportionate effort; public communication instead")


class Assessment(models.Model):
    """The ENISA severity assessment of a case, its recommendation and the DPO's decision."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="assessment")
    inputs = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=4, decimal_places=2)
    band = models.CharField(max_length=10)
    recommend_notify_authority = models.BooleanField()
    recommend_communicate_subjects = models.BooleanField()
    reasons = models.JSONField(default=list)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)
    decision_notify_authority = models.BooleanField(null=True, blank=True)
    decision_communicate_subjects = models.BooleanField(null=True, blank=True)
    art34_exemption = models.CharField(max_length=1, choices=Art34Exemption.choices, blank=True)
    override_justification = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.band} ({self.score})"

    @property
    def band_label(self) -> str:
        from incidents.assessment import BAND_LABELS

        return str(BAND_LABELS.get(self.band, self.band))

    @property
    def reasons_shown(self) -> list[str]:
        """The reasons in the reader's language: worked out again from the recorded inputs (the method is
        deterministic); the recorded wording if the inputs no longer pass (a method changed since)."""
        from incidents.assessment import AssessmentInputError, assess

        try:
            return assess(self.inputs).reasons
        except (AssessmentInputError, KeyError, TypeError, ValueError):
            return self.reasons

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None

    @property
    def high_risk(self) -> bool:
        if self.decision_communicate_subjects is not None:
            return self.decision_communicate_subjects
        return self.band in ("high", "very_high")


class NoticeRecord(models.Model):
    """A notice sent about a case: to whom, when, by whom, how, what it said."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email sent by Annex")
        EMAIL_MANUAL = "email_manual", _("Email sent outside Annex")
        PORTAL = "portal", _("Authority's online form")
        PHONE = "phone", _("Telephone")
        LETTER = "letter", _("Letter")
        PUBLIC = "public", _("Public communication")

    class Stage(models.TextChoices):
        INITIAL = "initial", _("Initial notice")
        FOLLOW_UP = "follow_up", _("Follow-up (Art. 33(4))")
        FINAL = "final", _("Final report")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    obligation = models.ForeignKey(Obligation, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="notices")
    recipient = models.CharField(max_length=16, choices=Recipient.choices)
    customer = models.ForeignKey("controls.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="incident_notices")
    recipient_label = models.CharField(max_length=200)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=14, choices=Channel.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.INITIAL)
    content = EncryptedTextField()
    attachments = models.JSONField(default=list, blank=True)
    delay_reasons = EncryptedTextField(blank=True)
    art34_exemption = models.CharField(max_length=1, choices=Art34Exemption.choices, blank=True)
    # Where Annex itself sent it (email channel); an exercise never goes to the real recipient.
    delivered_to = models.CharField(max_length=254, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    is_exercise = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} to {self.recipient_label}"
