"""API tokens: one per user, issued after a fresh MFA check, shown once and stored only as a hash, revocable.
Each change is audited."""

from django.db import transaction

from controls.audit_actions import ControlAction
from portal.accounts.models import ApiToken
from portal.accounts.tokens import api_token_create, revoke_api_tokens
from portal.audit.services import audit_record


def user_has_api_token(*, user) -> bool:
    return ApiToken.objects.filter(user=user).exists()


@transaction.atomic
def api_token_issue(*, user) -> str:
    """Replace the user's token with a new one and return its key (the caller shows it once)."""
    replaced = user_has_api_token(user=user)
    key = api_token_create(user=user)
    audit_record(
        action=ControlAction.API_TOKEN_CREATED, actor=user, target=user,
        changes={"replaced_previous": {"before": None, "after": replaced}},
    )
    return key


@transaction.atomic
def api_token_revoke(*, user) -> bool:
    """Delete the user's token; False when there was none."""
    deleted = revoke_api_tokens(user=user) > 0
    if deleted:
        audit_record(action=ControlAction.API_TOKEN_REVOKED, actor=user, target=user)
    return deleted
