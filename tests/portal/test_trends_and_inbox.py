from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from controls.models import Control
from portal.accounts.roles import Role
from portal.core import metrics
from portal.core.models import MetricSnapshot
from portal.core.services import metrics_snapshot_take
from tests.controls.factories import ControlFactory, EvidenceFactory
from tests.portal.test_dashboard import FRESH_QUERY_CAP

pytestmark = pytest.mark.django_db


def _figures(source: str) -> dict[str, float]:
    return dict(MetricSnapshot.objects.filter(source=source).values_list("key", "value"))


def test_the_status_mix_and_what_is_late_are_counted_from_the_register():
    today = timezone.localdate()
    ControlFactory.create_batch(2, status=Control.Status.VERIFIED)
    late = ControlFactory(status=Control.Status.IMPLEMENTED, next_review_due=today - timedelta(days=1))
    ControlFactory(status=Control.Status.PLANNED)
    ControlFactory(status=Control.Status.RETIRED, next_review_due=today - timedelta(days=400))
    EvidenceFactory(control=late, valid_until=today + timedelta(days=30))
    EvidenceFactory(control=late, valid_until=today + timedelta(days=31))

    metrics_snapshot_take(day=today)

    assert _figures("controls.status") == {"verified": 2, "implemented": 1, "planned": 1, "needs_attention": 0}
    assert _figures("controls.late") == {"reviews_overdue": 1, "evidence_expiring": 1}


def test_the_snapshot_run_twice_on_one_day_keeps_one_row_per_figure_with_the_latest_value():
    ControlFactory(status=Control.Status.PLANNED)
    with time_machine.travel("2026-11-28 08:00 +01:00"):
        call_command("snapshot_metrics")
        ControlFactory(status=Control.Status.PLANNED)
        call_command("snapshot_metrics")
    rows = MetricSnapshot.objects.filter(source="controls.status", key="planned")
    assert rows.count() == 1 and rows.get().value == 2
    assert MetricSnapshot.objects.filter(source="controls.status").count() == 4


def test_a_dry_run_stores_nothing():
    ControlFactory()
    call_command("snapshot_metrics", "--dry-run")
    assert not MetricSnapshot.objects.exists()


def test_a_source_that_computes_an_undeclared_figure_is_refused(monkeypatch):
    monkeypatch.setattr(metrics, "_SOURCES", {})
    metrics.register(metrics.MetricSource(name="demo.x", title=_("X"), series=(("a", _("A")),),
                                          compute=lambda day: {"a": 1, "b": 2}))
    with pytest.raises(ValueError, match="does not declare"):
        metrics_snapshot_take(day=timezone.localdate())
    assert not MetricSnapshot.objects.exists()


def test_the_dpo_sees_each_trend_as_a_chart_with_its_figures_as_a_table(signed_in):
    client, _dpo = signed_in(Role.DPO)
    today = timezone.localdate()
    for back, planned in ((2, 5), (1, 4), (0, 3)):
        MetricSnapshot.objects.create(day=today - timedelta(days=back), source="controls.status", key="planned",
                                      value=planned)
    MetricSnapshot.objects.create(day=today - timedelta(days=120), source="controls.status", key="planned", value=9)

    html = client.get(reverse("portal:dashboard")).content.decode()

    assert "Trends over the last 90 days" in html
    chart = html[html.index('id="trend-controlsstatus"'):]
    chart = chart[:chart.index("</figure>")]
    src = reverse("portal:trend_chart", args=["controls.status"])
    assert f'src="{src}"' in chart and "Controls by status over the last 3 days" in chart
    assert chart.count("<tr><td>") == 3  # the 120-day-old figure is outside the window
    assert "<td class=\"num\">5</td>" in chart and "<td class=\"num\">9</td>" not in chart
    image = client.get(src)
    assert image.status_code == 200 and image["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in image.content and b"<script" not in image.content and b"<desc" not in image.content
    assert client.get(reverse("portal:trend_chart", args=["controls.late"])).status_code == 404  # no figures yet


def test_an_employee_sees_no_programme_trends(signed_in):
    client, _employee = signed_in(Role.EMPLOYEE)
    MetricSnapshot.objects.create(day=timezone.localdate(), source="controls.status", key="planned", value=3)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "Controls by status" not in html and "Trends over the last 90 days" not in html


def test_the_inbox_lists_the_owners_reviews_and_expiring_evidence_overdue_first(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    today = timezone.localdate()
    ControlFactory(owner=officer, reference="TOM-LATE-01", next_review_due=today - timedelta(days=3))
    soon = ControlFactory(owner=officer, reference="TOM-SOON-01", next_review_due=today + timedelta(days=10))
    ControlFactory(owner=officer, reference="TOM-LATER-01", next_review_due=today + timedelta(days=90))
    ControlFactory(reference="TOM-OTHER-01", next_review_due=today - timedelta(days=5))
    EvidenceFactory(control=soon, title="Pen test report", valid_until=today + timedelta(days=1))

    inbox = client.get(reverse("portal:dashboard")).context["inbox"]

    assert [task["title"].split(":")[0] for task in inbox] == [
        "Review TOM-LATE-01", "Renew evidence for TOM-SOON-01", "Review TOM-SOON-01",
    ]
    assert inbox[0]["overdue_by"] == 3


def test_an_employee_without_tasks_is_told_so(signed_in):
    client, _employee = signed_in(Role.EMPLOYEE)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "Nothing is assigned to you and due." in html


def test_the_dashboard_with_trends_runs_the_same_queries_for_30_and_90_days_of_figures(signed_in):
    client, dpo = signed_in(Role.DPO)
    today = timezone.localdate()

    def figures(days):
        for back in range(days):
            metrics_snapshot_take(day=today - timedelta(days=back))

    ControlFactory.create_batch(3, owner=dpo, next_review_due=today)
    figures(30)
    client.get(reverse("portal:dashboard"))
    cache.clear()  # the trends are drawn afresh, not taken from the minute's cache
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:dashboard"))
    ControlFactory.create_batch(20, owner=dpo, next_review_due=today)
    figures(90)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:dashboard"))
    assert len(few) == len(many) <= FRESH_QUERY_CAP


def test_the_training_completion_rate_is_snapshotted_from_the_assignments():
    from tests.training.factories import AssignmentFactory

    today = timezone.localdate()
    for status in ("completed", "completed", "completed", "assigned"):
        AssignmentFactory(status=status, due_date=today - timedelta(days=1))

    metrics_snapshot_take(day=today)

    assert _figures("training.completion") == {"completion_rate": 75.0}
    assert _figures("training.overdue") == {"overdue": 1}


def test_an_employees_open_training_is_in_their_inbox(signed_in):
    from tests.training.factories import AssignmentFactory

    client, employee = signed_in(Role.EMPLOYEE)
    AssignmentFactory(user=employee, due_date=timezone.localdate() + timedelta(days=7))
    AssignmentFactory(due_date=timezone.localdate())  # someone else's

    inbox = client.get(reverse("portal:dashboard")).context["inbox"]

    assert len(inbox) == 1 and inbox[0]["title"].startswith("Complete the course") and inbox[0]["days"] == 7


def test_the_dpo_inbox_has_a_sub_processor_assessment_and_an_owned_retention_policy_review(signed_in):
    from portal.retention.models import RetentionPolicy
    from tests.controls.factories_subprocessors import SubProcessorFactory

    client, dpo = signed_in(Role.DPO)
    today = timezone.localdate()
    SubProcessorFactory(legal_name="Hosting GmbH", slug="hosting-gmbh", next_assessment_due=today - timedelta(days=2))
    SubProcessorFactory(legal_name="Later Ltd", next_assessment_due=today + timedelta(days=200))
    RetentionPolicy.objects.create(key="inbox-test", period_months=12, action="delete", data_category="Invoices",
                                   system="ERP", purpose="Accounting", legal_basis="Art. 6(1)(c) GDPR",
                                   counts_from="creation", owner=dpo, next_review_due=today + timedelta(days=5))

    inbox = client.get(reverse("portal:dashboard")).context["inbox"]
    titles = [task["title"] for task in inbox]

    assert titles == ["Assess the sub-processor Hosting GmbH", "Review the retention policy “Invoices”"]
    # The task leads to the sub-processor's page, where the assessment is recorded.
    assert inbox[0]["url"] == reverse("subprocessors:detail", args=["hosting-gmbh"])


def test_open_incidents_are_counted_without_exercises():
    from incidents.models import Incident, Phase

    now = timezone.now()
    for reference, phase, exercise in (("INC-T-1", Phase.TRIAGE, False), ("INC-T-2", Phase.TRIAGE, True),
                                       ("INC-T-3", Phase.CLOSED, False)):
        Incident.objects.create(reference=reference, title=reference, phase=phase, detected_at=now, aware_at=now,
                                is_exercise=exercise)

    metrics_snapshot_take(day=timezone.localdate())

    assert _figures("incidents.open") == {"open_incidents": 1, "obligations_overdue": 0}
