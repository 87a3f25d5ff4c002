"""MFA state of a session: which paths an unverified session may reach, and step-up freshness."""

import time
from functools import wraps

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

STEP_UP_SESSION_KEY = "mfa_verified_at"

# Prefixes an authenticated-but-unverified session may reach.
MFA_EXEMPT_PREFIXES = (
    "/account/mfa/",
    "/account/logout/",
    "/account/invitation/",
    "/static/",
    "/healthz",
    "/verify/",
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
            return redirect(f"{reverse('accounts:mfa_step_up')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper
