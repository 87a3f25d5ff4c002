"""MFA state of a session: which paths an unverified session may reach, and step-up freshness."""

import time
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user

STEP_UP_SESSION_KEY = "mfa_verified_at"

# Prefixes an authenticated-but-unverified session may reach.
MFA_EXEMPT_PREFIXES = (
    "/account/mfa/",
    "/account/logout/",
    "/account/language/",
    "/account/invitation/",
    "/account/password/reset/",  # a forgotten password: reached before (or instead of) signing in
    "/static/",
    "/healthz",
    "/verify/",
    "/respond/",  # token-only reply pages of notices: the secret URL is the credential
    "/notifications/calendar/",  # token-only iCalendar feed: the secret URL is the credential
)


def is_mfa_exempt_path(path: str) -> bool:
    return path.startswith(MFA_EXEMPT_PREFIXES)


def user_has_mfa_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def mark_mfa_verified(request) -> None:
    """Record the moment this session last proved a second factor (for step-up checks)."""
    request.session[STEP_UP_SESSION_KEY] = int(time.time())


def mfa_recently_verified(request) -> bool:
    verified_at = request.session.get(STEP_UP_SESSION_KEY)
    return verified_at is not None and time.time() - verified_at <= settings.MFA_STEP_UP_SECONDS


def require_recent_mfa(view):
    """Sensitive actions (exports, role changes, MFA resets, retention runs) need a fresh MFA check."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not mfa_recently_verified(request):
            return redirect(f"{reverse('accounts:mfa_step_up')}?{urlencode({'next': step_up_return_url(request)})}")
        return view(request, *args, **kwargs)

    wrapper.requires_recent_mfa = True  # copied outwards by functools.wraps; the authorization matrix reads it
    return wrapper


def step_up_return_url(request) -> str:
    """Where to go after a step-up: the page itself for a GET; for a POST, the page the form was on.

    A POST cannot be replayed by a redirect, so the user lands back on the (same-host) referring
    page and repeats the action. Anything off-site falls back to the dashboard.
    """
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("portal:dashboard")
