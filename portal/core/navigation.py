"""The main navigation, filled by each app from its `navigation.py` (autodiscovered at start-up).

Each entry names the permission that may see it, and the template only renders what
`navigation_for(user)` returns, so a link is never shown to someone it would 403. A backbone
never names a domain's pages: the domain registers its own entries, as it does its dashboard panels.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from portal.core.links import cached_reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # "app_label.codename"; None = every verified user
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    _ITEMS[item.url_name] = item
    return item


def registered() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda item: (item.order, item.url_name))


register(NavItem(_("Dashboard"), "portal:dashboard", order=0))


def _url(url_name: str) -> str | None:
    try:
        return cached_reverse(url_name)
    except NoReverseMatch:  # an app not yet wired in is simply not shown
        return None


def navigation_for(user, current_path: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    # One permission set per request (cached on the user), instead of a backend round per item.
    perms = user.get_all_permissions() if user.is_active else set()
    items = []
    for item in registered():
        if item.permission and item.permission not in perms:
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        items.append({"label": item.label, "url": url, "active": False})
    # The page belongs to the entry whose address is the longest prefix of it: /training/report/ is the
    # training report's, not also "My training" at /training/.
    matching = [i for i in items if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return items
