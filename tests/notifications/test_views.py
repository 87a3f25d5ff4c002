from datetime import date, timedelta

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.notifications.models import CalendarFeed, Channel, Notification, NotificationPreference
from portal.notifications.services import notice_send
from tests.factories import UserFactory
from tests.notifications.conftest import make_control

pytestmark = pytest.mark.django_db


def notices_for(user, count: int, **fields) -> list[Notification]:
    for n in range(count):
        notice_send(recipient=user, reason="tests.event", title=f"Notice {n}", moment=f"m{n}", **fields)
    return list(Notification.objects.filter(recipient=user, channel=Channel.IN_APP))


def failed_email(**fields) -> Notification:
    person = UserFactory()
    notice_send(recipient=person, reason="tests.event", title="Lost notice", moment="x")
    notice = Notification.objects.get(recipient=person, channel=Channel.EMAIL)
    Notification.objects.filter(pk=notice.pk).update(status=Notification.Status.FAILED, attempts=6,
                                                     last_error="SMTPServerDisconnected: gone", **fields)
    notice.refresh_from_db()
    return notice


# --- list and bell ---------------------------------------------------------------------------------------

def test_the_list_shows_only_my_notices(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    notices_for(me, 2)
    notices_for(UserFactory(), 1)
    Notification.objects.filter(recipient=me, title="Notice 0").update(title="Mine")

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert [n.recipient_id for n in response.context["page"].object_list] == [me.pk, me.pk]
    assert b"Mine" in response.content


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries, count):
    client, me = signed_in(Role.EMPLOYEE)
    notices_for(me, count)

    with django_assert_max_num_queries(11):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["page"].object_list) == count


def test_the_bell_shows_the_unread_count(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    notices = notices_for(me, 3)
    Notification.objects.filter(pk=notices[0].pk).update(read_at=notices[0].created_at)

    response = client.get(reverse("portal:dashboard"))

    assert b'<span class="badge">2</span>' in response.content


def test_the_unread_count_counts_only_the_persons_shown_unread_notices():
    from portal.notifications.selectors import notifications_for, unread_count

    me, other, muted = UserFactory(), UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=muted, in_app=False)
    mine = notices_for(me, 4)  # each also has an email row, which is not counted
    notices_for(other, 2)
    notices_for(muted, 2)
    Notification.objects.filter(pk=mine[0].pk).update(read_at=mine[0].created_at)

    assert unread_count(me) == 3 == notifications_for(me).filter(read_at__isnull=True).count()
    assert unread_count(other) == 2 and unread_count(muted) == 0


def test_muted_in_app_notices_do_not_appear(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    NotificationPreference.objects.create(user=me, in_app=False)
    notices_for(me, 1)

    response = client.get(reverse("notifications:list"))

    assert list(response.context["page"].object_list) == []


# --- mark read ---------------------------------------------------------------------------------------------

def test_marking_a_notice_read_records_it_once(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    [notice] = notices_for(me, 1)

    response = client.post(reverse("notifications:read", args=[notice.pk]))

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.NOTIFICATION_READ, target_id=str(notice.pk)).count() == 1


def test_marking_a_notice_read_over_htmx_returns_the_row(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    [notice] = notices_for(me, 1)

    response = client.post(reverse("notifications:read", args=[notice.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f'id="notification-{notice.pk}"'.encode() in response.content
    assert b"Mark as read" not in response.content


def test_someone_elses_notice_is_not_found(signed_in):
    client, _ = signed_in(Role.DPO)
    [notice] = notices_for(UserFactory(), 1)

    response = client.post(reverse("notifications:read", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_read_refuses_get(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    [notice] = notices_for(me, 1)

    assert client.get(reverse("notifications:read", args=[notice.pk])).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    [notice] = notices_for(UserFactory(), 1)

    response = client.post(reverse("notifications:read", args=[notice.pk]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_mark_all_read_touches_only_my_unread_notices(signed_in):
    client, me = signed_in(Role.EMPLOYEE)
    notices_for(me, 3)
    [other] = notices_for(UserFactory(), 1)

    response = client.post(reverse("notifications:read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=me, channel=Channel.IN_APP, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert AuditEvent.objects.get(action=AuditAction.NOTIFICATIONS_ALL_READ).changes == {"count": 3}


# --- preferences -------------------------------------------------------------------------------------------

def test_saving_preferences_records_what_changed(signed_in):
    client, me = signed_in(Role.EMPLOYEE)

    response = client.post(reverse("notifications:preferences"), {"in_app": "on", "email": "on", "daily_digest": "on"})

    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=me)
    assert (pref.in_app, pref.email, pref.daily_digest) == (True, True, True)
    event = AuditEvent.objects.get(action=AuditAction.NOTIFICATION_PREFERENCES_CHANGED)
    assert event.changes == {"daily_digest": {"before": False, "after": True}}


def test_a_digest_without_email_is_refused_and_the_form_keeps_the_input(signed_in):
    client, me = signed_in(Role.EMPLOYEE)

    response = client.post(reverse("notifications:preferences"), {"in_app": "on", "daily_digest": "on"})

    assert response.status_code == 400
    assert b"switch reminder emails on" in response.content
    assert response.context["form"]["daily_digest"].value() is True
    assert not NotificationPreference.objects.filter(user=me).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.NOTIFICATION_PREFERENCES_CHANGED).exists()


# --- calendar ----------------------------------------------------------------------------------------------

def issue_calendar(client) -> str:
    response = client.post(reverse("notifications:calendar_issue"))
    assert response.status_code == 200
    return response.context["calendar_url"]


def test_the_calendar_link_is_shown_once_and_stored_hashed(signed_in):
    client, me = signed_in(Role.SECURITY_OFFICER, step_up=True)

    url = issue_calendar(client)

    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get(user=me).token_hash == CalendarFeed.hash_token(token)
    assert token not in client.get(reverse("notifications:preferences")).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.CALENDAR_FEED_ISSUED).count() == 1


def test_the_calendar_feed_lists_my_due_dates_without_a_session(signed_in, client):
    signed, me = signed_in(Role.SECURITY_OFFICER, step_up=True)
    today = date.today()
    make_control(owner=me, due=today + timedelta(days=10), reference="BK-01", title="Encrypted backups")
    make_control(owner=UserFactory(), due=today + timedelta(days=10), reference="XX-99")
    url = issue_calendar(signed)
    signed.logout()

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Review due: BK-01 Encrypted backups" in body
    assert f"DTSTART;VALUE=DATE:{(today + timedelta(days=10)):%Y%m%d}" in body
    assert "XX-99" not in body


def test_a_replaced_or_revoked_calendar_link_stops_working(signed_in, client):
    signed, _ = signed_in(Role.EMPLOYEE, step_up=True)
    first = issue_calendar(signed)
    second = issue_calendar(signed)

    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    assert signed.post(reverse("notifications:calendar_revoke")).status_code == 302
    assert client.get(second).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.CALENDAR_FEED_REVOKED).count() == 1


def test_an_unknown_calendar_token_is_not_found(client, db):
    assert client.get(reverse("notifications:calendar_feed", args=["not-a-token"])).status_code == 404


# --- failed deliveries -------------------------------------------------------------------------------------

def test_admins_see_failed_deliveries(signed_in):
    client, _ = signed_in(Role.ADMIN)
    notice = failed_email()

    response = client.get(reverse("notifications:failed_list"))

    assert response.status_code == 200
    assert b"SMTPServerDisconnected: gone" in response.content and notice.recipient.email.encode() in response.content


@pytest.mark.parametrize("count", [2, 20])
def test_the_failed_list_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries, count):
    client, _ = signed_in(Role.ADMIN)
    for _ in range(count):
        failed_email()

    with django_assert_max_num_queries(11):
        response = client.get(reverse("notifications:failed_list"))
    assert len(response.context["page"].object_list) == count


def test_other_roles_may_not_see_failed_deliveries(signed_in):
    client, _ = signed_in(Role.DPO)

    assert client.get(reverse("notifications:failed_list")).status_code == 403


def test_an_admin_retry_queues_the_notice_again(signed_in, django_capture_on_commit_callbacks):
    from django.core import mail

    mail.outbox = []
    client, admin = signed_in(Role.ADMIN)
    notice = failed_email()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:failed_retry", args=[notice.pk]))

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT and len(mail.outbox) == 1
    event = AuditEvent.objects.get(action=AuditAction.NOTIFICATION_DELIVERY_RETRIED)
    assert event.actor == admin and event.target_id == str(notice.pk)


def test_a_retry_by_another_role_is_refused(signed_in):
    client, _ = signed_in(Role.DPO)
    notice = failed_email()

    assert client.post(reverse("notifications:failed_retry", args=[notice.pk])).status_code == 403
    notice.refresh_from_db()
    assert notice.status == Notification.Status.FAILED


def test_only_failed_notices_can_be_retried(signed_in):
    client, _ = signed_in(Role.ADMIN)
    person = UserFactory()
    notice_send(recipient=person, reason="tests.event", title="Fine", moment="y")
    sent = Notification.objects.get(recipient=person, channel=Channel.EMAIL)

    assert client.post(reverse("notifications:failed_retry", args=[sent.pk])).status_code == 404


def test_the_page_showing_the_calendar_secret_is_never_cached(signed_in):
    client, _ = signed_in(Role.SECURITY_OFFICER, step_up=True)
    response = client.post(reverse("notifications:calendar_issue"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
