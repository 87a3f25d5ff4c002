"""Choosing a language (the header switch, for everyone) and a time zone (the Preferences page)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import services
from portal.accounts.forms import LanguageSwitchForm, PreferencesForm


def _safe_next(request, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("portal:dashboard")


@require_POST
def language_switch(request):
    """Remember the chosen language: on the account when signed in, in a cookie in any case."""
    form = LanguageSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the offered languages."))
        return redirect(_safe_next(request, request.POST.get("next", "")))
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_preferences(actor=request.user, user=request.user, language=language)
    translation.activate(language)
    response = redirect(_safe_next(request, form.cleaned_data["next"]))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.SESSION_COOKIE_SECURE,
                        httponly=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The signed-in user's language and time zone."""
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                changed = services.user_set_preferences(actor=user, user=user, **form.cleaned_data)
            except services.AccountRuleError as error:
                form.add_error(None, str(error))
            else:
                if changed:
                    translation.activate(form.cleaned_data["language"] or translation.get_language())
                    messages.success(request, _("Your language and time zone were saved."))
                return redirect("accounts:preferences")
    else:
        form = PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone})
    return render(request, "accounts/preferences.html", {"form": form})
