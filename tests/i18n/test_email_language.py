"""Emails and reminders go out in their recipient's language, whoever or whatever triggers them."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_lazy

from portal.accounts import services as account_services
from portal.accounts.roles import Role
from portal.notifications.models import Channel, Notification, NotificationPreference
from portal.notifications.services import notice_send
from portal.notifications.sweep import reminders_sweep
from portal.notifications.tasks import digest_send_task, notification_deliver_task
from tests.factories import UserFactory
from tests.notifications.conftest import emails_for, make_control, only_control_rules  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_control_rules")]

DUE = date(2026, 3, 20)


def test_a_reminder_email_is_written_in_the_owners_language():
    german = UserFactory(email="anna@annex.test", full_name="Anna Schmidt", language="de")
    make_control(owner=german, due=DUE, reference="BK-01", title="Verschlüsselte Sicherungen")
    with translation.override("en"):  # the sweep runs in no particular language
        reminders_sweep(today=DUE - timedelta(days=7))
    notice = emails_for(german).get()
    assert notice.title == "Die Überprüfung von BK-01 Verschlüsselte Sicherungen ist in 7 Tagen fällig"

    notification_deliver_task.delay(notice.pk).get()
    [message] = mail.outbox
    assert message.subject == "[Annex] Die Überprüfung von BK-01 Verschlüsselte Sicherungen ist in 7 Tagen fällig"
    assert message.body.startswith("Hallo Anna,")
    assert "Fällig: 20.03.2026" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html and "In Annex öffnen" in html


def test_owners_in_two_languages_each_get_their_own_on_the_same_sweep():
    german = UserFactory(language="de")
    english = UserFactory(language="en")
    make_control(owner=german, due=DUE, reference="BK-02", title="Backups")
    make_control(owner=english, due=DUE, reference="BK-03", title="Backups")
    reminders_sweep(today=DUE + timedelta(days=1))
    assert emails_for(german).get().title == "Die Überprüfung von BK-02 Backups ist seit 1 Tag überfällig"
    assert emails_for(english).get().title == "Review of BK-03 Backups is overdue by 1 day"


def test_one_overdue_item_is_titled_in_each_recipients_language_owner_manager_and_dpos():
    manager = UserFactory(language="de")
    owner = UserFactory(language="en", manager=manager)
    dpos = [UserFactory(language="de", roles=[Role.DPO]), UserFactory(language="en", roles=[Role.DPO])]
    make_control(owner=owner, due=DUE, reference="BK-04", title="Backups")
    other_owner = UserFactory(language="de")
    make_control(owner=other_owner, due=DUE + timedelta(days=6), reference="BK-05", title="Backups")
    reminders_sweep(today=DUE + timedelta(days=7))
    german = "Die Überprüfung von BK-04 Backups ist seit 7 Tagen überfällig"
    english = "Review of BK-04 Backups is overdue by 7 days"
    assert [emails_for(person).get().title for person in (owner, manager, *dpos)] == [
        english, german, german, english]
    assert emails_for(other_owner).get().title == "Die Überprüfung von BK-05 Backups ist seit 1 Tag überfällig"


def test_a_notice_sent_while_someone_else_browses_in_english_reaches_a_german_recipient_in_german():
    recipient = UserFactory(language="de")
    with translation.override("en"):
        notice_send(recipient=recipient, reason="tests.lazy", title=gettext_lazy("Evidence"), moment="m1",
                    body=gettext_lazy("Nothing changed."), channels=(Channel.IN_APP,))
    notice = Notification.objects.get(recipient=recipient)
    assert (notice.title, notice.body) == ("Nachweise", "Nichts geändert.")


def test_the_daily_digest_is_in_the_recipients_language():
    recipient = UserFactory(language="de", full_name="Jonas Weber")
    NotificationPreference.objects.update_or_create(user=recipient, defaults={"daily_digest": True, "email": True})
    make_control(owner=recipient, due=DUE, reference="BK-04", title="Sicherungen")
    make_control(owner=recipient, due=DUE, reference="BK-05", title="Protokolle")
    reminders_sweep(today=DUE - timedelta(days=7))
    assert digest_send_task.delay(recipient.pk).get() == 2
    [message] = mail.outbox
    assert message.subject == "[Annex] Ihre Erinnerungen: 2 Einträge"
    assert "Ihre Erinnerungen aus Annex:" in message.body and "(fällig am 20.03.2026)" in message.body


def test_an_invitation_is_emailed_in_the_chosen_language(django_capture_on_commit_callbacks):
    admin = UserFactory(roles=[Role.ADMIN])
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        account_services.invitation_create(actor=admin, email="neu@annex.test", full_name="Lena Neu",
                                           roles=[Role.EMPLOYEE], language="de")
        account_services.invitation_create(actor=admin, email="new@annex.test", full_name="Lee New",
                                           roles=[Role.EMPLOYEE], language="en")
    german, english = mail.outbox
    assert german.subject.startswith("Einladung zu Annex") and german.body.startswith("Hallo Lena Neu,")
    assert english.subject.startswith("You are invited to Annex") and english.body.startswith("Hello Lee New,")


def test_an_mfa_reset_notice_follows_the_users_language(django_capture_on_commit_callbacks):
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory(language="de", full_name="Eva Roth")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        account_services.user_reset_mfa(actor=admin, user=user)
    [message] = mail.outbox
    assert message.subject == "Die Zwei-Faktor-Authentifizierung Ihres Annex-Kontos wurde zurückgesetzt"
