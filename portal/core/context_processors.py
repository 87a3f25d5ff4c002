from django.conf import settings

from portal.core.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    verified = bool(user and user.is_authenticated and getattr(user, "is_verified", lambda: False)())
    return {
        "nav_items": navigation_for(user, request.path) if verified else [],
        "mfa_verified": verified,
        "organisation_name": settings.ORGANISATION_NAME,
    }
