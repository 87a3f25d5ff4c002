"""The home page of each role: the DPO, administrators and auditors see the programme's posture; a control owner
their controls; a responder their cases with countdowns; an employee their training and notices."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from incidents import services as incident_services
from incidents.models import Obligation
from incidents.services_obligations import next_deadline_refresh
from portal.accounts.roles import Role
from portal.core.models import MetricSnapshot
from portal.core.services import metrics_snapshot_take
from portal.notifications.models import Channel, Notification
from tests.controls.factories import ControlFactory, CustomerFactory, EvidenceFactory
from tests.controls.factories_subprocessors import objected_change
from tests.factories import UserFactory
from tests.incidents.factories import open_case
from tests.training.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

# Rendering the posture and trends afresh (once a minute), and the home page in between: the user's own parts.
FRESH_QUERY_CAP = 32
KEPT_QUERY_CAP = 17  # with the inbox's case tasks, sub-processor objections and TOM annex objections


def _home(client):
    return client.get(reverse("portal:dashboard")).content.decode()


def _section(html: str, marker: str, end: str = "</section>") -> str:
    part = html[html.index(marker):]
    return part[:part.index(end)]


def test_a_dpo_sees_the_posture_cards_the_trends_the_report_and_their_own_reviews_in_the_inbox(signed_in):
    client, dpo = signed_in(Role.DPO)
    today = timezone.localdate()
    own = ControlFactory(owner=dpo, reference="TOM-OWN-01", status=Control.Status.IMPLEMENTED,
                         next_review_due=today - timedelta(days=3))
    ControlFactory(status=Control.Status.NEEDS_ATTENTION, next_review_due=today + timedelta(days=10))
    ControlFactory(status=Control.Status.RETIRED, next_review_due=today - timedelta(days=90))
    EvidenceFactory(control=own, valid_until=today + timedelta(days=5))
    metrics_snapshot_take(day=today)

    html = _home(client)

    controls = _section(html, 'id="card-controlsstatus"')
    assert "<strong>2</strong> <span>controls in force</span>" in controls  # the retired one does not count
    assert "<strong>1</strong> <span>need attention</span>" in controls
    reviews = _section(html, 'id="card-controlsreviews"')
    assert "<strong>1</strong> <span>reviews overdue</span>" in reviews
    assert "<strong>1</strong> <span>evidence items expire in 30 days</span>" in reviews
    assert "Review TOM-OWN-01" in html and "overdue by 3 days" in html  # in the task inbox
    assert 'id="trend-controlsstatus"' in html
    assert 'value="core.programme_report|"' in html
    assert 'id="my-controls"' not in html  # the DPO's own reviews are in the inbox, not a panel


def test_each_posture_figure_links_to_the_filtered_list_behind_it(signed_in):
    client, _dpo = signed_in(Role.DPO)
    html = _home(client)
    for link in ('href="/controls/?status=needs_attention"', 'href="/controls/?overdue=on"',
                 'href="/controls/?due=review_30"', 'href="/controls/?due=evidence_30"',
                 f'href="{reverse("incidents:register")}"', f'href="{reverse("training:report")}"',
                 f'href="{reverse("retention:policy_list")}"', f'href="{reverse("exports:annex_list")}"',
                 f'href="{reverse("subprocessors:list")}"'):
        assert link in html, link


def test_an_employee_sees_none_of_the_programme_figures_only_their_training_and_notices(signed_in):
    client, employee = signed_in(Role.EMPLOYEE)
    ControlFactory(status=Control.Status.NEEDS_ATTENTION)
    metrics_snapshot_take(day=timezone.localdate())
    AssignmentFactory(user=employee, course__title="Phishing awareness")
    Notification.objects.create(key="k" * 64, recipient=employee, channel=Channel.IN_APP, reason="test",
                                title="Your certificate is ready", status=Notification.Status.SENT)

    html = _home(client)

    assert 'id="posture"' not in html and 'id="trends"' not in html and "card-" not in html
    assert "core.programme_report" not in html and "controls in force" not in html
    assert 'id="training-heading"' in html and "Phishing awareness" in html
    assert _section(html, 'id="notices"').count("Your certificate is ready") == 1
    assert client.get(reverse("portal:trend_chart", args=["controls.status"])).status_code == 404


def test_a_control_owner_sees_their_own_controls_and_not_the_programme(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    today = timezone.localdate()
    ControlFactory(owner=officer, next_review_due=today - timedelta(days=1))
    ControlFactory(owner=officer, status=Control.Status.NEEDS_ATTENTION, next_review_due=today + timedelta(days=5))
    ControlFactory(status=Control.Status.NEEDS_ATTENTION)  # someone else's

    html = _home(client)

    mine = _section(html, 'id="my-controls"')
    assert "<strong>2</strong> <span>controls you own</span>" in mine
    assert "<strong>1</strong> <span>need attention</span>" in mine
    assert "<strong>1</strong> <span>reviews overdue</span>" in mine
    assert "<strong>1</strong> <span>reviews due within 30 days</span>" in mine
    assert f'href="/controls/?owner={officer.pk}&amp;status=needs_attention"' in mine
    assert 'id="posture"' not in html and 'id="trends"' not in html


def test_a_responder_sees_their_open_cases_nearest_deadline_first_with_a_countdown(signed_in):
    client, responder = signed_in(Role.INCIDENT_RESPONDER)
    customer = CustomerFactory()
    later = open_case(responder, title="Lost laptop", customers=[customer])
    sooner = open_case(responder, title="Misdirected email", customers=[customer])
    open_case(title="Someone else's case", customers=[customer])
    for case, hours in ((later, 48), (sooner, 10)):
        assert Obligation.objects.filter(incident=case).update(deadline_at=timezone.now() + timedelta(hours=hours))
    next_deadline_refresh([later.pk, sooner.pk])  # as the obligation services do after changing a deadline

    cases = _section(_home(client), 'id="cases"')

    assert cases.index("Misdirected email") < cases.index("Lost laptop")
    assert "Someone else" not in cases
    assert "due in 9 h 59 min" in cases or "due in 10 h 0 min" in cases
    assert 'data-hx-trigger="every 60s"' in cases


def test_the_cases_panel_is_refreshed_on_its_own_and_an_unknown_part_is_a_404(signed_in):
    client, responder = signed_in(Role.INCIDENT_RESPONDER)
    open_case(responder, title="Lost laptop")
    url = reverse("portal:dashboard")

    part = client.get(url, {"part": "incidents.cases"}, HTTP_HX_REQUEST="true")

    assert part.status_code == 200 and part.content.decode().lstrip().startswith("<section")
    assert "Lost laptop" in part.content.decode() and "<html" not in part.content.decode()
    assert client.get(url, {"part": "controls.mine"}, HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(url, {"part": "nothing"}, HTTP_HX_REQUEST="true").status_code == 404


def test_an_auditor_sees_the_posture_but_no_incident_figures(signed_in):
    client, _auditor = signed_in(Role.AUDITOR)
    open_case(title="Lost laptop")
    html = _home(client)
    assert 'id="card-controlsstatus"' in html and 'id="card-trainingcompletion"' in html
    assert 'id="card-incidentsposture"' not in html and "Lost laptop" not in html


def _programme(dpo, *, size: int):
    """Every domain populated, `size` of each: controls, evidence, cases with clocks, training, figures."""
    today = timezone.localdate()
    for i in range(size):
        control = ControlFactory(owner=dpo, next_review_due=today + timedelta(days=i % 40 - 5),
                                 status=Control.Status.NEEDS_ATTENTION if i % 3 else Control.Status.VERIFIED,
                                 tags=["zutrittskontrolle"] if i % 2 else [])
        EvidenceFactory(control=control, valid_until=today + timedelta(days=i % 30))
        AssignmentFactory(**({"user": dpo} if i % 5 == 0 else {}), due_date=today + timedelta(days=i % 20 - 10))
    customer = CustomerFactory()
    for i in range(max(1, size // 5)):
        case = open_case(dpo, aware_hours_ago=i + 1, customers=[customer])
        incident_services.task_add(incident=case, actor=dpo, title=f"Case task {i}", owner=dpo,
                                   due_on=today + timedelta(days=i))
        incident_services.task_add(incident=case, actor=dpo, title=f"Follow-up {i}", control=control,
                                   owner=UserFactory())
        objected_change(dpo, customer_name=None)
    for back in range(size):
        metrics_snapshot_take(day=today - timedelta(days=back))


def test_the_dpo_home_page_runs_the_same_queries_for_a_small_and_a_large_programme(signed_in):
    client, dpo = signed_in(Role.DPO)
    url = reverse("portal:dashboard")
    _programme(dpo, size=3)
    client.get(url)  # the first request after sign-in also stamps the session
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _programme(dpo, size=40)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    with CaptureQueriesContext(connection) as cached:
        client.get(url)

    assert MetricSnapshot.objects.filter(source="controls.status").values("day").distinct().count() == 40
    assert len(small) == len(large) <= FRESH_QUERY_CAP, [q["sql"][:80] for q in large]
    assert len(cached) <= KEPT_QUERY_CAP, [q["sql"][:80] for q in cached]


def test_the_posture_is_kept_for_a_minute_then_shows_the_changes(signed_in):
    client, _dpo = signed_in(Role.DPO)
    ControlFactory(status=Control.Status.NEEDS_ATTENTION)
    assert "<strong>1</strong> <span>need attention</span>" in _home(client)
    ControlFactory(status=Control.Status.NEEDS_ATTENTION)
    assert "<strong>1</strong> <span>need attention</span>" in _home(client)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert "<strong>2</strong> <span>need attention</span>" in _home(client)
