from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Obligation, ObligationTemplate, Severity
from tests.conftest import sign_in
from tests.controls.factories import CustomerFactory
from tests.incidents.factories import dpo, open_case, responder

pytestmark = pytest.mark.django_db


def _keys(incident, status=Obligation.Status.OPEN):
    return sorted((o.title, o.recipient_label, o.hours) for o in incident.obligations.filter(status=status))


def test_each_affected_customer_gets_its_own_notice_with_the_hours_of_its_dpa():
    fast, slow = CustomerFactory(name="Fast AG", breach_notice_hours=12), CustomerFactory(name="Slow SE",
                                                                                         breach_notice_hours=48)
    incident = open_case(customers=[fast, slow])
    assert _keys(incident) == [("Processor's notice to the controller", "Fast AG", 12),
                               ("Processor's notice to the controller", "Slow SE", 48)]
    by_customer = {o.customer_id: o for o in incident.obligations.all()}
    assert by_customer[fast.pk].deadline_at == incident.aware_at + timedelta(hours=12)
    assert by_customer[slow.pk].deadline_at == incident.aware_at + timedelta(hours=48)


def test_the_authority_is_owed_72_hours_only_where_the_organisation_is_controller():
    incident = open_case(customers=[CustomerFactory()])
    assert not incident.obligations.filter(recipient="authority").exists()
    own = open_case(controller_data=True)
    authority = own.obligations.get(recipient="authority")
    assert authority.hours == 72 and authority.legal_reference.startswith("GDPR Art. 33(1)")


def test_nis2_obligations_apply_to_a_significant_incident_of_an_nis2_entity(settings):
    settings.ANNEX_NIS2_ENTITY = True
    incident = open_case(severity=Severity.HIGH)
    nis2 = {o.template.code: o for o in incident.obligations.filter(regime="nis2")}
    assert nis2["nis2-early-warning"].deadline_at == incident.aware_at + timedelta(hours=24)
    assert nis2["nis2-notification"].deadline_at == incident.aware_at + timedelta(hours=72)
    assert nis2["nis2-final-report"].deadline_at is None  # counts from the filing of the notification
    settings.ANNEX_NIS2_ENTITY = False
    assert not open_case(severity=Severity.HIGH).obligations.filter(regime="nis2").exists()


def test_obligations_are_regenerated_when_the_facts_change(settings):
    settings.ANNEX_NIS2_ENTITY = True
    first, second = CustomerFactory(name="First"), CustomerFactory(name="Second")
    actor = responder()
    incident = open_case(actor, customers=[first])
    incident = services.incident_update(incident=incident, actor=actor, expected_version=incident.version,
                                        customers=[second], severity=Severity.CRITICAL)
    assert {o.recipient_label for o in incident.obligations.filter(status="open", regime="contract")} == {"Second"}
    withdrawn = incident.obligations.get(customer=first)
    assert withdrawn.status == Obligation.Status.WITHDRAWN  # kept, never deleted
    assert incident.obligations.filter(regime="nis2", status="open").count() == 3
    incident = services.incident_update(incident=incident, actor=actor, expected_version=incident.version,
                                        customers=[first, second])
    assert incident.obligations.get(customer=first).status == Obligation.Status.OPEN


def test_a_case_ruled_not_a_breach_withdraws_its_open_obligations():
    actor = responder()
    incident = open_case(actor, customers=[CustomerFactory()])
    services.incident_set_phase(incident=incident, actor=actor, phase="not_breach",
                                reason="Only test data was in the bucket.")
    assert not incident.obligations.filter(status="open").exists()


def test_later_edits_to_a_template_do_not_rewrite_an_obligation():
    incident = open_case(controller_data=True)
    ObligationTemplate.objects.filter(code="sa-art33").update(hours=24, title="Changed title")
    authority = incident.obligations.get(recipient="authority")
    assert (authority.hours, authority.title) == (72, "Notification to the supervisory authority")
    assert authority.deadline_at == incident.aware_at + timedelta(hours=72)


def test_72_hours_are_elapsed_hours_across_the_spring_dst_change():
    # Berlin moves from CET to CEST at 02:00 on 29 March 2026: 72 hours later is 13:00 local, not 12:00.
    aware = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)  # 12:00 CET
    with time_machine.travel(aware + timedelta(hours=1), tick=False):
        incident = open_case(controller_data=True, aware_at=aware, detected_at=aware)
    deadline = timezone.localtime(incident.obligations.get(recipient="authority").deadline_at)
    assert deadline - aware == timedelta(hours=72)
    assert (deadline.day, deadline.hour, deadline.tzname()) == (31, 13, "CEST")


def test_72_hours_are_elapsed_hours_across_the_autumn_dst_change():
    aware = datetime(2026, 10, 24, 10, 0, tzinfo=UTC)  # 12:00 CEST; clocks go back on 25 October
    with time_machine.travel(aware + timedelta(hours=1), tick=False):
        incident = open_case(controller_data=True, aware_at=aware, detected_at=aware)
    deadline = timezone.localtime(incident.obligations.get(recipient="authority").deadline_at)
    assert (deadline.day, deadline.hour, deadline.tzname()) == (27, 11, "CET")


def test_the_nis2_final_report_is_due_one_calendar_month_after_the_notification_is_filed(settings):
    settings.ANNEX_NIS2_ENTITY = True
    aware = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    actor = responder()
    with time_machine.travel(aware + timedelta(hours=2), tick=False):
        incident = open_case(actor, severity=Severity.HIGH, aware_at=aware, detected_at=aware)
        notification = incident.obligations.get(template__code="nis2-notification")
        services.notice_record(incident=incident, actor=actor, obligation=notification, channel="portal",
                               content="Incident notification to the CSIRT.")
    final = incident.obligations.get(template__code="nis2-final-report")
    local = timezone.localtime(final.deadline_at)
    assert (local.month, local.day, local.hour) == (4, 20, 12)  # 11:00 UTC = 12:00 CET; April is CEST: same wall time


def test_lateness_is_frozen_at_the_first_filing():
    actor = responder()
    aware = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    customer = CustomerFactory(breach_notice_hours=24)
    with time_machine.travel(aware + timedelta(hours=30), tick=False):
        incident = open_case(actor, customers=[customer], aware_at=aware, detected_at=aware)
        obligation = incident.obligations.get()
        services.notice_record(incident=incident, actor=actor, obligation=obligation, channel="email_manual",
                               content="Initial notice.")
        obligation.refresh_from_db()
        assert obligation.filed_late is True
        # Moving "aware at" later would put the filing inside 24 hours; the verdict stands.
        incident.refresh_from_db()
        services.incident_change_aware_at(incident=incident, actor=actor, aware_at=aware + timedelta(hours=20),
                                          reason="The first alert was a false positive.")
        services.notice_record(incident=incident, actor=actor, obligation=obligation, channel="email_manual",
                               stage="follow_up", content="Follow-up.")
    obligation.refresh_from_db()
    assert obligation.filed_late is True
    assert obligation.deadline_at_filing == aware + timedelta(hours=24)
    assert obligation.filed_at == aware + timedelta(hours=30)


def test_changing_aware_at_needs_a_reason_and_moves_open_clocks():
    actor = responder()
    incident = open_case(actor, customers=[CustomerFactory(breach_notice_hours=24)], aware_hours_ago=5)
    with pytest.raises(ValidationError):
        services.incident_change_aware_at(incident=incident, actor=actor, aware_at=timezone.now(), reason=" ")
    new = timezone.now() - timedelta(hours=2)
    services.incident_change_aware_at(incident=incident, actor=actor, aware_at=new, reason="Confirmed by forensics.")
    assert incident.obligations.get().deadline_at == new + timedelta(hours=24)


def test_closing_is_refused_while_an_obligation_is_open():
    actor = responder()
    incident = open_case(actor, customers=[CustomerFactory()])
    with pytest.raises(ValidationError) as refused:
        services.incident_close(incident=incident, actor=actor, what_happened="x", root_cause="y", lessons="z")
    assert "Obligation still open" in " ".join(refused.value.messages)
    incident.refresh_from_db()
    assert incident.is_open and incident.closed_at is None


def test_a_case_closes_once_every_obligation_is_settled_and_the_assessment_decided():
    from tests.incidents.factories import ASSESSMENT_INPUT

    actor, officer = responder(), dpo()
    incident = open_case(actor, customers=[CustomerFactory()])
    services.notice_record(incident=incident, actor=actor, obligation=incident.obligations.get(),
                           channel="email_manual", content="Notice.")
    services.assessment_record(incident=incident, actor=actor, inputs=dict(ASSESSMENT_INPUT, subjects=0))
    services.assessment_decide(incident=incident, actor=officer, notify_authority=False, communicate_subjects=False)
    closed = services.incident_close(incident=incident, actor=actor, what_happened="Export misrouted.",
                                     root_cause="Address autocomplete.", lessons="Confirm recipients.")
    assert closed.phase == "closed" and closed.closed_at is not None


def test_not_required_needs_the_dpo_and_a_rationale():
    incident = open_case(customers=[CustomerFactory()])
    obligation = incident.obligations.get()
    with pytest.raises(PermissionDenied):
        services.obligation_mark_not_required(obligation=obligation, actor=responder(), rationale="Because.")
    with pytest.raises(ValidationError):
        services.obligation_mark_not_required(obligation=obligation, actor=dpo(), rationale="")
    done = services.obligation_mark_not_required(obligation=obligation, actor=dpo(),
                                                 rationale="The customer's data were not on the affected host.")
    assert done.status == Obligation.Status.NOT_REQUIRED


def test_the_built_in_templates_come_back_after_a_flush_and_admin_edits_stay():
    from incidents.obligation_templates import BUILT_IN_TEMPLATES, templates_sync

    ObligationTemplate.objects.filter(code="sa-art33").update(hours=48)
    ObligationTemplate.objects.filter(code="nis2-early-warning").delete()
    assert templates_sync() == 1
    assert ObligationTemplate.objects.count() == len(BUILT_IN_TEMPLATES)
    assert ObligationTemplate.objects.get(code="sa-art33").hours == 48


def test_a_high_risk_assessment_owes_the_data_subjects_a_communication_with_no_fixed_deadline(signed_in):
    from django.urls import reverse

    from incidents.reminders import DEADLINE
    from tests.incidents.factories import ASSESSMENT_INPUT

    actor = responder()
    incident = open_case(actor, controller_data=True, aware_hours_ago=500)
    assert not incident.obligations.filter(recipient="data_subjects").exists()
    services.assessment_record(incident=incident, actor=actor, inputs=ASSESSMENT_INPUT)  # high risk
    subjects = incident.obligations.get(recipient="data_subjects")
    assert subjects.deadline_at is None and subjects.legal_reference.startswith("GDPR Art. 34(1)")
    assert not subjects.is_overdue() and incident.obligations.get(recipient="authority").is_overdue()
    assert not DEADLINE.queryset().filter(pk=subjects.pk).exists()  # never reminded about nor escalated
    client, _dpo = signed_in("DPO")
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    row = page[page.index("Communication to the data subjects"):][:1500]
    assert "no fixed deadline" in row and "overdue" not in row


def test_a_decision_against_the_recommendation_needs_a_justification():
    from tests.incidents.factories import ASSESSMENT_INPUT

    actor, officer = responder(), dpo()
    incident = open_case(actor, controller_data=True)
    assessment = services.assessment_record(incident=incident, actor=actor, inputs=ASSESSMENT_INPUT)
    assert assessment.recommend_notify_authority is True
    with pytest.raises(ValidationError) as refused:
        services.assessment_decide(incident=incident, actor=officer, notify_authority=False,
                                   communicate_subjects=True)
    assert "justification" in refused.value.message_dict
    assessment.refresh_from_db()
    assert not assessment.is_decided
    decided = services.assessment_decide(
        incident=incident, actor=officer, notify_authority=False, communicate_subjects=True,
        justification="The authority was informed by the customer, who is the controller of these records.")
    assert decided.is_decided and decided.override_justification.startswith("The authority")


def _nearest_open_deadline(incident):
    return min((o.deadline_at for o in incident.obligations.filter(status=Obligation.Status.OPEN)
                if o.deadline_at is not None), default=None)


def _stored_next_deadline(incident):
    incident.refresh_from_db(fields=["next_deadline_at"])
    return incident.next_deadline_at


def test_each_case_keeps_its_nearest_open_deadline_through_every_change_of_its_obligations(settings):
    """What the board sorts by: opened, facts changed, a notice filed, aware-at moved, a duty ruled not required,
    the case ruled not a breach. Each step moves the nearest deadline."""
    settings.ANNEX_NIS2_ENTITY = True
    actor, officer = responder(), dpo()
    slow, fast = CustomerFactory(breach_notice_hours=48), CustomerFactory(breach_notice_hours=12)
    incident = open_case(actor, customers=[slow], aware_hours_ago=2)
    assert _stored_next_deadline(incident) == incident.aware_at + timedelta(hours=48)

    incident = services.incident_update(incident=incident, actor=actor, expected_version=incident.version,
                                        customers=[slow, fast], severity=Severity.HIGH)
    assert _stored_next_deadline(incident) == incident.aware_at + timedelta(hours=12)

    services.notice_record(incident=incident, actor=actor, obligation=incident.obligations.get(customer=fast),
                           channel="email_manual", content="We told the customer.")
    assert _stored_next_deadline(incident) == incident.aware_at + timedelta(hours=24)  # the NIS2 early warning

    incident.refresh_from_db()
    services.incident_change_aware_at(incident=incident, actor=actor, aware_at=incident.aware_at - timedelta(hours=5),
                                      reason="Confirmed by the forensic report.")
    incident.refresh_from_db()
    assert _stored_next_deadline(incident) == incident.aware_at + timedelta(hours=24)

    services.obligation_mark_not_required(obligation=incident.obligations.get(template__code="nis2-early-warning"),
                                          actor=officer, rationale="The CSIRT confirmed no early warning is needed.")
    assert _stored_next_deadline(incident) == incident.aware_at + timedelta(hours=48) == _nearest_open_deadline(
        incident)

    incident.refresh_from_db()
    services.incident_set_phase(incident=incident, actor=actor, phase="not_breach",
                                reason="Only test data were in the export.")
    assert _stored_next_deadline(incident) is None


def test_a_deadline_in_months_reads_as_a_german_singular_or_plural_on_the_case_page(client):
    owner = responder(language="de")
    incident = open_case(owner, customers=[CustomerFactory(name="Fast AG"), CustomerFactory(name="Slow SE")])
    for months, label in ((1, "Fast AG"), (2, "Slow SE")):
        incident.obligations.filter(recipient_label=label).update(hours=None, months=months)
    sign_in(client, owner)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Fast AG · 1 Monat<" in page and "Slow SE · 2 Monate<" in page
    assert "Monat(e)" not in page
