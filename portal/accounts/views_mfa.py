"""TOTP enrolment, sign-in verification, step-up re-verification, and the user's own Security page."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts import mfa_services, selectors
from portal.accounts.forms import OTPCodeForm
from portal.accounts.mfa import mfa_recently_verified, require_recent_mfa, user_has_mfa_device
from portal.accounts.models import TOTPDevice


def _next_url(request, default: str = "portal:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


def _show_backup_codes(request, codes, next_url: str):
    """The only time the plaintext codes exist: this one response (never cached)."""
    response = render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request):
    if user_has_mfa_device(request.user):
        # A second authenticator is an MFA change: the existing factor first, and freshly.
        if not request.user.is_verified():
            return redirect(f"{reverse('accounts:mfa_verify')}?{urlencode({'next': _next_url(request)})}")
        if not mfa_recently_verified(request):
            return redirect(f"{reverse('accounts:mfa_step_up')}?{urlencode({'next': request.get_full_path()})}")
    device = mfa_services.totp_pending_device(user=request.user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa_services.totp_confirm(request=request, device=device, code=form.cleaned_data["code"])
        if result.ok:
            if result.backup_codes:
                return _show_backup_codes(request, result.backup_codes, _next_url(request))
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(_next_url(request))
        form.add_error("code", result.message)
    uri = mfa_services.totp_config_url(device)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111", light="#fff")
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "qr_data_uri": qr,
            "secret": mfa_services.totp_secret_base32(device),
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "has_device": user_has_mfa_device(request.user),
        },
    )


# Adding a second authenticator needs a fresh check of the first one (above); the matrix holds it to that.
mfa_enrol.requires_recent_mfa = True


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not user_has_mfa_device(request.user):
        return redirect("accounts:mfa_enrol")
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa_services.mfa_verify_session(request=request, code=form.cleaned_data["code"])
        if result.ok:
            return redirect(_next_url(request))
        form.add_error("code", result.message)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def mfa_step_up(request):
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa_services.mfa_verify_session(request=request, code=form.cleaned_data["code"], step_up=True)
        if result.ok:
            messages.info(request, _("Confirmed. You can now repeat the action."))
            return redirect(_next_url(request))
        form.add_error("code", result.message)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/mfa_step_up.html", {"form": form, "next": next_url})


@login_required
@require_GET
def security(request):
    """The signed-in user's own second factors."""
    return render(
        request,
        "accounts/security.html",
        {
            "devices": selectors.user_devices(user=request.user),
            "backup_codes_remaining": selectors.user_backup_codes_remaining(user=request.user),
        },
    )


@login_required
@require_POST
@require_recent_mfa
def backup_codes_regenerate(request):
    codes = mfa_services.backup_codes_regenerate(actor=request.user)
    return _show_backup_codes(request, codes, reverse("accounts:security"))


@login_required
@require_POST
@require_recent_mfa
def device_remove(request, pk: int):
    device = get_object_or_404(TOTPDevice.objects.filter(user=request.user, confirmed=True), pk=pk)
    if mfa_services.totp_device_remove(actor=request.user, device=device):
        messages.success(request, _("“%(name)s” was removed.") % {"name": device.name})
        return redirect("accounts:security")
    messages.warning(request, _("You removed your last authenticator app. Set up a new one to continue."))
    return redirect(f"{reverse('accounts:mfa_enrol')}?next={reverse('accounts:security')}")
