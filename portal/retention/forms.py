from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.retention.models import RetentionPolicy
from portal.retention.registry import holdables

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PolicyForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = RetentionPolicy
        fields = [
            "key", "data_category", "system", "purpose", "legal_basis", "period_months", "counts_from", "action",
            "owner", "review_cadence_months", "next_review_due", "control_reference", "covers_customer_data", "notes",
        ]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 2}), "notes": forms.Textarea(attrs={"rows": 2}),
                   "next_review_due": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("full_name")
        if self.instance.pk:
            self.fields["key"].disabled = True  # the targets in the code name the policy by its key
            self.initial.setdefault("expected_version", self.instance.version)

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "key"}


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Record"))
    identifier = forms.CharField(label=_("Which one"), max_length=254)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The claim, request or case that requires keeping the records."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(h.model, f"{h.label} ({h.hint})") for h in holdables()]


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for release"), max_length=1000)


class StepConfirmForm(forms.Form):
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("The ticket, log excerpt or transfer receipt that shows it was done."))
