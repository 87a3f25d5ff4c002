import time
from contextlib import suppress

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django_otp.middleware import OTPMiddleware as _OTPMiddleware
from django_otp.models import Device

from portal.accounts.language import supported_language, time_zone_of
from portal.accounts.mfa import is_mfa_exempt_path, user_has_mfa_device
from portal.core.prepared import PreparedQuery

_device_queries: dict[str, PreparedQuery] = {}


def _device_by_pk(model_label: str) -> PreparedQuery:
    """A prepared read of one device model by primary key; LookupError for a label that names no model."""
    if model_label not in _device_queries:
        model = apps.get_model(model_label)
        if not issubclass(model, Device):
            raise LookupError(f"{model_label} is not an OTP device")
        _device_queries[model_label] = PreparedQuery(lambda pk: model.objects.filter(pk=pk), int)
    return _device_queries[model_label]


class OTPMiddleware(_OTPMiddleware):
    """django-otp's middleware, reading the session's device with a prepared query (it runs on every request).

    Parsing and the checks that follow (the device must be confirmed and belong to the signed-in user, or
    the session forgets it) are django-otp's own; only the read differs.
    """

    def _device_from_persistent_id(self, persistent_id: str):
        model_label, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        with suppress(ValueError, LookupError):
            return _device_by_pk(model_label).first(int(device_id))
        return None


SIGNED_IN_AT_SESSION_KEY = "signed_in_at"


class SessionIdleTimeoutMiddleware:
    """Signs out a session idle longer than SESSION_IDLE_TIMEOUT seconds, or older than SESSION_ABSOLUTE_LIFETIME.

    The idle timer moves with every request; the absolute lifetime (ASVS 3.3.2) does not: it counts from the
    session's first signed-in request, and after it the person signs in again, with their second factor.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(SIGNED_IN_AT_SESSION_KEY)
            if started is None:
                session[SIGNED_IN_AT_SESSION_KEY] = started = now
            last = session.get("last_seen")
            if now - started > settings.SESSION_ABSOLUTE_LIFETIME:
                return self._sign_out(request, gettext("Your session reached its maximum length. Please sign in "
                                                       "again."))
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                return self._sign_out(request, gettext("You were signed out after a period of inactivity."))
            # Write at most once a minute to keep session saves cheap.
            if last is None or now - last >= 60:
                session["last_seen"] = now
        return self.get_response(request)

    @staticmethod
    def _sign_out(request, message: str):
        path = request.path
        logout(request)
        messages.info(request, message)
        return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': path})}")


class MFARequiredMiddleware:
    """A signed-in session that has not passed MFA reaches only the MFA pages and logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not is_mfa_exempt_path(request.path):
            # API clients get a JSON 403; a browser (asking for HTML) is sent to its MFA step like anywhere else.
            if request.path.startswith("/api/") and "text/html" not in request.headers.get("Accept", ""):
                from django.http import JsonResponse

                return JsonResponse({"detail": gettext("MFA verification required.")}, status=403)
            target = "accounts:mfa_verify" if user_has_mfa_device(user) else "accounts:mfa_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class UserLocaleMiddleware:
    """A signed-in user's own language and time zone, after LocaleMiddleware has read the browser's.

    The user row is loaded for authentication anyway, so this costs no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            language = supported_language(user.language)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
            timezone.activate(time_zone_of(user))
        else:
            timezone.deactivate()
        return self.get_response(request)
