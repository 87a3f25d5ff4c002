"""TOTP enrolment, sign-in verification and step-up re-verification."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from portal.accounts import mfa_services
from portal.accounts.forms import OTPCodeForm
from portal.accounts.mfa import user_has_mfa_device


def _next_url(request, default: str = "portal:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(default)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request):
    device = mfa_services.totp_pending_device(user=request.user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa_services.totp_confirm(request=request, device=device, code=form.cleaned_data["code"]):
            messages.success(request, "Two-factor authentication is on. Keep your backup codes safe.")
            return redirect(_next_url(request))
        form.add_error("code", "That code is not valid. Check the time on your device and try again.")
    uri = device.config_url
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111", light="#fff")
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "qr_data_uri": qr,
            "secret": mfa_services.totp_secret_base32(device),
            "next": request.GET.get("next", ""),
            "has_device": user_has_mfa_device(request.user),
        },
    )


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
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
@require_http_methods(["GET", "POST"])
def mfa_step_up(request):
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa_services.mfa_verify_session(request=request, code=form.cleaned_data["code"], step_up=True)
        if result.ok:
            return redirect(_next_url(request))
        form.add_error("code", result.message)
    return render(request, "accounts/mfa_step_up.html", {"form": form, "next": request.GET.get("next", "")})
