"""The user's own API token: create (after a fresh MFA check, shown once), replace and revoke.

The API serves the control register, so the token page is for those who may read it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from controls.api import services
from portal.accounts.mfa import require_recent_mfa
from portal.accounts.models import ApiToken


@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_GET
def token_page(request):
    token = ApiToken.objects.filter(user=request.user).only("created", "prefix").first()
    return render(request, "controls/api_tokens.html", {"token": token, "new_key": None})


@never_cache
@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_POST
@require_recent_mfa
def token_create(request):
    key = services.api_token_issue(user=request.user)
    token = ApiToken.objects.filter(user=request.user).only("created", "prefix").first()
    # Rendered, not redirected: the key is on this one response and nowhere else in the interface.
    return render(request, "controls/api_tokens.html", {"token": token, "new_key": key})


@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_POST
def token_revoke(request):
    if services.api_token_revoke(user=request.user):
        messages.success(request, _("Your API token was revoked; programs using it can no longer sign in."))
    else:
        messages.info(request, _("You had no API token."))
    return redirect("api:tokens")
