"""Writes for MFA: enrolment, verification, step-up. Each audited in its own transaction."""

import base64
from dataclasses import dataclass

from django.db import transaction
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.mfa import mark_mfa_verified
from portal.audit.models import AuditAction
from portal.audit.services import audit_record


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str = ""


def totp_pending_device(*, user) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (created on first visit, reused after)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, code: str) -> bool:
    """Confirm a pending device with a first valid code and verify the session with it."""
    if not device.verify_is_allowed()[0] or not device.verify_token(code):
        audit_record(action=AuditAction.MFA_FAILED, actor=request.user, target=request.user,
                     changes={"stage": ("", "enrolment")})
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    request.session.cycle_key()
    otp_login(request, device)
    mark_mfa_verified(request)
    audit_record(action=AuditAction.MFA_ENROLLED, actor=request.user, target=request.user,
                 changes={"device": ("", device.name)})
    return True


@transaction.atomic
def mfa_verify_session(*, request, code: str, step_up: bool = False) -> VerifyResult:
    """Check a code against the user's confirmed devices; on success mark the session verified."""
    user = request.user
    device = match_token(user, code)
    if device is None:
        audit_record(action=AuditAction.MFA_FAILED, actor=user, target=user,
                     changes={"stage": ("", "step-up" if step_up else "sign-in")})
        return VerifyResult(False, "That code is not valid. Wait for a new code and try again.")
    if not step_up:
        request.session.cycle_key()
    otp_login(request, device)
    mark_mfa_verified(request)
    audit_record(action=AuditAction.MFA_STEP_UP if step_up else AuditAction.MFA_VERIFIED, actor=user, target=user,
                 changes={"device": ("", device.name)})
    return VerifyResult(True)
