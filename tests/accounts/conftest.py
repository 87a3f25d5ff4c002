import time

from django_otp.oath import TOTP

from portal.audit.models import AuditEvent


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """What the authenticator app shows for this device now (or a number of 30-second steps later)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=str(action)).order_by("seq"))
