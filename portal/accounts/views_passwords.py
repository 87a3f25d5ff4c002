"""Changing one's password (signed in, fresh MFA) and resetting a forgotten one (by an emailed link)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import passwords
from portal.accounts.mfa import require_recent_mfa
from portal.accounts.models import User
from portal.accounts.services import AccountRuleError


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}))


@login_required
@require_http_methods(["GET", "POST"])
@require_recent_mfa
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = passwords.password_change(request=request, user=request.user,
                                          new_password=form.cleaned_data["new_password1"])
        messages.success(request, gettext("Your password was changed. Sessions signed in elsewhere: %(count)s, "
                                          "now signed out.") % {"count": ended})
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        passwords.password_reset_send(email=form.cleaned_data["email"])
        # The same answer whether or not the address has an account.
        return render(request, "accounts/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/password_reset_request.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, token: str):
    found = passwords.password_reset_token(token)
    if found is None:
        return render(request, "accounts/password_reset_unusable.html", status=404)
    form = SetPasswordForm(found.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_reset_complete(token=token, new_password=form.cleaned_data["new_password1"])
        except AccountRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Your password was reset. Sign in with it; you will then confirm "
                                              "it is you with your authenticator app."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "email": found.user.email})


@login_required
@permission_required("accounts.change_user", raise_exception=True)
@require_POST
@require_recent_mfa
def user_send_password_reset(request, pk: int):
    subject = get_object_or_404(User, pk=pk)
    try:
        sent = passwords.password_reset_send(email=subject.email, actor=request.user)
    except AccountRuleError as exc:
        messages.error(request, str(exc))
    else:
        if sent:
            messages.success(request, gettext("A password reset link was sent to %(email)s.")
                             % {"email": subject.email})
        else:
            messages.error(request, gettext("A deactivated account cannot reset its password."))
    return redirect("accounts:user_detail", pk=subject.pk)
