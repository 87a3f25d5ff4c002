"""Loading the TOM catalogue goes through the control services: a new control gets its first review date, each
category statement change is its own audit event, and a second load changes nothing."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from controls.catalogue_loader import CATALOGUE_FILE, load_catalogue
from controls.categories import category_ids
from controls.models import CategoryStatement, Control
from controls.services import add_months, control_create
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _catalogue(tmp_path, edit) -> str:
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_control_the_catalogue_adds_is_first_reviewed_one_cadence_after_it_is_loaded():
    load_catalogue()
    today = timezone.localdate()
    for control in Control.objects.all():
        assert control.next_review_due == add_months(today, control.review_cadence_months), control.reference
        assert control.status == Control.Status.PLANNED and control.version == 1 and control.catalogue_hash


def test_the_first_load_records_each_category_statement_with_its_own_event():
    load_catalogue()
    events = AuditEvent.objects.filter(action="control.statement_changed")
    assert sorted(e.target_label for e in events) == sorted(category_ids())
    assert all(e.actor_label == "TOM catalogue" for e in events)


def test_each_changed_category_statement_writes_its_own_event_and_a_second_load_none(tmp_path):
    load_catalogue()
    first, second = sorted(category_ids())[:2]

    def reword(data):
        for entry in data["categories"]:
            if entry["id"] in (first, second):
                entry["statement"] = f"Reworded statement on {entry['id']}."

    path = _catalogue(tmp_path, reword)
    before = AuditEvent.objects.filter(action="control.statement_changed").count()
    report = load_catalogue(path=path)

    assert sorted(report.statements_changed) == [first, second]
    events = list(AuditEvent.objects.filter(action="control.statement_changed").order_by("seq")[before:])
    assert sorted(e.target_label for e in events) == [first, second]
    assert {e.changes["statement"]["after"] for e in events} == {f"Reworded statement on {c}." for c in (first, second)}
    assert CategoryStatement.objects.get(scc_category=second).statement == f"Reworded statement on {second}."

    count = AuditEvent.objects.count()
    again = load_catalogue(path=path)
    assert not again.changed and AuditEvent.objects.count() == count


def test_a_statement_changed_outside_the_catalogue_is_a_conflict_and_kept(tmp_path):
    load_catalogue()
    category = sorted(category_ids())[0]
    CategoryStatement.objects.filter(scc_category=category).update(statement="Our own wording.")

    def reword(data):
        next(e for e in data["categories"] if e["id"] == category)["statement"] = "The catalogue's new wording."

    events = AuditEvent.objects.count()
    report = load_catalogue(path=_catalogue(tmp_path, reword))
    assert report.conflicts == {f"category {category}": ["statement"]}
    assert CategoryStatement.objects.get(scc_category=category).statement == "Our own wording."
    assert AuditEvent.objects.count() == events


def test_a_catalogue_update_goes_through_the_control_service_with_one_event_by_the_catalogue(tmp_path):
    load_catalogue()

    def retitle(data):
        next(c for c in data["controls"] if c["reference"] == "TOM-TRN-01")["title"] = "TLS 1.3 on every connection"

    report = load_catalogue(path=_catalogue(tmp_path, retitle))

    assert report.updated == ["TOM-TRN-01"]
    control = Control.objects.get(reference="TOM-TRN-01")
    event = AuditEvent.objects.filter(action="control.updated", target_id=str(control.pk)).get()
    assert event.actor_label == "TOM catalogue" and set(event.changes) == {"title"}
    assert control.version == 2 and control.title == "TLS 1.3 on every connection"


def test_a_new_catalogue_control_related_to_a_loaded_one_is_linked_both_ways_without_a_conflict(tmp_path):
    load_catalogue()

    def add(data):
        template = next(c for c in data["controls"] if c["reference"] == "TOM-TRN-01")
        data["controls"].append({**template, "reference": "TOM-TRN-09", "title": "TLS for the mail relay",
                                 "related": ["TOM-TRN-01"]})

    path = _catalogue(tmp_path, add)
    report = load_catalogue(path=path)

    assert report.created == ["TOM-TRN-09"] and "TOM-TRN-01" in report.updated and not report.conflicts
    new = Control.objects.get(reference="TOM-TRN-09")
    assert "TOM-TRN-01" in set(new.related.values_list("reference", flat=True))
    assert "TOM-TRN-09" in set(Control.objects.get(reference="TOM-TRN-01").related.values_list("reference", flat=True))
    assert not load_catalogue(path=path).changed


def test_a_control_added_with_its_review_already_past_needs_attention_at_once():
    dpo = UserFactory(roles=[Role.DPO])
    control = control_create(actor=dpo, reference="OLD-CTL-01", title="Imported measure", description="From 2019.",
                             scc_category="events_logging", status=Control.Status.IMPLEMENTED,
                             next_review_due=timezone.localdate() - timedelta(days=1))
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION
    assert control.status_before_attention == Control.Status.IMPLEMENTED
    assert AuditEvent.objects.filter(action="control.status_changed", target_id=str(control.pk)).count() == 1
