import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from portal.accounts.mfa import is_mfa_exempt_path, user_has_mfa_device


class SessionIdleTimeoutMiddleware:
    """Signs out a session that has been idle longer than SESSION_IDLE_TIMEOUT seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")
            # Write at most once a minute to keep session saves cheap.
            if last is None or now - last >= 60:
                request.session["last_seen"] = now
        return self.get_response(request)


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

                return JsonResponse({"detail": "MFA verification required."}, status=403)
            target = "accounts:mfa_verify" if user_has_mfa_device(user) else "accounts:mfa_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
