"""The main navigation: each entry names the roles (or permission) that may see it.

Apps add their entries here as they gain pages; the template only renders what
`navigation_for(user)` returns, so a link is never shown to someone it would 403.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch

from portal.core.links import cached_reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # "app_label.codename"; None = every verified user


NAVIGATION: list[NavItem] = [
    NavItem("Dashboard", "portal:dashboard"),
    NavItem("Controls", "controls:list", "controls.view_control"),
    NavItem("Customers", "customers:list", "controls.view_customer"),
    NavItem("Exports", "exports:list"),
    NavItem("Users", "accounts:user_list", "accounts.view_user"),
    NavItem("My security", "accounts:security"),
    NavItem("API token", "api:tokens", "controls.view_control"),
    NavItem("Audit trail", "audit:event_list", "audit.view_auditevent"),
    NavItem("Failed deliveries", "notifications:failed_list", "notifications.retry_delivery"),
]


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
    for item in NAVIGATION:
        if item.permission and item.permission not in perms:
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        items.append({"label": item.label, "url": url, "active": active})
    return items
