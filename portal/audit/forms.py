from django import forms

from portal.audit.registry import action_choices


class AuditFilterForm(forms.Form):
    """Filters of the audit viewer and its CSV export; every field is optional."""

    actor = forms.CharField(required=False, max_length=254, label="Actor",
                            widget=forms.TextInput(attrs={"type": "search", "placeholder": "email or part of it"}))
    action = forms.ChoiceField(required=False, choices=lambda: [("", "Any action"), *action_choices()])
    target_type = forms.CharField(required=False, max_length=64, label="Target type",
                                  widget=forms.TextInput(attrs={"placeholder": "e.g. accounts.user"}))
    target_id = forms.CharField(required=False, max_length=64, label="Target id")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            # The filter adds a day to the end date; the last representable day has no next one.
            if data.get(name) and data[name].year >= 9999:
                self.add_error(name, "Give a date before the year 9999.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data
