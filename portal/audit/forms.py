from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import action_choices


class AuditFilterForm(forms.Form):
    """Filters of the audit viewer and its CSV export; every field is optional."""

    actor = forms.CharField(required=False, max_length=254, label=_("Actor"),
                            widget=forms.TextInput(attrs={"type": "search", "placeholder": _("email or part of it")}))
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=lambda: [("", _("Any action")), *action_choices()])
    target_type = forms.CharField(required=False, max_length=64, label=_("Target type"),
                                  widget=forms.TextInput(attrs={"placeholder": _("e.g. accounts.user")}))
    target_id = forms.CharField(required=False, max_length=64, label=_("Target id"))
    date_from = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            # The filter adds a day to the end date; the last representable day has no next one.
            if data.get(name) and data[name].year >= 9999:
                self.add_error(name, "Give a date before the year 9999.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext("The end date must be on or after the start date."))
        return data
