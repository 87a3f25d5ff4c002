"""What other apps do when a person's roles change.

Accounts changes roles (an administrator's `user_set_roles`, an accepted invitation). An app whose work follows
the roles (training assigns courses by role) registers a listener here from its AppConfig.ready(), so accounts
needs no knowledge of it. A listener runs inside the change's transaction with the user's id; it queues its own
work with `transaction.on_commit`, so a change that rolls back sets nothing off.
"""

from collections.abc import Callable

_LISTENERS: dict[str, Callable[[int], None]] = {}


def register_roles_listener(name: str, listener: Callable[[int], None]) -> None:
    if name in _LISTENERS and _LISTENERS[name] is not listener:
        raise ValueError(f"a roles listener named {name!r} is already registered")
    _LISTENERS[name] = listener


def roles_changed(user_id: int) -> None:
    """Tell every registered app that this user's roles changed."""
    for _name, listener in sorted(_LISTENERS.items()):
        listener(user_id)
