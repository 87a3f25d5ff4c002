"""Writes for MFA: enrolment, verification, step-up, backup codes, device removal. Each audited."""

import base64
import math
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django_otp import login as otp_login

from portal.accounts.mfa import mark_mfa_verified, mfa_recently_verified, user_has_mfa_device
from portal.accounts.models import BackupCode, BackupCodeDevice, TOTPDevice, hash_secret, normalise_backup_code
from portal.audit.models import AuditAction
from portal.audit.services import audit_record

BACKUP_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper.
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
INVALID_CODE = gettext_lazy("That code is not valid. Wait for a new code and try again.")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str = ""
    backup_codes: tuple[str, ...] = ()


def throttled_message(locked_until) -> str:
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return ngettext("Too many wrong codes. Wait %(seconds)d second before trying again.",
                    "Too many wrong codes. Wait %(seconds)d seconds before trying again.",
                    seconds) % {"seconds": seconds}


def totp_pending_device(*, user) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (created on first visit, reused after)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=gettext_noop("Authenticator app"), confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_config_url(device: TOTPDevice) -> str:
    """The otpauth:// URI of the QR code. The label's colon is literal (`Annex:user@example.org`), as the key URI
    format asks, so every authenticator splits issuer and account the same way (django-otp writes `%3A`)."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = f"{quote(issuer, safe='')}:{quote(device.user.get_username(), safe='@')}"
    params = urlencode({"secret": totp_secret_base32(device), "issuer": issuer, "algorithm": "SHA1",
                        "digits": device.digits, "period": device.step}, quote_via=quote)
    return f"otpauth://totp/{label}?{params}"


def _new_backup_code() -> str:
    raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _issue_backup_codes(*, user) -> list[str]:
    BackupCodeDevice.objects.filter(user=user).delete()
    device = BackupCodeDevice.objects.create(user=user, name=gettext_noop("Backup codes"), confirmed=True)
    codes = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(_new_backup_code())
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=hash_secret(normalise_backup_code(code))) for code in codes
    )
    return sorted(codes)


def backup_codes_remaining(*, user) -> int:
    return BackupCode.objects.filter(device__user=user, device__confirmed=True, used_at__isnull=True).count()


@transaction.atomic
def backup_codes_regenerate(*, actor) -> list[str]:
    """Replace the user's backup codes with ten new ones; the plaintext is returned once, never stored."""
    codes = _issue_backup_codes(user=actor)
    audit_record(action=AuditAction.MFA_BACKUP_CODES_ISSUED, actor=actor, target=actor,
                 changes={"count": (None, len(codes))})
    return codes


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, code: str) -> VerifyResult:
    """Confirm a pending device with a first valid code and verify the session with it.

    A first enrolment (no unused backup codes yet) also issues the backup codes.
    """
    if user_has_mfa_device(request.user) and not (request.user.is_verified() and mfa_recently_verified(request)):
        # Adding a factor when one exists needs that factor, freshly: otherwise a stolen password alone
        # could enrol an attacker's authenticator and pass MFA with it.
        return VerifyResult(False, _("Confirm it's you with your existing authenticator first."))
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, info = device.verify_is_allowed()
    if not allowed or not device.verify_token(code):
        audit_record(action=AuditAction.MFA_FAILED, actor=request.user, target=request.user,
                     changes={"stage": ("", "enrolment")})
        message = throttled_message(info["locked_until"]) if not allowed else (
            _("That code is not valid. Check the time on your device and try again."))
        return VerifyResult(False, message)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    request.session.cycle_key()
    otp_login(request, device)
    mark_mfa_verified(request)
    audit_record(action=AuditAction.MFA_ENROLLED, actor=request.user, target=request.user,
                 changes={"device": ("", device.name)})
    codes: list[str] = []
    if backup_codes_remaining(user=request.user) == 0:
        codes = _issue_backup_codes(user=request.user)
        audit_record(action=AuditAction.MFA_BACKUP_CODES_ISSUED, actor=request.user, target=request.user,
                     changes={"count": (None, len(codes))})
    return VerifyResult(True, backup_codes=tuple(codes))


def _candidate_devices(user, code: str):
    """Six digits go to the authenticator apps, anything else to the backup codes.

    Routing by shape keeps a backup code from counting as a failed TOTP attempt (and the reverse).
    """
    model = TOTPDevice if (code.isascii() and code.isdigit() and len(code) == 6) else BackupCodeDevice
    return list(model.objects.devices_for_user(user, confirmed=True).select_for_update())


@transaction.atomic
def mfa_verify_session(*, request, code: str, step_up: bool = False) -> VerifyResult:
    """Check a code against the user's confirmed devices; on success mark the session verified.

    Failed codes are throttled per device (django-otp's exponential back-off): while a device is
    throttled even the right code is refused.
    """
    user = request.user
    stage = "step-up" if step_up else "sign-in"
    devices = _candidate_devices(user, code)
    checks = [(d, *d.verify_is_allowed()) for d in devices]
    allowed = [d for d, ok, _ in checks if ok]
    locked_until = [info["locked_until"] for _, ok, info in checks if not ok and "locked_until" in (info or {})]
    device = next((d for d in allowed if d.verify_token(code)), None)
    if device is None:
        throttled = bool(devices) and not allowed
        message = throttled_message(min(locked_until)) if throttled and locked_until else INVALID_CODE
        audit_record(action=AuditAction.MFA_FAILED, actor=user, target=user,
                     changes={"stage": ("", stage), "throttled": (None, throttled)})
        return VerifyResult(False, message)
    if not step_up:
        request.session.cycle_key()
    otp_login(request, device)
    mark_mfa_verified(request)
    if isinstance(device, BackupCodeDevice):
        audit_record(action=AuditAction.MFA_BACKUP_CODE_USED, actor=user, target=user,
                     changes={"stage": ("", stage), "remaining": (None, device.remaining())})
    else:
        audit_record(action=AuditAction.MFA_STEP_UP if step_up else AuditAction.MFA_VERIFIED, actor=user,
                     target=user, changes={"device": ("", device.name)})
    return VerifyResult(True)


@transaction.atomic
def totp_device_remove(*, actor, device: TOTPDevice) -> bool:
    """Remove one of the actor's authenticator apps. Returns whether a confirmed one remains.

    Backup codes alone are not a second factor: removing the last app removes them too.
    """
    name = device.name
    device.delete()
    remaining = TOTPDevice.objects.filter(user=actor, confirmed=True).exists()
    if not remaining:
        BackupCodeDevice.objects.filter(user=actor).delete()
    audit_record(action=AuditAction.MFA_DEVICE_REMOVED, actor=actor, target=actor,
                 changes={"device": (name, None), "last_device": (None, not remaining)})
    return remaining
