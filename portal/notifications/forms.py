from django import forms
from django.utils.translation import gettext_lazy as _

from portal.notifications.models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["in_app", "email", "daily_digest"]
        help_texts = {
            "in_app": _("Critical notices, such as incident deadline escalations, always appear."),
            "email": _("Critical notices are always emailed."),
        }

    def clean(self):
        data = super().clean()
        if data.get("daily_digest") and not data.get("email"):
            self.add_error("daily_digest", _("A digest is an email: switch reminder emails on to receive one."))
        return data
