"""Standing credentials that other apps issue to a user, revoked with the user's second factors.

Deactivating a user or resetting their MFA removes every credential that would let them in without
signing in again. Accounts revokes its own (authenticator apps, backup codes, API tokens); an app that
issues another kind (the notifications app's calendar feed links) registers a revoker here from its
AppConfig.ready(), so accounts needs no knowledge of it.
"""

from collections.abc import Callable

# name -> revoke(user) -> how many were removed; the name is the key in the audit event's changes.
_REVOKERS: dict[str, Callable] = {}


def register_credential_revoker(name: str, revoke: Callable) -> None:
    if name in _REVOKERS and _REVOKERS[name] is not revoke:
        raise ValueError(f"a credential revoker named {name!r} is already registered")
    _REVOKERS[name] = revoke


def credential_revokers() -> list[tuple[str, Callable]]:
    return sorted(_REVOKERS.items())
