"""The TOM annex states only the truth: measures in status with evidence in date; planned ones apart or left out;
a measure that needs attention blocks publishing until the DPO decides; a retired one never comes back."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from controls.audit_actions import AnnexAction
from controls.exports import TOM_ANNEX, tom_annex_snapshot
from controls.models import Control, CustomerControlOverride
from controls.models_annex import AnnexTerms
from controls.services_annex import annex_notify_overstated, attention_decision_record, attention_move_to_planned
from controls.services_evidence import evidence_remove
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.exports.models import AnnexVersion
from portal.exports.services import ExportError, annex_publish
from portal.notifications.models import Notification
from tests.controls.factories import (
    ControlFactory,
    CustomerFactory,
    EvidenceFactory,
    OverrideFactory,
    StatedControlFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _stated(snapshot) -> list[str]:
    return [i["reference"] for s in snapshot["sections"] for i in s["items"]]


def _planned(snapshot) -> list[str]:
    return [i["reference"] for i in snapshot["planned"]]


def test_a_planned_control_never_appears_among_the_implemented_measures():
    customer = CustomerFactory(slug="acme")
    StatedControlFactory(reference="TOM-ENC-01")
    target = timezone.localdate() + timedelta(days=60)
    StatedControlFactory(reference="TOM-ENC-02", status=Control.Status.PLANNED, planned_for=target)
    snapshot = tom_annex_snapshot("acme")
    assert _stated(snapshot) == ["TOM-ENC-01"]
    assert _planned(snapshot) == ["TOM-ENC-02"]
    assert snapshot["planned"][0]["planned_for"] == target.isoformat()
    assert snapshot["measure_count"] == 1

    AnnexTerms.objects.create(customer=customer, planned_measures=AnnexTerms.Planned.OMIT)
    snapshot = tom_annex_snapshot("acme")
    assert _stated(snapshot) == ["TOM-ENC-01"] and _planned(snapshot) == []


def test_an_implemented_control_without_evidence_in_date_is_not_stated():
    CustomerFactory(slug="acme")
    stated = StatedControlFactory(reference="TOM-ENC-01")
    expired = ControlFactory(reference="TOM-ENC-02")
    EvidenceFactory(control=expired, valid_until=timezone.localdate() - timedelta(days=1))
    ControlFactory(reference="TOM-ENC-03")  # no evidence at all
    assert _stated(tom_annex_snapshot("acme")) == ["TOM-ENC-01"]
    dpo = UserFactory(roles=[Role.DPO])
    with pytest.raises(ExportError, match=r"2 measures need the DPO's decision.*TOM-ENC-02, TOM-ENC-03"):
        annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    evidence_remove(evidence=stated.evidence.get(), actor=dpo, reason="Superseded.")
    assert _stated(tom_annex_snapshot("acme")) == []


def test_publishing_is_blocked_by_a_control_that_needs_attention_until_the_dpo_decides(signed_in):
    CustomerFactory(slug="acme")
    StatedControlFactory(reference="TOM-ENC-01")
    shaky = StatedControlFactory(reference="TOM-BCK-01", status=Control.Status.NEEDS_ATTENTION,
                                 attention_reason="review overdue since 01 Nov 2026")
    dpo = UserFactory(roles=[Role.DPO])
    with pytest.raises(ExportError, match=r"1 measure needs the DPO's decision.*TOM-BCK-01"):
        annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    assert not AnnexVersion.objects.exists()

    client, _ = signed_in(Role.DPO, step_up=True)
    page = client.get(reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX, "subject": "acme"}))
    body = page.content.decode()
    assert "1 measure needs a decision before publishing" in body and "Needs attention: review overdue" in body
    assert "Publish version 1" not in body

    response = client.post(reverse("controls:annex_decide_justify", args=[shaky.pk]),
                           {f"justify-{shaky.pk}-justification": ""})
    assert response.status_code == 400 and not shaky.attention_decisions.exists()
    response = client.post(reverse("controls:annex_decide_justify", args=[shaky.pk]),
                           {f"justify-{shaky.pk}-justification": "Restore test ran yesterday; protocol in signature."})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AnnexAction.DECISION_RECORDED)
    assert event.changes["justification"].startswith("Restore test ran yesterday")

    version = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    assert _stated(version.snapshot) == ["TOM-BCK-01", "TOM-ENC-01"]
    stated_on_reason = AuditEvent.objects.get(action=AnnexAction.STATED_ON_JUSTIFICATION)
    assert stated_on_reason.changes["references"] == ["TOM-BCK-01"]

    # Any change to the control asks for a new decision.
    shaky.refresh_from_db()
    Control.objects.filter(pk=shaky.pk).update(version=shaky.version + 1)
    with pytest.raises(ExportError, match="TOM-BCK-01"):
        annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)


def test_moving_a_blocked_control_to_planned_lists_it_apart_with_its_date():
    CustomerFactory(slug="acme")
    StatedControlFactory(reference="TOM-ENC-01")
    shaky = ControlFactory(reference="TOM-BCK-01", status=Control.Status.NEEDS_ATTENTION)
    dpo = UserFactory(roles=[Role.DPO])
    with pytest.raises(Exception, match="will be in place"):
        attention_move_to_planned(control=shaky, actor=dpo, planned_for=None, expected_version=shaky.version)
    target = timezone.localdate() + timedelta(days=30)
    attention_move_to_planned(control=shaky, actor=dpo, planned_for=target, expected_version=shaky.version)
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    assert _stated(version.snapshot) == ["TOM-ENC-01"]
    assert version.snapshot["planned"][0]["reference"] == "TOM-BCK-01"
    assert version.snapshot["planned"][0]["planned_for"] == target.isoformat()


def test_a_decision_is_refused_for_a_measure_that_needs_none():
    control = StatedControlFactory()
    with pytest.raises(Exception, match="does not need a decision"):
        attention_decision_record(control=control, actor=UserFactory(roles=[Role.DPO]), justification="Because.")


def test_a_retired_control_stays_out_of_the_annex_despite_an_inclusion():
    customer = CustomerFactory(slug="acme")
    old = StatedControlFactory(reference="TOM-OLD-01", status=Control.Status.RETIRED, applies_to_all_services=False)
    OverrideFactory(customer=customer, control=old, mode=CustomerControlOverride.Mode.INCLUDE)
    snapshot = tom_annex_snapshot("acme")
    assert "TOM-OLD-01" not in _stated(snapshot) + _planned(snapshot)


def test_a_category_emptied_by_exclusions_says_so_with_the_dpos_reason():
    customer = CustomerFactory(slug="acme")
    support_desk = StatedControlFactory(reference="TOM-MIN-02", scc_category="data_minimisation")
    OverrideFactory(customer=customer, control=support_desk, reason="Acme runs its own support desk.")
    [section] = [s for s in tom_annex_snapshot("acme")["sections"] if s["id"] == "data_minimisation"]
    assert section["items"] == [] and not section["not_applicable"]
    assert section["excluded"] == [{"reference": "TOM-MIN-02", "title": support_desk.title,
                                    "reason": "Acme runs its own support desk."}]
    assert section["statement"] == "No measure of this category is part of this annex."
    assert "other" not in section["statement"]


def test_when_a_published_measure_falls_out_of_status_the_dpo_is_told_and_the_overview_shows_it(signed_in):
    CustomerFactory(slug="acme")
    control = StatedControlFactory(reference="TOM-ENC-01")
    StatedControlFactory(reference="TOM-LOG-01", scc_category="events_logging")
    dpo_client, dpo = signed_in(Role.DPO, step_up=True)
    annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    assert annex_notify_overstated() == 0

    Control.objects.filter(pk=control.pk).update(status=Control.Status.NEEDS_ATTENTION)
    assert annex_notify_overstated() == 1
    assert annex_notify_overstated() == 0, "told once per change"
    [told] = Notification.objects.filter(reason="controls.annex_overstated", recipient=dpo, channel="in_app")
    assert "TOM-ENC-01" in told.title

    body = dpo_client.get(reverse("exports:annex_list")).content.decode()
    assert "Overstates: TOM-ENC-01" in body
    body = dpo_client.get(reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX, "subject": "acme"})).content
    assert "states as implemented what no longer is: TOM-ENC-01" in body.decode()


def test_the_all_customers_annex_is_for_download_only_and_notifies_nobody(signed_in, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    CustomerFactory(slug="acme")
    StatedControlFactory()
    client, dpo = signed_in(Role.DPO, step_up=True)
    body = client.get(reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX, "subject": "all"})).content
    assert "for download only: publishing it notifies nobody" in body.decode()
    with django_capture_on_commit_callbacks(execute=True):
        version = annex_publish(kind_name=TOM_ANNEX, subject_key="", actor=dpo)
    assert mailoutbox == [] and version.effective_on == timezone.localdate()
