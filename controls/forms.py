"""Forms of the control inventory. They validate input; the services do the writing."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from controls import selectors
from controls.categories import category_choices
from controls.models import ART32_POINTS, Control, Customer, CustomerControlOverride, Evidence, Review, Service
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.core.widgets import PlainChoices, PlainSelect

RESERVED_SLUGS = {"new"}
OWNER_ROLES = [Role.SECURITY_OFFICER.value, Role.DPO.value, Role.ADMIN.value]


def owner_candidates():
    """People who can own a control: active holders of a role that may change controls."""
    return User.objects.filter(is_active=True, groups__name__in=OWNER_ROLES).distinct().order_by("full_name", "email")


def _person_rows(users):
    return users.filter(is_active=True).order_by("full_name", "email").values_list("pk", "full_name", "email")


def _person_choices(rows) -> list[tuple[int, str]]:
    return [(pk, name or email) for pk, name, email in rows]


def _control_owners():
    """The people who own a control (choosing anyone else would list nothing). PostgreSQL reads the owner ids
    from their index and looks the few owners up by primary key."""
    return _person_rows(User.objects.filter(pk__in=Control.objects.order_by().values("owner_id")))


def parameters_to_text(parameters: dict) -> str:
    def show(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return "\n".join(f"{key} = {show(value)}" for key, value in parameters.items())


def parse_parameters(text: str) -> dict:
    """One `name = value` per line; whole numbers and true/false keep their type, all else is text."""
    result: dict = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise forms.ValidationError(gettext("Line %(number)d: write each parameter as name = value.")
                                        % {"number": number})
        if name in result:
            raise forms.ValidationError(gettext("Line %(number)d: parameter %(name)s is given twice.")
                                        % {"number": number, "name": name})
        if value.lower() in ("true", "false"):
            result[name] = value.lower() == "true"
        elif value.isascii() and value.isdigit() and (value == "0" or not value.startswith("0")):
            result[name] = int(value)
        else:
            result[name] = value
    return result


class ControlForm(forms.ModelForm):
    art32_points = forms.MultipleChoiceField(
        label=_("GDPR Art. 32(1) points"), choices=list(ART32_POINTS.items()), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    parameters = forms.CharField(label=_("Parameters"),
        required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line as name = value, e.g. tls_min_version = 1.3"),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated, e.g. encryption, transport"))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Control
        fields = [
            "reference", "title", "description", "scc_category", "art32_points", "kind", "owner", "status",
            "planned_for", "parameters", "review_cadence_months", "next_review_due", "applies_to_all_services",
            "services", "tags", "related",
        ]
        labels = {
            "reference": _("Reference"), "title": _("Title"), "description": _("Description"),
            "scc_category": _("SCC measure category"), "kind": _("Kind"), "owner": _("Owner"), "status": _("Status"),
            "review_cadence_months": _("Review cadence (months)"), "next_review_due": _("Next review due"),
            "planned_for": _("Planned for"),
            "applies_to_all_services": _("Applies to all services"), "services": _("Services"),
            "related": _("Related controls"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "next_review_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_for": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "services": forms.CheckboxSelectMultiple,
            "related": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, can_manage: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()
        self.fields["services"].queryset = Service.objects.all()
        related = Control.objects.order_by("reference")
        if self.instance.pk:
            related = related.exclude(pk=self.instance.pk)
            self.initial.setdefault("expected_version", self.instance.version)
            self.initial["parameters"] = parameters_to_text(self.instance.parameters)
            self.initial["tags"] = ", ".join(self.instance.tags)
        self.fields["related"].queryset = related
        self.fields["related"].required = False
        if not can_manage:
            # Owners edit what they do; the reference and who owns it stay with the DPO.
            del self.fields["reference"]
            del self.fields["owner"]

    def clean_parameters(self):
        return parse_parameters(self.cleaned_data.get("parameters") or "")

    def clean_tags(self):
        raw = self.cleaned_data.get("tags") or ""
        tags = []
        for tag in (t.strip().lower() for t in raw.split(",")):
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def clean_reference(self):
        return (self.cleaned_data.get("reference") or "").strip().upper()

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.fields if name != "expected_version"}
        data["services"] = list(data["services"])
        data["related"] = list(data["related"])
        return data


DUE_CHOICES = [("", _("Anything")), ("review_30", _("Review due")), ("evidence_30", _("Evidence expiring"))]


class ControlFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=PlainSelect,
                               choices=[("", _("Any status")), *Control.Status.choices])
    # A select of plain (id, name) pairs: one values() query, no model instances, however many owners there
    # are. Any id is accepted: an id that owns nothing simply filters to an empty register.
    owner = forms.IntegerField(label=_("Owner"), required=False, min_value=1, max_value=2**63 - 1, widget=PlainSelect)
    customer = forms.ModelChoiceField(label=_("Customer"), required=False, queryset=Customer.objects.none(),
                                      empty_label=_("Any customer"), widget=PlainSelect)
    overdue = forms.BooleanField(label=_("Review overdue"), required=False)
    # What the home page's cards link to: reviews or evidence due within 30 days, a tag (a control objective).
    due = forms.ChoiceField(label=_("Due within 30 days"), required=False, choices=DUE_CHOICES, widget=PlainSelect)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", gettext("Any category")), *category_choices()]
        # The short selects render from their pairs too: through the widget templates, their options were a
        # third of the register page's template work (two included templates per option).
        for name in ("category", "status", "due"):
            self.fields[name].widget.choices = PlainChoices(list(self.fields[name].choices))
        self.fields["owner"].widget.choices = PlainChoices(
            [("", gettext("Any owner")), *_person_choices(_control_owners())])
        # The customers the user may see: the queryset validates a choice, the (id, name) pairs render it.
        self.fields["customer"].queryset = selectors.customers_visible_to(user)
        self.fields["customer"].widget.choices = PlainChoices(
            [("", gettext("Any customer")), *selectors.customer_options(user)])

    def selector_kwargs(self) -> dict:
        """The valid filters as keyword arguments of selectors.control_list (invalid ones are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q", ""),
            "category": data.get("category", ""),
            "status": data.get("status", ""),
            "owner_id": data.get("owner"),
            "overdue": data.get("overdue", False),
            "due": data.get("due", ""),
            "tag": data.get("tag", ""),
            "customer": data.get("customer"),
            "sort": data.get("sort") or "reference",
        }


class BulkOwnerForm(forms.Form):
    controls = forms.ModelMultipleChoiceField(label=_("Controls"),
        queryset=Control.objects.all(), error_messages={"required": _("Select at least one control.")}
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("New owner"), widget=PlainSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()
        # Rendered from (id, name) pairs; the queryset still validates the submitted owner.
        people = _person_choices(_person_rows(owner_candidates()))
        self.fields["owner"].widget.choices = PlainChoices([("", "---------"), *people])


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Review.Outcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("What was checked and what was found."))
    reviewed_on = forms.DateField(label=_("Reviewed on"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class CustomerForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Customer
        fields = [
            "name", "slug", "contract_reference", "notice_contact_name", "notice_contact_email",
            "breach_notice_hours", "services", "contract_language", "is_active", "contract_ends_on",
            "end_of_contract_choice",
        ]
        labels = {
            "name": _("Name"), "slug": _("Short name"), "contract_reference": _("Contract / DPA reference"),
            "notice_contact_name": _("Contact for notices"), "notice_contact_email": _("Notice email"),
            "breach_notice_hours": _("Breach notice deadline (hours)"), "services": _("Services"),
            "contract_language": _("Contract language"), "is_active": _("Active"),
        }
        widgets = {"services": forms.CheckboxSelectMultiple,
                   "contract_ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.all()
        self.fields["contract_language"].required = False
        if self.instance.pk:
            self.initial.setdefault("expected_version", self.instance.version)

    def clean_contract_language(self):
        # Optional in the form: a customer added without one gets the model's default (English).
        return self.cleaned_data.get("contract_language") or Customer.ContractLanguage.ENGLISH

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(gettext("This short name is reserved; choose another."))
        return slug

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.fields if name != "expected_version"}
        data["services"] = list(data["services"])
        return data


class OverrideForm(forms.Form):
    control = forms.ModelChoiceField(label=_("Control"), queryset=Control.objects.order_by("reference"))
    mode = forms.ChoiceField(label=_("Mode"), choices=CustomerControlOverride.Mode.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Why this customer differs."))


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EvidenceForm(forms.Form):
    """One form for the three kinds; the service checks that the chosen kind has its content."""

    kind = forms.ChoiceField(
        label=_("Kind of evidence"), choices=Evidence.Kind.choices, widget=forms.RadioSelect, initial=Evidence.Kind.FILE
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(
        label=_("File to upload"), required=False, allow_empty_file=True,
        help_text=_("PDF, image, text/CSV/Markdown/JSON or an Office/OpenDocument file."),
    )
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    text = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE_WIDGET)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=DATE_WIDGET,
        help_text=_("When this evidence stops proving the control; leave empty if it does not expire."),
    )
    record = forms.ChoiceField(
        label=_("What it records"), choices=Evidence.Record.choices, required=False, widget=forms.RadioSelect,
        help_text=_("A certificate or the report of a periodic test: the TOM annex prints its facts. For a test, "
                    "“valid from” is the day it was performed and “valid until” the day the next one is due."),
    )
    certificate_standard = forms.CharField(label=_("Standard"), max_length=120, required=False,
                                           help_text=_("For a certificate, e.g. ISO/IEC 27001:2022"))
    certificate_scope = forms.CharField(label=_("Scope of the certificate"), max_length=250, required=False)
    certificate_issuer = forms.CharField(label=_("Issued by"), max_length=150, required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=80, required=False)

    def clean_url(self):
        url = self.cleaned_data.get("url") or ""
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(gettext("Use an http or https address."))
        return url


class EvidenceRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500,
            help_text=_("Why this evidence no longer counts."))


class ControlImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("UTF-8 or Windows-1252, separated by commas or semicolons, with a header row."))
    check_only = forms.BooleanField(label=_("Check only, import nothing"), required=False)
