"""Issuing and revoking a person's API token; the services that call these write the audit event."""

import secrets

from portal.accounts.models import ApiToken, hash_secret


def api_token_create(*, user) -> str:
    """Replace the user's token with a new one; returns the key, which exists nowhere else afterwards."""
    revoke_api_tokens(user=user)
    key = secrets.token_hex(20)
    ApiToken.objects.create(user=user, key_hash=hash_secret(key), prefix=key[:6])
    return key


def revoke_api_tokens(*, user) -> int:
    """Delete the user's token (and any token kept in clear by an older release). Returns how many."""
    from rest_framework.authtoken.models import Token

    deleted = ApiToken.objects.filter(user=user).delete()[0]
    return deleted + Token.objects.filter(user=user).delete()[0]
