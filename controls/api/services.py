"""API tokens: one per user, issued after a fresh MFA check, shown once, revocable. Each change is audited."""

from django.db import transaction
from rest_framework.authtoken.models import Token

from controls.audit_actions import ControlAction
from portal.audit.services import audit_record


@transaction.atomic
def api_token_issue(*, user) -> str:
    """Replace the user's token with a new one and return its key (the caller shows it once)."""
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    audit_record(
        action=ControlAction.API_TOKEN_CREATED, actor=user, target=user,
        changes={"replaced_previous": {"before": None, "after": replaced}},
    )
    return token.key


@transaction.atomic
def api_token_revoke(*, user) -> bool:
    """Delete the user's token; False when there was none."""
    deleted = Token.objects.filter(user=user).delete()[0] > 0
    if deleted:
        audit_record(action=ControlAction.API_TOKEN_REVOKED, actor=user, target=user)
    return deleted
