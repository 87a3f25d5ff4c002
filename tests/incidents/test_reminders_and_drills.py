from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import timezone, translation

from incidents import services
from incidents.reminders import DEADLINE
from incidents.selectors import breach_register, statistics
from portal.core.dashboard import findings_for
from portal.notifications.models import Channel, Notification
from portal.notifications.sweep import reminders_sweep
from tests.controls.factories import CustomerFactory
from tests.incidents.factories import dpo, open_case, responder

pytestmark = pytest.mark.django_db

AWARE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _sweep_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return reminders_sweep(rule_names=[DEADLINE.name])


def _steps(user):
    return sorted(Notification.objects.filter(recipient=user, channel=Channel.IN_APP, reason=DEADLINE.name)
                  .values_list("offset_days", flat=True))


def _case_with_24h_notice(actor, **fields):
    with time_machine.travel(AWARE + timedelta(minutes=5), tick=False):
        return open_case(actor, customers=[CustomerFactory(breach_notice_hours=24)], aware_at=AWARE,
                         detected_at=AWARE, **fields)


def test_each_escalation_reminder_fires_once_however_often_the_sweep_runs():
    owner, officer = responder(), dpo()
    _case_with_24h_notice(owner)
    moment = AWARE
    while moment <= AWARE + timedelta(hours=30):
        _sweep_at(moment)
        _sweep_at(moment)
        moment += timedelta(minutes=30)
    assert _steps(owner) == [50, 75, 90, 100]
    # The DPO hears from 90 % on: the escalation.
    assert _steps(officer) == [90, 100]
    assert Notification.objects.filter(recipient=officer, escalation=True, channel=Channel.IN_APP).count() == 2
    assert all(n.critical for n in Notification.objects.filter(reason=DEADLINE.name))


def test_the_steps_fall_at_50_75_and_90_percent_of_the_time_allowed():
    owner = responder()
    _case_with_24h_notice(owner)
    _sweep_at(AWARE + timedelta(hours=11, minutes=59))
    assert _steps(owner) == []
    _sweep_at(AWARE + timedelta(hours=12))
    assert _steps(owner) == [50]
    _sweep_at(AWARE + timedelta(hours=18))
    _sweep_at(AWARE + timedelta(hours=21, minutes=36))
    assert _steps(owner) == [50, 75, 90]


def test_a_sweep_after_an_outage_sends_only_the_latest_step():
    owner = responder()
    _case_with_24h_notice(owner)
    _sweep_at(AWARE + timedelta(hours=25))
    assert _steps(owner) == [100]


def test_critical_reminders_cannot_be_muted():
    from portal.notifications.models import NotificationPreference

    owner = responder()
    NotificationPreference.objects.create(user=owner, in_app=False, email=False, daily_digest=True)
    _case_with_24h_notice(owner)
    _sweep_at(AWARE + timedelta(hours=13))
    statuses = set(Notification.objects.filter(recipient=owner).values_list("status", flat=True))
    assert statuses and not statuses & {"muted", "digest"}


def test_a_filed_obligation_is_no_longer_reminded_about():
    owner = responder()
    incident = _case_with_24h_notice(owner)
    with time_machine.travel(AWARE + timedelta(hours=2), tick=False):
        services.notice_record(incident=incident, actor=owner, obligation=incident.obligations.get(),
                               channel="email_manual", content="Initial notice.")
    _sweep_at(AWARE + timedelta(hours=23))
    assert _steps(owner) == []


def test_an_exercise_never_sends_a_notice_to_the_real_recipient():
    owner = responder(email="rico@annex.test")
    customer = CustomerFactory(notice_contact_email="privacy@real-customer.example")
    incident = open_case(owner, customers=[customer], is_exercise=True)
    mail.outbox = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        notice = services.notice_record(incident=incident, actor=owner, obligation=incident.obligations.get(),
                                        channel="email", content="Drill notice.")
    assert notice.delivered_to == "rico@annex.test"
    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients == ["rico@annex.test"]
    assert "privacy@real-customer.example" not in recipients
    assert mail.outbox[0].subject.startswith("[EXERCISE]")


def test_a_real_case_emails_the_customers_notice_contact_once():
    owner = responder()
    customer = CustomerFactory(notice_contact_email="privacy@real-customer.example")
    incident = open_case(owner, customers=[customer])
    mail.outbox = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        notice = services.notice_record(incident=incident, actor=owner, obligation=incident.obligations.get(),
                                        channel="email", content="Notice.")
    assert [m.to for m in mail.outbox] == [["privacy@real-customer.example"]]
    assert services.notice_email_send(notice_id=notice.pk) is False  # a retried task sends nothing more
    assert len(mail.outbox) == 1


def test_exercises_stay_out_of_the_breach_register_and_the_statistics():
    owner, officer = responder(), dpo()
    real = open_case(owner, customers=[CustomerFactory()])
    drill = open_case(owner, customers=[CustomerFactory()], is_exercise=True)
    listed = list(breach_register(officer))
    assert real in listed and drill not in listed
    assert statistics(officer)["open"] == 1
    assert drill.obligations.get().is_exercise


def test_a_deadline_reminder_gives_the_time_in_each_recipients_time_zone_and_date_format():
    # Deadline 24 hours after AWARE: 2026-06-02 08:00 UTC.
    owner = responder(time_zone="America/New_York", language="en")
    officers = [dpo(time_zone="Asia/Tokyo", language="en"), dpo(time_zone="", language="en")]  # "": Europe/Berlin
    german_officer = dpo(time_zone="", language="de")
    _case_with_24h_notice(owner)
    _sweep_at(AWARE + timedelta(hours=22))
    titles = [Notification.objects.get(recipient=person, channel=Channel.IN_APP).title
              for person in (owner, *officers)]
    assert [title.rsplit(" is due ", 1)[1] for title in titles] == [
        "2 Jun 2026 04:00", "2 Jun 2026 17:00", "2 Jun 2026 10:00"]
    german = Notification.objects.get(recipient=german_officer, channel=Channel.IN_APP).title
    assert german.startswith("90 % der Frist verbraucht: ") and german.endswith(" ist fällig 02.06.2026 10:00")


def test_an_overdue_reminder_gives_a_german_recipient_the_german_date():
    owner = responder(language="de")
    _case_with_24h_notice(owner)
    _sweep_at(AWARE + timedelta(hours=25))
    title = Notification.objects.filter(recipient=owner, channel=Channel.IN_APP, offset_days=100).get().title
    assert title.startswith("ÜBERFÄLLIG: ") and title.endswith(" war fällig 02.06.2026 10:00")


def test_an_overdue_notification_on_the_programme_report_reads_in_german_with_a_german_date():
    incident = _case_with_24h_notice(responder())
    with time_machine.travel(AWARE + timedelta(hours=25), tick=False), translation.override("de"):
        [finding] = [f["finding"] for f in findings_for(dpo(), today=timezone.localdate(), limit=5)
                     if f["finding"].reference == incident.reference]
        detail = str(finding.detail)
    assert detail.endswith(" überfällig seit 02.06.2026 10:00")
    assert "overdue" not in detail


def test_exercise_reminders_are_labelled():
    owner = responder()
    _case_with_24h_notice(owner, is_exercise=True)
    _sweep_at(AWARE + timedelta(hours=13))
    title = Notification.objects.filter(recipient=owner, channel=Channel.IN_APP).get().title
    assert title.startswith("[EXERCISE]")


def test_the_dashboard_panel_counts_open_cases_and_their_clocks_in_one_query(django_assert_num_queries):
    officer = dpo()
    open_case(responder(), customers=[CustomerFactory(breach_notice_hours=12)], aware_hours_ago=13)  # overdue
    open_case(responder(), customers=[CustomerFactory(breach_notice_hours=24)], aware_hours_ago=2)  # due < 24 h
    open_case(responder(), customers=[CustomerFactory()], is_exercise=True)
    officer.has_perm("incidents.view_incident")  # permissions are loaded once per request
    with django_assert_num_queries(1):
        counts = statistics(officer)
    assert counts == {"open": 2, "overdue": 1, "due_24h": 1}
