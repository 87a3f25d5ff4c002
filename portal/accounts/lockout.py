"""How the brute-force lockout (django-axes) names who is trying and from where.

Sign-in matches the email address case-insensitively, so the lockout counts the address the same way:
otherwise every spelling of one address (`Responder@`, `RESPONDER@`...) would get its own five guesses,
and a sign-in under one spelling would not clear the count of another. The address is the client the
audit trail records (`TRUSTED_PROXY_COUNT` hops of X-Forwarded-For), not the proxy in front of Annex:
behind the proxy every client would otherwise share one address, and anyone could lock anyone out.
"""

import ipaddress

from portal.audit.middleware import client_ip


def normalise_login(value) -> str | None:
    """The one spelling of a sign-in name that every count uses."""
    if value is None:
        return None
    return str(value).strip().lower()


def lockout_username(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the typed email address, normalised."""
    if credentials:
        return normalise_login(credentials.get("username"))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalise_login(data.get("username"))


def lockout_client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client address as the audit trail takes it; REMOTE_ADDR if that is not one."""
    candidate = client_ip(request)
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page a locked-out visitor sees (HTTP 429), saying what to do."""
    from django.conf import settings
    from django.template.response import TemplateResponse

    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "username": lockout_username(request, credentials) or "",
    }
    return TemplateResponse(request, "accounts/locked_out.html", context, status=429).render()
