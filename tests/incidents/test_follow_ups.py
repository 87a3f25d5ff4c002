"""Follow-up tasks reach the people who must do them: case tasks in their owner's inbox, lessons learned in the
inbox of the control's owner and on the control's page, with links only to what each reader may open."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Task
from portal.accounts.roles import Role
from portal.core.inbox import inbox_for
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory, CustomerFactory
from tests.factories import UserFactory
from tests.incidents.factories import ASSESSMENT_INPUT, dpo, open_case, responder

pytestmark = pytest.mark.django_db


def _closed_with_follow_up(control, title="Require a second reviewer for exports."):
    """A case closed the way a responder closes one, leaving a follow-up task on `control`."""
    actor = responder()
    incident = open_case(actor, customers=[CustomerFactory()])
    services.notice_record(incident=incident, actor=actor, obligation=incident.obligations.get(),
                           channel="email_manual", content="Notice.")
    services.assessment_record(incident=incident, actor=actor, inputs=dict(ASSESSMENT_INPUT, subjects=0))
    services.assessment_decide(incident=incident, actor=dpo(), notify_authority=False, communicate_subjects=False)
    return services.incident_close(incident=incident, actor=actor, what_happened="Export misrouted.",
                                   root_cause="Address autocomplete.", lessons="Confirm recipients.",
                                   follow_ups=[(control, title)])


def _inbox(client):
    return client.get(reverse("portal:dashboard")).context["inbox"]


def test_a_follow_up_reaches_the_control_owner_who_is_not_on_the_case_and_leads_to_the_control(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer, reference="TOM-EXP-01")
    incident = _closed_with_follow_up(control)

    [task] = _inbox(client)

    assert task["title"] == "Follow up on TOM-EXP-01: Require a second reviewer for exports."
    assert task["url"] == reverse("controls:detail", args=[control.pk])
    assert str(task["kind"]) == "Follow-up task"
    # The owner still may not open the case: the control page names it without a link.
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code in (403, 404)
    page = client.get(task["url"]).content.decode()
    section = page[page.index('id="follow-ups"'):page.index("</section>", page.index('id="follow-ups"'))]
    assert "Require a second reviewer for exports." in section and incident.reference in section
    assert reverse("incidents:detail", args=[incident.pk]) not in section


def test_the_dpo_sees_the_follow_up_on_the_control_page_with_a_link_to_the_case(signed_in):
    client, _dpo = signed_in(Role.DPO)
    control = ControlFactory(owner=UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Olga Owner"))
    incident = _closed_with_follow_up(control)

    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()

    section = page[page.index('id="follow-ups"'):]
    assert f'<a href="{reverse("incidents:detail", args=[incident.pk])}">{incident.reference}</a>' in section
    assert "Olga Owner" in section


def test_a_done_follow_up_leaves_the_inbox_and_the_control_page(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    incident = _closed_with_follow_up(control)
    services.task_complete(task=incident.tasks.get(), actor=dpo())

    assert _inbox(client) == []
    assert 'id="follow-ups"' not in client.get(reverse("controls:detail", args=[control.pk])).content.decode()


def test_a_case_task_is_in_its_owners_inbox_with_its_due_date_and_leads_to_the_case(signed_in):
    client, worker = signed_in(Role.INCIDENT_RESPONDER)
    incident = open_case(worker, title="Phishing wave")
    due = timezone.localdate() + timedelta(days=2)
    services.task_add(incident=incident, actor=worker, title="Reset the affected passwords", owner=worker,
                      due_on=due)
    services.task_add(incident=incident, actor=worker, title="Someone else's task", owner=responder())

    tasks = [t for t in _inbox(client) if str(t["kind"]) == "Case task"]

    assert [(t["title"], t["due"], t["days"]) for t in tasks] == [
        (f"Reset the affected passwords (case {incident.reference})", due, 2)]
    assert tasks[0]["url"] == reverse("incidents:detail", args=[incident.pk])


def test_a_case_task_owner_who_may_open_neither_the_case_nor_a_control_sees_it_without_a_link(signed_in):
    client, outsider = signed_in(Role.INCIDENT_RESPONDER)
    worker = responder()
    incident = open_case(worker)
    services.task_add(incident=incident, actor=worker, title="Send the firewall logs", owner=outsider)

    [task] = _inbox(client)

    assert task["url"] == ""
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert f"<li>Send the firewall logs (case {incident.reference}) <span" in html


def test_a_follow_up_owned_on_the_owners_own_control_is_listed_once(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    _closed_with_follow_up(ControlFactory(owner=officer))
    assert len(_inbox(client)) == 1


def _tasks(control, owner, n: int, start: int = 0):
    worker = responder()
    incident = open_case(worker)
    for i in range(start, start + n):
        services.task_add(incident=incident, actor=worker, title=f"Task {i}", owner=owner, control=control,
                          due_on=timezone.localdate() + timedelta(days=i))
        services.task_add(incident=incident, actor=worker, title=f"Case task {i}", owner=owner,
                          due_on=timezone.localdate() + timedelta(days=i))


def test_the_inbox_reads_the_tasks_and_follow_ups_in_the_same_queries_for_1_and_20_of_each():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER, Role.INCIDENT_RESPONDER])
    control = ControlFactory(owner=officer)
    today = timezone.localdate()

    def count() -> int:
        user = type(officer).objects.get(pk=officer.pk)  # a fresh user: its permissions are read again
        with CaptureQueriesContext(connection) as ctx:
            inbox_for(user, today)
        return len(ctx.captured_queries)

    _tasks(control, officer, 1)
    small = count()
    _tasks(control, officer, 19, start=1)
    large = count()

    assert Task.objects.filter(owner=officer).count() == 40
    assert small == large


def test_the_control_page_runs_the_same_queries_for_1_and_20_follow_ups(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    url = reverse("controls:detail", args=[control.pk])
    _tasks(control, UserFactory(full_name="Olga Owner"), 1)
    client.get(url)  # the first request after sign-in also writes the session
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _tasks(control, UserFactory(full_name="Paul Owner"), 19, start=1)
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content.decode()
    assert body.count("<li>Task ") == 20 and "Paul Owner" in body
    assert len(small) == len(large)


def test_the_inbox_offers_a_case_task_to_an_assignee_through_the_case_and_to_the_dpo(client):
    worker, officer = responder(), dpo()
    incident = open_case(worker)
    services.task_add(incident=incident, actor=worker, title="Brief the DPO", owner=officer)
    sign_in(client, officer)
    [task] = _inbox(client)
    assert task["url"] == reverse("incidents:detail", args=[incident.pk])
