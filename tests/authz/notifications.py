from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC, Access

DELIVERY_ADMINS = [Role.ADMIN.value]


def _own_notice(owner) -> dict:
    from portal.notifications.models import Channel, Notification
    from portal.notifications.services import notice_send

    notice_send(recipient=owner, reason="tests.authz", title="A notice", moment="authz")
    return {"pk": Notification.objects.get(recipient=owner, channel=Channel.IN_APP, reason="tests.authz").pk}


def _calendar_token(owner) -> dict:
    from portal.notifications.services_preferences import calendar_feed_issue

    return {"token": calendar_feed_issue(user=owner, actor=owner)}


def _failed_delivery(owner=None) -> dict:
    from portal.notifications.models import Channel, Notification
    from portal.notifications.services import notice_send
    from tests.factories import UserFactory

    person = UserFactory()
    notice_send(recipient=person, reason="tests.authz", title="A lost notice", moment="authz")
    notice = Notification.objects.get(recipient=person, channel=Channel.EMAIL)
    Notification.objects.filter(pk=notice.pk).update(status=Notification.Status.FAILED, last_error="refused")
    return {"pk": notice.pk}


ENTRIES = [
    Access("notifications:list", EVERY_VERIFIED_USER),
    Access("notifications:read", EVERY_VERIFIED_USER, method="post", ok=302, kwargs=_own_notice, outsider=404,
           note="only the recipient's own notices"),
    Access("notifications:read_all", EVERY_VERIFIED_USER, method="post", ok=302),
    Access("notifications:preferences", EVERY_VERIFIED_USER, also={"post": 302}),
    Access("notifications:calendar_issue", EVERY_VERIFIED_USER, method="post", ok=200,
           note="the response shows the new secret link once", step_up=True),
    Access("notifications:calendar_revoke", EVERY_VERIFIED_USER, method="post", ok=302),
    # Calendar apps cannot sign in: the secret token in the URL is the credential.
    Access("notifications:calendar_feed", PUBLIC, anonymous=200, kwargs=_calendar_token, mfa_exempt=True),
    Access("notifications:failed_list", DELIVERY_ADMINS),
    Access("notifications:failed_retry", DELIVERY_ADMINS, method="post", ok=302, kwargs=_failed_delivery),
]
