"""The person's latest unread notices on their home page (portal.core.dashboard), one query."""

from portal.core.dashboard import Panel, register
from portal.notifications.selectors import notifications_for

NOTICES_SHOWN = 5


def _my_notices(user) -> dict:
    unread = notifications_for(user).filter(read_at__isnull=True).order_by("-created_at", "-pk").only(
        "title", "link", "critical", "created_at")
    return {"notices": list(unread[:NOTICES_SHOWN])}


register(Panel(name="notifications.mine", template="notifications/partials/_dashboard_panel.html",
               context=_my_notices, order=20))
