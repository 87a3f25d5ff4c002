"""Sign-in lockouts: an administrator sees which (email, address) pairs are locked and can lift one."""

from axes.models import AccessAttempt
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from portal.accounts import selectors, services
from portal.accounts.mfa import require_recent_mfa


@login_required
@permission_required("axes.view_accessattempt", raise_exception=True)
@require_GET
def lockout_list(request):
    return render(request, "accounts/lockout_list.html", {"lockouts": selectors.sign_in_lockouts()})


@login_required
@permission_required("axes.delete_accessattempt", raise_exception=True)
@require_POST
@require_recent_mfa
def lockout_lift(request, pk: int):
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    try:
        services.sign_in_unlock(actor=request.user, username=attempt.username or "", ip_address=attempt.ip_address)
    except services.AccountRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("%(email)s may sign in again from %(address)s.")
                         % {"email": attempt.username, "address": attempt.ip_address or "—"})
    return redirect("accounts:lockout_list")
