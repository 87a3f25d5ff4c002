"""Forms of the TOM annex's terms, the DPO's decisions and the customers' answers. The services do the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from controls.models_annex import AnnexNotice, AnnexTerms

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AnnexTermsForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AnnexTerms
        fields = ["instrument", "module", "planned_measures", "notice_days", "review_months"]
        widgets = {"instrument": forms.RadioSelect, "planned_measures": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version if self.instance.pk else 0

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class JustifyForm(forms.Form):
    justification = forms.CharField(
        label=_("Why it may still be stated as implemented"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit trail with every annex published while this decision stands."),
    )


class MoveToPlannedForm(forms.Form):
    planned_for = forms.DateField(label=_("In place by"), widget=DATE_WIDGET)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


def _answers(notice: AnnexNotice) -> list[tuple[str, str]]:
    answers = [(AnnexNotice.Response.ACKNOWLEDGED.value, _("I acknowledge this version"))]
    if notice.reductions:
        answers.append((AnnexNotice.Response.CONSENTED.value, _("I consent to the reductions listed")))
    answers.append((AnnexNotice.Response.OBJECTED.value, _("I object")))
    return answers


class AnnexReplyForm(forms.Form):
    """What a customer's notice contact fills in behind the reply link (and the DPO when recording an answer)."""

    response = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect, choices=[])
    by_name = forms.CharField(label=_("Your name"), max_length=150)
    note = forms.CharField(label=_("Reasons or remarks"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           help_text=_("Required for an objection."))

    def __init__(self, *args, notice: AnnexNotice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = _answers(notice)

    def clean(self):
        data = super().clean()
        if data.get("response") == AnnexNotice.Response.OBJECTED and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reasons for the objection."))
        return data


class AnnexRecordAnswerForm(AnnexReplyForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, notice: AnnexNotice, **kwargs):
        super().__init__(*args, notice=notice, **kwargs)
        self.fields["response"].label = _("The customer's answer")
        self.fields["by_name"].label = _("Answered by")
        self.fields["expected_version"].initial = notice.version


class WithdrawObjectionForm(forms.Form):
    note = forms.CharField(label=_("How the objection was resolved"), widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
