from functools import cache

from portal.notifications.selectors import unread_count


def unread_notifications(request):
    """The bell's unread count: one COUNT query, run only if a template shows it, and at most once."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}

    @cache
    def count() -> int:
        return unread_count(user)

    return {"notifications_unread": count}
