"""Each posture card's figures against data built in the test, and the lists its figures link to."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from controls.models_subprocessors import ChangeNotice
from incidents.models import Incident, Obligation
from portal.accounts.roles import Role
from portal.core.dashboard import posture_for
from portal.exports.models import AnnexVersion
from portal.retention.models import RetentionPolicy, RetentionRun
from tests.controls.factories import (
    ControlFactory,
    CustomerFactory,
    EvidenceFactory,
    ServiceFactory,
    StatedControlFactory,
)
from tests.controls.factories_subprocessors import SubProcessorFactory
from tests.factories import UserFactory
from tests.incidents.factories import open_case
from tests.training.factories import AssignmentFactory, DepartmentFactory, ProfileFactory
from training.selectors import completion_overall

pytestmark = pytest.mark.django_db


def _card(name: str, role: str = Role.DPO):
    cards = {card["name"]: card["data"] for card in posture_for(UserFactory(roles=[role]))}
    return cards.get(name)


def _figures(data) -> dict[str, object]:
    return {str(figure.label): figure.value for figure in data.figures}


def _table(data, caption: str) -> dict[str, list]:
    table = next(t for t in data.tables if str(t.caption) == caption)
    return {str(label): values for label, _url, values in table.rows}


def test_the_controls_card_counts_the_status_mix_and_the_coverage_by_category():
    ControlFactory.create_batch(2, status=Control.Status.VERIFIED, scc_category="pseudonymisation_encryption")
    ControlFactory(status=Control.Status.PLANNED, scc_category="pseudonymisation_encryption")
    ControlFactory(status=Control.Status.NEEDS_ATTENTION, scc_category="physical_security")
    ControlFactory(status=Control.Status.RETIRED, scc_category="physical_security")

    data = _card("controls.status")

    assert _figures(data) == {"controls in force": 4, "verified": 2, "implemented": 0, "planned": 1,
                              "need attention": 1}
    categories = _table(data, "By SCC measure category")
    encryption = next(values for label, values in categories.items() if "encryption" in label.lower())
    assert encryption == [3, 2, 0, 67]  # in force, in place, need attention, coverage %
    assert len(categories) == 17
    assert all(str(t.caption) != "By the eight control objectives (Kontrollziele)" for t in data.tables)


def test_the_controls_card_breaks_down_by_the_german_control_objectives_once_controls_carry_them(client):
    ControlFactory(tags=["zutrittskontrolle", "physical"], status=Control.Status.VERIFIED)
    ControlFactory(tags=["Zutrittskontrolle"], status=Control.Status.PLANNED)
    ControlFactory(tags=["trennungsgebot"], status=Control.Status.IMPLEMENTED)

    objectives = _table(_card("controls.status"), "By the eight control objectives (Kontrollziele)")

    assert len(objectives) == 8
    assert objectives["Physical access control (Zutrittskontrolle)"] == [2, 1]
    assert objectives["Separation of purposes (Trennungsgebot)"] == [1, 1]
    assert objectives["Input control (Eingabekontrolle)"] == [0, 0]


def test_reviews_overdue_and_due_and_evidence_expiring_are_counted_and_their_lists_hold_the_same_controls(signed_in):
    today = timezone.localdate()
    late = ControlFactory(reference="TOM-LATE-01", next_review_due=today - timedelta(days=1))
    soon = ControlFactory(reference="TOM-SOON-01", next_review_due=today + timedelta(days=30))
    ControlFactory(reference="TOM-LATER-01", next_review_due=today + timedelta(days=31))
    ControlFactory(reference="TOM-GONE-01", status=Control.Status.RETIRED, next_review_due=today)
    EvidenceFactory(control=late, valid_until=today + timedelta(days=30))
    EvidenceFactory(control=soon, valid_until=today + timedelta(days=31))
    EvidenceFactory(control=soon, valid_until=today - timedelta(days=1))  # already expired: not "expiring"

    data = _card("controls.reviews")

    assert _figures(data) == {"reviews overdue": 1, "reviews due in 30 days": 1, "evidence items expire in 30 days": 1}
    client, _dpo = signed_in(Role.DPO)
    for figure, expected in zip(data.figures, (["TOM-LATE-01"], ["TOM-SOON-01"], ["TOM-LATE-01"]), strict=True):
        page = client.get(figure.url).content.decode()
        shown = sorted(ref for ref in ("TOM-LATE-01", "TOM-SOON-01", "TOM-LATER-01", "TOM-GONE-01") if ref in page)
        assert shown == expected, figure.url


def test_the_objective_tag_filter_lists_the_controls_filed_under_it(signed_in):
    ControlFactory(reference="TOM-DOOR-01", tags=["zutrittskontrolle"])
    ControlFactory(reference="TOM-DOORS-02", tags=["zutrittskontrolle-extra"])
    ControlFactory(reference="TOM-NET-01", tags=["network"])
    client, _dpo = signed_in(Role.DPO)
    page = client.get(reverse("controls:list"), {"tag": "zutrittskontrolle"}).content.decode()
    assert "TOM-DOOR-01" in page and "TOM-DOORS-02" not in page and "TOM-NET-01" not in page


@time_machine.travel("2026-06-15 12:00 +02:00", tick=False)
def test_the_incident_card_counts_open_cases_their_clocks_and_this_years_breaches_on_time_and_late():
    customer = CustomerFactory(name="Northwind")
    now = timezone.now()
    waiting = open_case(customers=[customer], title="Waiting")
    overdue = open_case(customers=[customer], title="Overdue")
    drill = open_case(customers=[customer], title="Drill", is_exercise=True)
    Obligation.objects.filter(incident=waiting).update(deadline_at=now + timedelta(hours=5))
    Obligation.objects.filter(incident=overdue).update(deadline_at=now - timedelta(hours=2))
    Obligation.objects.filter(incident=drill).update(deadline_at=now - timedelta(hours=2))
    for title, filed_at, late in (("On time", now - timedelta(days=30), False),
                                  ("Late", now - timedelta(days=20), True),
                                  ("Last year", now - timedelta(days=200), True)):
        case = open_case(customers=[customer], title=title)
        Obligation.objects.filter(incident=case).update(status=Obligation.Status.FILED, filed_at=filed_at,
                                                        filed_late=late)
        Incident.objects.filter(pk=case.pk).update(phase="closed")

    data = _card("incidents.posture")

    assert _figures(data) == {"open incidents": 2, "notifications overdue": 1, "notifications due within 24 hours": 1,
                              "breaches notified on time this year": 1, "breaches notified late this year": 1}
    assert str(data.note) == f"Nearest deadline: {overdue.reference}, notification to Northwind, overdue by 2 h 0 min."


def test_the_training_card_shows_completion_overall_and_by_department_with_the_overdue_count():
    today = timezone.localdate()
    sales, ops = DepartmentFactory(name="Sales"), DepartmentFactory(name="Operations")
    people = [ProfileFactory(department=sales).user for _ in range(3)] + [ProfileFactory(department=ops).user]
    for person, status in zip(people, ("completed", "completed", "completed", "assigned"), strict=True):
        AssignmentFactory(user=person, status=status, due_date=today - timedelta(days=1))

    data = _card("training.completion")

    assert _figures(data)["completion"] == 75.0  # 3 of 4 employees
    assert completion_overall(today)["rate"] == 75.0  # the training report's figure, summed by course
    assert _figures(data)["assignments overdue"] == 1
    by_department = _table(data, "By department")
    assert by_department == {"Operations": [1, 0, 0.0, 1], "Sales": [3, 3, 100.0, 0]}


def test_the_retention_card_counts_policy_reviews_due_and_names_the_last_run():
    today = timezone.localdate()
    for key, due in (("late", -1), ("soon", 30), ("later", 31)):
        RetentionPolicy.objects.create(key=key, period_months=12, action="delete", data_category=key, system="ERP",
                                       purpose="Accounting", legal_basis="Art. 6(1)(c) GDPR", counts_from="creation",
                                       next_review_due=today + timedelta(days=due))
    RetentionRun.objects.create(status=RetentionRun.Status.DONE, trigger=RetentionRun.Trigger.NIGHTLY,
                                started_at=timezone.now() - timedelta(days=2), finished_at=timezone.now(),
                                counts={"exports.jobs": {"done": 4}, "notifications": {"done": 3}})

    data = _card("retention.posture")

    assert _figures(data) == {"policy reviews overdue": 1, "policy reviews due in 30 days": 1,
                              "days since the last retention run": 2}
    assert "Completed, 7 records deleted or anonymised." in str(data.note)


def test_a_published_annex_overstates_the_register_once_a_measure_it_states_is_set_back_to_planned():
    dpo = UserFactory(roles=[Role.DPO])
    # Implemented with evidence in date: what the annex itself states as implemented (controls/annex_truth.py).
    kept = StatedControlFactory(reference="TOM-KEPT-01", status=Control.Status.IMPLEMENTED)
    dropped = StatedControlFactory(reference="TOM-DROP-01", status=Control.Status.IMPLEMENTED)
    for number, references in ((1, ["TOM-OLD-01"]), (2, [kept.reference, dropped.reference])):
        AnnexVersion.objects.create(
            kind="controls.tom_annex", subject_key="northwind", subject_label="Northwind", number=number,
            title="TOM", snapshot={"sections": [{"items": [{"reference": r} for r in references]}]},
            content_sha256=f"{number}" * 64, snapshot_sha256=f"{number}" * 64, file_name="a.pdf", file_path="x",
            file_sha256="0" * 64, file_size=1, published_by=dpo)
    assert _figures(_card("controls.annexes"))["published annexes state measures that are not in place"] == 0

    Control.objects.filter(pk=dropped.pk).update(status=Control.Status.PLANNED)
    data = _card("controls.annexes")

    assert _figures(data)["published annexes state measures that are not in place"] == 1
    assert _table(data, "Annexes that overstate the register") == {"Northwind (v2)": [1]}


def _publish(dpo, subject: str, number: int, references: list[str]) -> AnnexVersion:
    digest = f"{subject}-{number}".ljust(64, "0")
    return AnnexVersion.objects.create(
        kind="controls.tom_annex", subject_key=subject, subject_label=subject.title(), number=number, title="TOM",
        snapshot={"sections": [{"items": [{"reference": r} for r in references]}]}, content_sha256=digest,
        snapshot_sha256=digest, file_name="a.pdf", file_path="x", file_sha256="0" * 64, file_size=1, published_by=dpo)


def test_the_annexes_card_decodes_each_published_snapshot_once_and_reads_a_new_version_when_it_is_published(
        django_assert_num_queries):
    from controls.annex_truth import overstating_annexes

    dpo = UserFactory(roles=[Role.DPO])
    kept = StatedControlFactory(reference="TOM-KEPT-01", status=Control.Status.IMPLEMENTED)
    planned = StatedControlFactory(reference="TOM-PLAN-01", status=Control.Status.PLANNED)
    _publish(dpo, "northwind", 1, [kept.reference])
    _publish(dpo, "contoso", 1, [kept.reference])

    with django_assert_num_queries(5):  # the versions, their snapshots, the controls, evidence and decisions
        assert overstating_annexes() == []
    with django_assert_num_queries(4):  # the stated measures of published versions are kept: no snapshot read
        assert overstating_annexes() == []

    _publish(dpo, "northwind", 2, [kept.reference, planned.reference])
    with django_assert_num_queries(5):  # only the new version's snapshot
        rows = overstating_annexes()
    assert [(row["label"], row["references"]) for row in rows] == [("Northwind (v2)", [planned.reference])]


def test_the_sub_processor_card_counts_changes_waiting_on_customers_and_open_objections():
    from controls import services_subprocessors

    dpo = UserFactory(roles=[Role.DPO])
    hosting = ServiceFactory(slug="hosting")
    for name in ("Northwind", "Contoso"):
        CustomerFactory(name=name, notice_contact_email=f"dpo@{name.lower()}.example").services.set([hosting])
    change = services_subprocessors.subprocessor_change_open(
        actor=dpo, subprocessor=SubProcessorFactory(), kind="addition", services=[hosting],
        reason="Faster backups.", planned_from=timezone.localdate())
    notice = change.notices.order_by("pk").first()
    services_subprocessors.notice_record_response(notice=notice, actor=dpo, response=ChangeNotice.Response.OBJECTED,
                                                  by_name="Their DPO", note="No transfers to the US.",
                                                  expected_version=notice.version)

    assert _figures(_card("controls.subprocessors")) == {
        "announced changes waiting on customers (notice period or approval)": 1, "objections open": 1}


def test_cards_follow_their_own_permission_besides_the_posture():
    open_case(customers=[CustomerFactory()])
    assert _card("incidents.posture", Role.DPO) is not None
    assert _card("incidents.posture", Role.AUDITOR) is None  # auditors read no case
    assert _card("controls.status", Role.SECURITY_OFFICER) is None  # a control owner sees their own, not the posture
    assert posture_for(UserFactory(roles=[Role.EMPLOYEE])) == []
