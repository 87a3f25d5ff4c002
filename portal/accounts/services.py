"""Every write to accounts goes through here: one transaction, one audit event."""

from django.contrib.auth import login as django_login
from django.db import transaction

from portal.audit.models import AuditAction
from portal.audit.services import audit_record


@transaction.atomic
def user_sign_in(*, request, user) -> None:
    """Start a password-authenticated session (rotated); MFA is still to come."""
    django_login(request, user)  # cycles the session key
    audit_record(action=AuditAction.LOGIN, actor=user, target=user)


def user_sign_in_failed(*, email: str) -> None:
    audit_record(action=AuditAction.LOGIN_FAILED, target_type="accounts.user", target_label=email[:254])
