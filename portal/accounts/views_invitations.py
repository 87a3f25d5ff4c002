"""Inviting people (Admin, DPO) and accepting an invitation (public, by link)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts import selectors, services
from portal.accounts.forms import AcceptInvitationForm, InvitationForm
from portal.accounts.mfa import require_recent_mfa
from portal.accounts.models import Invitation


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_GET
def invitation_list(request):
    return render(request, "accounts/invitation_list.html", {"invitations": selectors.invitations_pending()})


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_http_methods(["GET", "POST"])
@require_recent_mfa  # an invitation grants roles, like a role change
def invitation_create(request):
    form = InvitationForm(request.POST or None, grantable=services.grantable_roles(request.user),
                          initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(actor=request.user, **form.cleaned_data)
        except services.AccountRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:invitation_list")
    return render(request, "accounts/invitation_form.html", {"form": form})


@login_required
@permission_required("accounts.invite_user", raise_exception=True)
@require_POST
def invitation_revoke(request, pk: int):
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except services.AccountRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The invitation for %(email)s was revoked.") % {"email": invitation.email})
    return redirect("accounts:invitation_list")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        raise Http404(_("No such invitation"))
    if not invitation.is_pending():
        return render(request, "accounts/invitation_unusable.html",
                      {"status": invitation.status(), "Status": Invitation.Status}, status=410)
    form = AcceptInvitationForm(invitation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(request=request, invitation=invitation,
                                       password=form.cleaned_data["new_password1"])
        except services.AccountRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your password is set. Now set up two-factor authentication."))
            return redirect("accounts:mfa_enrol")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})
