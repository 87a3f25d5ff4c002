"""The shape of an authorization-matrix entry. Each area lists its URLs in tests/authz/<area>.py."""

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.accounts.roles import Role

ALL_ROLES = [r.value for r in Role]
EVERY_VERIFIED_USER = "every verified user"
PUBLIC = "public"


@dataclass
class Access:
    """Who may reach one URL name, and with which status.

    allowed: role names that succeed, or EVERY_VERIFIED_USER, or PUBLIC (no sign-in needed).
    kwargs(owner) builds the object the URL points at, on behalf of `owner`, and returns the URL
    kwargs. For object-level URLs the object is made visible to `owner` (assigned, owned...), and
    `outsider` is the status for another user who holds an allowed role but not that object.
    data() gives the POST body. `mfa_exempt` URLs are reachable by a password-only session.
    `method` is the view's main method; `also` names every other method it accepts, with the status an allowed
    principal gets (a form page: its POST); every method in neither is refused with 405. `step_up`: the view
    needs a fresh second factor (require_recent_mfa), and without one sends the user to the step-up page.
    """

    url_name: str
    allowed: list[str] | str
    method: str = "get"
    ok: int | tuple[int, ...] = 200
    denied: int = 403
    kwargs: Callable | None = None
    outsider: int | None = None
    data: Callable[[], dict] | None = None
    mfa_exempt: bool = False
    anonymous: int | None = None  # status for anonymous visitors; default: redirect to login
    unverified: int | None = None  # status for a password-only session; default: redirect to the MFA step
    owner_role: str | None = None  # role of the object's owner and of the outsider; default: first allowed
    note: str = ""
    extra: dict = field(default_factory=dict)
    also: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    step_up: bool = False

    def methods(self) -> list[str]:
        return [self.method, *self.also]

    def ok_for(self, method: str) -> int | tuple[int, ...]:
        return self.ok if method == self.method else self.also[method]

    def allows(self, roles: list[str]) -> bool:
        if self.allowed in (EVERY_VERIFIED_USER, PUBLIC):
            return True
        return bool(set(roles) & set(self.allowed))
