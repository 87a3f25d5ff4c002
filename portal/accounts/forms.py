from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.accounts.language import time_zone_choices
from portal.accounts.models import User
from portal.accounts.roles import Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").replace("-", "").strip()


def _role_choices(roles) -> list[tuple[str, str]]:
    return [(r, Role(r).label) for r in roles]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False,
                                 help_text=_("Of the invitation email and of the new account."))

    def __init__(self, *args, grantable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices(grantable)
        if Role.ADMIN not in grantable:
            self.fields["roles"].help_text = gettext("Only an administrator may grant the Admin role.")


class AcceptInvitationForm(SetPasswordForm):
    """Choose a password, checked by Django's validators against the invited person's details."""

    def __init__(self, invitation, *args, **kwargs):
        # An unsaved user gives the similarity validator the name and email to compare with.
        super().__init__(User(email=invitation.email, full_name=invitation.full_name), *args, **kwargs)
        self.fields["new_password1"].label = gettext("Password")
        self.fields["new_password2"].label = gettext("Repeat the password")

    def save(self, commit=True):  # the service sets the password
        raise NotImplementedError("use services.invitation_accept")


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple, choices=_role_choices(Role.values)
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or email")}))
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("Any role")), *_role_choices(Role.values)])
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and deactivated")), ("yes", _("Active")), ("no", _("Deactivated"))],
    )

    def active_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("active") or "")


class LanguageSwitchForm(forms.Form):
    """The header's language switch."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), required=False,
        help_text=_("For your pages, emails and reminders. “Browser setting” follows your browser."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Browser setting")), *settings.LANGUAGES]
        self.fields["time_zone"].choices = [
            ("", _("Organisation default (%(zone)s)") % {"zone": settings.TIME_ZONE}), *time_zone_choices()
        ]
