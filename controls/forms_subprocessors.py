"""Forms of the sub-processor register and the records of processing. They validate; the services write."""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from controls.forms import RESERVED_SLUGS, owner_candidates
from controls.models import Control, Evidence, Service
from controls.models_subprocessors import (
    ChangeNotice,
    ProcessingCategory,
    ProcessorDetails,
    SubProcessor,
    SubProcessorChange,
    SubProcessorTerms,
)


def locations_to_text(locations: list) -> str:
    return "\n".join(f"{loc['country']} {loc.get('region', '')}".strip() for loc in locations or [])


def parse_locations(text: str) -> list[dict]:
    """One location per line: the two-letter country code, then the region (optional)."""
    result = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        country, _sep, region = line.strip().partition(" ")
        country = country.strip().rstrip(",:").upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(
                _("Line %(n)s: start with the two-letter country code, for example DE Frankfurt."), params={"n": number}
            )
        result.append({"country": country, "region": region.strip()})
    if not result:
        raise forms.ValidationError(_("Name at least one processing location."))
    return result


# A date input sends and shows ISO dates (YYYY-MM-DD), whatever the language's display format.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _evidence_label(evidence: Evidence) -> str:
    label = f"{evidence.control.reference}: {evidence.title}"
    if evidence.valid_until:
        return _("%(label)s (valid until %(date)s)") % {"label": label, "date": date_format(evidence.valid_until)}
    return label


class SubProcessorForm(forms.ModelForm):
    locations_text = forms.CharField(
        label=_("Processing locations"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: country code and region, for example “DE Frankfurt (eu-central-1)”."),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SubProcessor
        fields = [
            "legal_name", "slug", "address", "contact_name", "contact_email", "service_performed",
            "transfer_mechanism", "scc_module", "transfer_details", "measures", "performed_controls",
            "dpa_reference", "dpa_evidence", "certification", "certification_evidence", "last_assessed_on",
            "next_assessment_due", "assessment_cadence_months", "owner",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "service_performed": forms.Textarea(attrs={"rows": 3}),
            "transfer_details": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 5}),
            "last_assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_assessment_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        evidence = Evidence.objects.filter(removed_at__isnull=True).select_related("control").order_by(
            "control__reference", "title")
        self.fields["dpa_evidence"].queryset = evidence
        self.fields["certification_evidence"].queryset = evidence
        self.fields["dpa_evidence"].label_from_instance = self.fields["certification_evidence"].label_from_instance = (
            _evidence_label
        )
        self.fields["performed_controls"].queryset = Control.objects.exclude(status=Control.Status.RETIRED).only(
            "reference", "title")
        self.fields["owner"].queryset = owner_candidates()
        if self.instance.pk:
            self.fields["locations_text"].initial = locations_to_text(self.instance.locations)
            self.fields["expected_version"].initial = self.instance.version
            del self.fields["last_assessed_on"]  # recorded through an assessment

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS or slug in ("changes", "customers", "records"):
            raise forms.ValidationError(_("This short name is reserved; choose another."))
        return slug

    def clean_locations_text(self):
        return parse_locations(self.cleaned_data["locations_text"])

    def _post_clean(self):
        # Locations come from the text field; the model's clean (the EEA rule) must see them.
        if "locations_text" in self.cleaned_data:
            self.instance.locations = self.cleaned_data["locations_text"]
        super()._post_clean()

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        data["locations"] = self.cleaned_data["locations_text"]
        if self.instance.pk is None:
            data.pop("performed_controls", None)
        return data


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE_INPUT,
                                  initial=timezone.localdate)
    notes = forms.CharField(label=_("What was assessed, and the result"), widget=forms.Textarea(attrs={"rows": 3}))


class ChangeForm(forms.Form):
    KIND_EXISTING = "existing"
    kind = forms.ChoiceField(label=_("Kind of change"), choices=[
        *SubProcessorChange.Kind.choices,
        (KIND_EXISTING, _("Already in use under the customers' contracts (no notice)")),
    ])
    services = forms.ModelMultipleChoiceField(
        label=_("Services that will use it"), queryset=Service.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    replaces = forms.ModelChoiceField(label=_("Replaces"), queryset=SubProcessor.objects.none(), required=False)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Told to every customer concerned."))
    planned_from = forms.DateField(label=_("Planned from"), widget=DATE_INPUT,
                                   required=False, help_text=_("For each customer, not before its notice period ends."))

    def __init__(self, *args, subprocessor: SubProcessor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = SubProcessor.objects.filter(status=SubProcessor.Status.ACTIVE).exclude(
            pk=subprocessor.pk)

    def clean(self):
        data = super().clean()
        if data.get("kind") != self.KIND_EXISTING and not data.get("planned_from"):
            self.add_error("planned_from", _("Give the date from which the change is planned."))
        return data


class ResponseForm(forms.Form):
    response = forms.ChoiceField(label=_("Answer"), choices=[c for c in ChangeNotice.Response.choices if c[0]])
    by_name = forms.CharField(label=_("Answered by"), max_length=150)
    note = forms.CharField(label=_("Note or reasons"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    """What a customer's notice contact fills in behind the reply link."""

    response = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect, choices=[])
    by_name = forms.CharField(label=_("Your name"), max_length=150)
    note = forms.CharField(label=_("Reasons or remarks"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           help_text=_("Required for an objection."))

    def __init__(self, *args, notice: ChangeNotice, **kwargs):
        super().__init__(*args, **kwargs)
        agree = (ChangeNotice.Response.APPROVED if notice.authorisation == SubProcessorTerms.Authorisation.SPECIFIC
                 else ChangeNotice.Response.ACKNOWLEDGED)
        self.fields["response"].choices = [(agree.value, agree.label),
                                           (ChangeNotice.Response.OBJECTED.value, _("I object"))]

    def clean(self):
        data = super().clean()
        if data.get("response") == ChangeNotice.Response.OBJECTED and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reasons for the objection."))
        return data


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"),
                                   choices=[c for c in ChangeNotice.Resolution.choices if c[0]])
    note = forms.CharField(label=_("How it was resolved"), widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why the change is withdrawn"), widget=forms.Textarea(attrs={"rows": 2}))


class TermsForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SubProcessorTerms
        fields = ["authorisation", "notice_days", "controller_address", "controller_representative", "controller_dpo"]
        widgets = {"controller_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version if self.instance.pk else 0


class ProcessingCategoryForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProcessingCategory
        fields = ["service", "name", "description", "data_subjects", "personal_data"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        else:  # a new category has no version to compare
            del self.fields["expected_version"]


class ProcessorDetailsForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProcessorDetails
        fields = ["name", "address", "contact_email", "representative", "dpo_name", "dpo_contact", "security_contact"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version if self.instance.pk else 0
