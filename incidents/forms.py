"""Forms of incident cases. They validate input; the rules live in services.py."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from controls.models import Control, Customer
from incidents import assessment as enisa
from incidents.models import (
    OPEN_PHASES,
    Art34Exemption,
    BreachType,
    DataCategory,
    Incident,
    NoticeRecord,
    Phase,
    Recipient,
    Severity,
    SubjectCategory,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def _datetime_field(label, **kwargs):
    return forms.DateTimeField(label=label, widget=LocalDateTimeInput(),
                               input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"], **kwargs)


def _customers():
    return Customer.objects.filter(is_active=True).order_by("name")


class IntakeForm(forms.Form):
    """Quick intake: what a responder knows in the first minute."""

    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("A short label for the case; name systems, not people."))
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    detected_at = _datetime_field(_("Detected at"))
    aware_at = _datetime_field(_("Aware at"), required=False, help_text=_(
        "When there was a reasonable degree of certainty that personal data were compromised; empty: now."))
    reported_by = forms.CharField(label=_("Reported by"), max_length=300)
    affected_systems = forms.CharField(label=_("Affected systems"), max_length=300, required=False)
    customers = forms.ModelMultipleChoiceField(label=_("Affected customers, if known"),
                                               queryset=Customer.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    controller_data = forms.BooleanField(label=_("Our own data as controller (staff, our own contacts)"),
                                         required=False)
    is_exercise = forms.BooleanField(label=_("This is an exercise (drill)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = _customers()
        if not self.is_bound:
            self.initial.setdefault("detected_at", timezone.localtime().strftime(DATETIME_FORMAT))


class SuspectedBreachForm(forms.Form):
    """What anyone in the organisation tells the incident response team about a suspected breach."""

    description = forms.CharField(
        label=_("What happened?"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you saw, and what may be affected: an email to a wrong recipient, a lost device, an "
                    "account used by someone else. Partial information is fine."))
    detected_at = _datetime_field(_("When did you notice it?"), help_text=_("Your local time."))
    affected = forms.CharField(label=_("Systems or customers that may be affected"), max_length=300,
                               required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("detected_at", timezone.localtime().strftime(DATETIME_FORMAT))


class IncidentForm(forms.ModelForm):
    """The case's facts; carries the version it was read at, so a concurrent edit is detected."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    breach_types = forms.MultipleChoiceField(label=_("Breach types"), choices=BreachType.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    subject_categories = forms.MultipleChoiceField(label=_("Categories of data subjects"),
                                                   choices=SubjectCategory.choices, required=False,
                                                   widget=forms.CheckboxSelectMultiple)
    data_categories = forms.MultipleChoiceField(label=_("Categories of personal data records"),
                                                choices=DataCategory.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    detected_at = _datetime_field(_("Detected at"))
    customers = forms.ModelMultipleChoiceField(label=_("Affected customers"), queryset=Customer.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple)
    controls = forms.ModelMultipleChoiceField(label=_("Linked controls"), queryset=Control.objects.none(),
                                              required=False, widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = Incident
        fields = ["title", "severity", "personal_data_involved", "controller_data", "breach_types",
                  "subject_categories", "data_categories", "approx_subjects", "approx_records", "affected_systems",
                  "detected_at", "description", "reported_by", "subjects_description", "likely_consequences",
                  "measures", "dpo_contact", "customers", "controls", "is_exercise"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in (
            "description", "subjects_description", "likely_consequences", "measures")}
        widgets.update({"reported_by": forms.TextInput(), "dpo_contact": forms.TextInput()})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = _customers()
        self.fields["controls"].queryset = Control.objects.exclude(status=Control.Status.RETIRED).only(
            "id", "reference", "title").order_by("reference")
        if self.instance.pk and not self.is_bound:
            self.initial["expected_version"] = self.instance.version
            self.initial["detected_at"] = timezone.localtime(self.instance.detected_at).strftime(DATETIME_FORMAT)

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("expected_version")
        return data


class CasePageForm(forms.Form):
    """One of the several forms on the case page: its element ids start with the form's own prefix, so
    that no id repeats on the page (two forms there have a reason, two an expected version)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class AwareAtForm(CasePageForm):
    id_prefix = "aware"
    aware_at = _datetime_field(_("Aware at"))
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PhaseForm(CasePageForm):
    id_prefix = "phase"
    phase = forms.ChoiceField(label=_("Phase"), choices=[
        *[(p.value, p.label) for p in OPEN_PHASES], (Phase.NOT_A_BREACH.value, Phase.NOT_A_BREACH.label)])
    reason = forms.CharField(label=_("Reason (required for “not a personal data breach”)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssignForm(CasePageForm):
    id_prefix = "assign"
    user = forms.ModelChoiceField(label=_("Person"), queryset=None)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = queryset


class TimelineForm(CasePageForm):
    id_prefix = "timeline"
    text = forms.CharField(label=_("Entry"), widget=forms.Textarea(attrs={"rows": 2}))
    happened_at = _datetime_field(_("Happened at"), required=False, help_text=_("Empty: now."))
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TaskForm(CasePageForm):
    id_prefix = "task"
    title = forms.CharField(label=_("Task"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due on"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    control = forms.ModelChoiceField(label=_("Follow-up on control"), queryset=Control.objects.none(),
                                     required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["control"].queryset = Control.objects.exclude(status=Control.Status.RETIRED).only(
            "id", "reference", "title").order_by("reference")


class EvidenceForm(CasePageForm):
    id_prefix = "evidence"
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))


class NotRequiredForm(CasePageForm):
    id_prefix = "not_required"
    rationale = forms.CharField(label=_("DPO's rationale"), widget=forms.Textarea(attrs={"rows": 3}))


def _choice_pairs(mapping) -> list[tuple[str, str]]:
    return [(key, key.replace("_", " ")) for key in mapping]


class AssessmentForm(forms.Form):
    """The ENISA method: data processing context, ease of identification, circumstances of the breach."""

    data_category = forms.ChoiceField(label=_("Data processing context: category"), choices=[
        ("simple", _("Simple (1): contact details, biographical data")),
        ("behavioural", _("Behavioural (2): location, traffic, preferences")),
        ("financial", _("Financial (3): income, transactions, cards")),
        ("sensitive", _("Sensitive (4): health, political, sexual life")),
    ])
    context_adjustment = forms.TypedChoiceField(
        label=_("Context adjustment"), coerce=int, initial=0,
        choices=[(n, f"{n:+d}" if n else "0") for n in enisa.ADJUSTMENT_RANGE],
        help_text=_("Raise for volume or special characteristics of controller or individuals; lower for invalid, "
                    "public or uninformative data. The result stays within 1-4."))
    ease_of_identification = forms.ChoiceField(label=_("Ease of identification"), choices=[
        ("negligible", _("Negligible (0.25)")), ("limited", _("Limited (0.5)")),
        ("significant", _("Significant (0.75)")), ("maximum", _("Maximum (1)"))])
    confidentiality = forms.ChoiceField(label=_("Loss of confidentiality"), choices=[
        ("none", _("None evidenced (0)")), ("known_recipients", _("Known recipients (+0.25)")),
        ("unknown_recipients", _("Unknown number of recipients (+0.5)"))])
    integrity = forms.ChoiceField(label=_("Loss of integrity"), choices=[
        ("none", _("None (0)")), ("altered_recoverable", _("Altered, recoverable (+0.25)")),
        ("altered_unrecoverable", _("Altered, not recoverable (+0.5)"))])
    availability = forms.ChoiceField(label=_("Loss of availability"), choices=[
        ("none", _("None (0)")), ("temporary", _("Temporary (+0.25)")), ("permanent", _("Permanent (+0.5)"))])
    malicious = forms.BooleanField(label=_("Malicious intent (+0.5)"), required=False)
    encrypted_unintelligible = forms.BooleanField(
        label=_("The data were unintelligible to whoever got them (Art. 34(3)(a))"), required=False)
    subsequent_measures = forms.BooleanField(
        label=_("Measures taken ensure the high risk is no longer likely (Art. 34(3)(b))"), required=False)
    subjects = forms.IntegerField(label=_("Data subjects concerned"), min_value=0)


class DecisionForm(CasePageForm):
    id_prefix = "decision"
    notify_authority = forms.TypedChoiceField(label=_("Notify the supervisory authority"),
                                              coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                              choices=[("yes", _("Yes")), ("no", _("No"))])
    communicate_subjects = forms.TypedChoiceField(label=_("Communicate to the data subjects"),
                                                  coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                                  choices=[("yes", _("Yes")), ("no", _("No"))])
    art34_exemption = forms.ChoiceField(label=_("Art. 34(3) exemption"), choices=Art34Exemption.choices,
                                        required=False)
    justification = forms.CharField(label=_("Justification (required where you depart from the recommendation)"),
                                    required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NoticeForm(forms.Form):
    obligation = forms.ModelChoiceField(label=_("For obligation"), queryset=None, required=False)
    recipient = forms.ChoiceField(label=_("Recipient (without an obligation)"), required=False,
                                  choices=[("", "---------"), *Recipient.choices])
    customer = forms.ModelChoiceField(label=_("Customer (without an obligation)"), queryset=None, required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=NoticeRecord.Stage.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=NoticeRecord.Channel.choices)
    sent_at = _datetime_field(_("Sent at"), required=False, help_text=_("Empty: now."))
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 10}))
    attachments = forms.CharField(label=_("Attachments (one per line)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    delay_reasons = forms.CharField(label=_("Reasons for the delay (Art. 33(1))"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    art34_exemption = forms.ChoiceField(label=_("Art. 34(3) exemption (data subjects)"),
                                        choices=Art34Exemption.choices, required=False)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        from incidents.models import Obligation

        self.fields["obligation"].queryset = incident.obligations.exclude(
            status__in=[Obligation.Status.WITHDRAWN, Obligation.Status.NOT_REQUIRED])
        self.fields["obligation"].label_from_instance = lambda o: f"{_(o.title)} — {_(o.recipient_label)}"
        self.fields["customer"].queryset = incident.customers.order_by("name")


class CloseForm(forms.Form):
    what_happened = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    lessons = forms.CharField(label=_("Lessons learned"), widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_control = forms.ModelChoiceField(label=_("Follow-up on control"), queryset=Control.objects.none(),
                                               required=False)
    follow_up_title = forms.CharField(label=_("Follow-up task"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_control"].queryset = Control.objects.exclude(status=Control.Status.RETIRED).only(
            "id", "reference", "title", "owner_id").order_by("reference")

    def clean(self):
        data = super().clean()
        if bool(data.get("follow_up_control")) != bool((data.get("follow_up_title") or "").strip()):
            raise forms.ValidationError(_("A follow-up needs both a control and a task."))
        return data

    def follow_ups(self) -> list:
        control = self.cleaned_data.get("follow_up_control")
        return [(control, self.cleaned_data["follow_up_title"])] if control else []
