import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from incidents import services
from incidents.models import Incident, Obligation
from portal.audit.models import AuditEvent
from tests.controls.factories import CustomerFactory
from tests.incidents.factories import open_case, responder

pytestmark = pytest.mark.django_db


def _closed_case():
    actor = responder()
    incident = open_case(actor, customers=[CustomerFactory()])
    incident = services.incident_update(incident=incident, actor=actor, expected_version=incident.version,
                                        subjects_description="Greta's ticket history")
    services.timeline_add(incident=incident, actor=actor, text="Greta called back.")
    services.notice_record(incident=incident, actor=actor, obligation=incident.obligations.get(),
                           channel="email_manual", content="Notice naming Greta.")
    services.incident_set_phase(incident=incident, actor=actor, phase="not_breach",
                                reason="Only synthetic records were in the export.")
    return actor, Incident.objects.get(pk=incident.pk)


def test_anonymising_clears_the_personal_data_and_keeps_the_statistics():
    actor, incident = _closed_case()
    statistics = {name: getattr(incident, name) for name in Incident.STATISTICS_FIELDS}
    services.incident_anonymise(incident=incident, actor=actor)
    incident.refresh_from_db()
    assert all(getattr(incident, name) in ("", []) for name in Incident.PERSONAL_FIELDS)
    assert {name: getattr(incident, name) for name in Incident.STATISTICS_FIELDS} == statistics
    assert all("Greta" not in entry.text for entry in incident.timeline.all())
    assert all("Greta" not in notice.content for notice in incident.notices.all())
    assert incident.obligations.get().status == Obligation.Status.FILED
    assert AuditEvent.objects.filter(action="incident.anonymised").count() == 1


def test_an_open_case_is_not_anonymised():
    actor = responder()
    incident = open_case(actor)
    with pytest.raises(ValidationError):
        services.incident_anonymise(incident=incident, actor=actor)


def test_personal_and_statistics_fields_do_not_overlap():
    assert not set(Incident.PERSONAL_FIELDS) & set(Incident.STATISTICS_FIELDS)
    encrypted = {f.name for f in Incident._meta.concrete_fields if f.__class__.__name__.startswith("Encrypted")}
    assert encrypted == set(Incident.PERSONAL_FIELDS)


def test_the_demo_adds_an_open_breach_a_closed_case_and_a_drill_once(settings):
    settings.ANNEX_DEMO_MODE = True
    call_command("seed_demo", quiet_accounts=True)
    cases = {i.external_id: i for i in Incident.objects.filter(external_source="demo")}
    assert set(cases) == {"open-breach", "closed-case", "drill"}
    open_breach = cases["open-breach"]
    assert open_breach.is_open and open_breach.obligations.filter(status="open").count() == 2
    nearest = open_breach.obligations.order_by("deadline_at").first()
    assert nearest.elapsed_fraction() > 0.75  # near its deadline
    assert cases["closed-case"].phase == "closed" and cases["closed-case"].review_lessons
    assert cases["drill"].is_exercise
    # The closed case's lessons are follow-up tasks on controls, owned by the controls' owners.
    follow_ups = {t.control.reference: t for t in cases["closed-case"].tasks.filter(is_follow_up=True)}
    assert set(follow_ups) == {"TOM-END-01", "TOM-AWR-01"}
    assert follow_ups["TOM-END-01"].owner.email.startswith("security@")
    assert all(t.owner == t.control.owner and t.done_at is None for t in follow_ups.values())
    call_command("seed_demo", quiet_accounts=True)
    assert Incident.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_retention_run_anonymises_a_closed_case_after_its_period_unless_held():
    from datetime import UTC, datetime

    import time_machine

    from portal.retention import engine
    from portal.retention.models import LegalHold, RetentionPolicy, RetentionRun
    from portal.retention.services import legal_hold_set

    RetentionPolicy.objects.create(key="incident-cases", period_months=12, action="anonymise",
                                   data_category="Incident cases", system="Annex database", purpose="Testing",
                                   legal_basis="Art. 6(1)(c) GDPR", counts_from="closure")
    with time_machine.travel(datetime(2026, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        _, kept = _closed_case()
        _, held = _closed_case()
    legal_hold_set(obj=held, reason="Litigation with the reporter.", actor=dpo_user())
    assert LegalHold.objects.count() == 1

    def run():
        started = engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
        return engine.retention_run_execute(run_id=started.pk)

    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        run()
    assert Incident.objects.get(pk=kept.pk).anonymised_at is None
    with time_machine.travel(datetime(2027, 1, 11, tzinfo=UTC), tick=False):
        result = run()
    assert Incident.objects.get(pk=kept.pk).anonymised_at is not None
    assert Incident.objects.get(pk=held.pk).anonymised_at is None
    assert result.counts["incidents.closed_cases"]["done"] == 1


def dpo_user():
    from tests.incidents.factories import dpo

    return dpo()
