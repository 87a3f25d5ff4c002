from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import action_choices

FIRST_YEAR, LAST_YEAR = 1900, 9998


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
            # The filter adds a day to the end date, and a day's start in the local time zone can fall before
            # the first representable UTC moment: the years at either end of the calendar cannot be searched.
            if data.get(name) and not FIRST_YEAR <= data[name].year <= LAST_YEAR:
                self.add_error(name, gettext("Give a date between the years %(first)s and %(last)s.")
                               % {"first": FIRST_YEAR, "last": LAST_YEAR})
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext("The end date must be on or after the start date."))
        return data
