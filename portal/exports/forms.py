from django import forms
from django.utils.translation import gettext_lazy as _

from portal.exports.registry import kinds_for, subjects_available_of


class ExportRequestForm(forms.Form):
    """One choice per document the user may request: "<kind>|<subject>", grouped by kind."""

    document = forms.ChoiceField(label=_("Document"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        groups = subjects_available_of(kinds_for(user), user)
        # A kind with nothing to request (certificates, issued by their own service) is not offered.
        self.fields["document"].choices = [
            (kind.label, [(f"{kind.name}|{key}", label) for key, label in subjects]) for kind, subjects in groups
            if subjects
        ]

    def cleaned_request(self) -> tuple[str, str]:
        kind_name, _, subject_key = self.cleaned_data["document"].partition("|")
        return kind_name, subject_key


class AnnexPublishForm(forms.Form):
    content_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
