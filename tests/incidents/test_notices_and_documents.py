from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import drafts, services
from incidents.exports import ART33_NOTIFICATION, BREACH_REGISTER, CONTROLLER_NOTICE
from incidents.models import TimelineEntry
from portal.exports.models import ExportJob
from portal.exports.registry import get_kind
from tests.conftest import sign_in
from tests.controls.factories import CustomerFactory
from tests.incidents.factories import dpo, open_case, responder

pytestmark = pytest.mark.django_db


def _detailed_case(actor, **fields):
    incident = open_case(actor, customers=[CustomerFactory(name="Northwind Health GmbH")], **fields)
    return services.incident_update(
        incident=incident, actor=actor, expected_version=incident.version, breach_types=["confidentiality"],
        subject_categories=["end_users"], data_categories=["contact"], approx_subjects=1840, approx_records=2310,
        likely_consequences="Phishing using ticket details.", measures="Export job paused; recipient deleted it.",
        dpo_contact="Dana Privacy, dpo@annex.test")


def test_the_controller_notice_draft_holds_what_clause_9_2_asks_for():
    text = drafts.as_text(drafts.controller_notice(_detailed_case(responder())))
    for expected in ("(a) Nature of the breach", "approximately 1840 data subjects", "approximately 2310 records",
                     "(b) Contact point", "Dana Privacy", "(c) Likely consequences", "Phishing",
                     "(c) Measures taken or proposed", "Export job paused"):
        assert expected in text


def test_the_art33_draft_covers_points_a_to_d_and_names_missing_facts_as_to_follow():
    full = drafts.as_text(drafts.art33_notification(_detailed_case(responder())))
    for point in ("Art. 33(3)(a)", "Art. 33(3)(b)", "Art. 33(3)(c)", "Art. 33(3)(d)"):
        assert point in full
    sparse = drafts.as_text(drafts.art33_notification(open_case(responder())))
    assert "will follow (phased notice)" in sparse


def test_an_assignee_gets_the_art33_pdf_through_the_export_job(client, django_capture_on_commit_callbacks):
    owner = responder()
    incident = _detailed_case(owner)
    sign_in(client, owner, step_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:export", args=[incident.pk, "art33"]))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.kind == ART33_NOTIFICATION
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_case_document_snapshot_is_refused_for_a_user_who_cannot_see_the_case():
    incident = open_case(responder())
    kind = get_kind(CONTROLLER_NOTICE)
    assert kind.content(str(incident.pk), dpo())["reference"] == incident.reference
    with pytest.raises(LookupError):
        kind.content(str(incident.pk), responder())
    assert kind.subjects_available(responder()) == []


def test_the_breach_register_lists_every_breach_notified_or_not_and_no_drill():
    owner, officer = responder(), dpo()
    notified = _detailed_case(owner)
    services.notice_record(incident=notified, actor=owner, obligation=notified.obligations.get(),
                           channel="email_manual", content="Notice.")
    unnotified = open_case(owner, title="Misconfigured bucket, no customer data")
    drill = open_case(owner, title="Tabletop", is_exercise=True)
    not_breach = open_case(owner, title="False alarm")
    services.incident_set_phase(incident=not_breach, actor=owner, phase="not_breach", reason="Test data only.")
    rows = get_kind(BREACH_REGISTER).content("", officer)["rows"]
    references = {row["reference"] for row in rows}
    assert {notified.reference, unnotified.reference} <= references
    assert drill.reference not in references and not_breach.reference not in references
    [row] = [r for r in rows if r["reference"] == notified.reference]
    assert row["notified"][0].startswith("Northwind Health GmbH: filed")


def test_the_timeline_is_append_only_and_a_correction_is_a_new_entry():
    actor = responder()
    incident = open_case(actor)
    first = services.timeline_add(incident=incident, actor=actor, text="Firewall rule added at 10:00.")
    correction = services.timeline_add(incident=incident, actor=actor, text="It was 10:20.", corrects=first)
    first.refresh_from_db()
    assert first.text == "Firewall rule added at 10:00."
    assert correction.kind == TimelineEntry.Kind.CORRECTION and correction.corrects == first
    other = open_case(actor)
    with pytest.raises(ValidationError):
        services.timeline_add(incident=other, actor=actor, text="Wrong case.", corrects=first)


def test_a_late_authority_notification_needs_reasons_for_the_delay():
    from datetime import timedelta

    actor = responder()
    incident = open_case(actor, controller_data=True, aware_hours_ago=80)
    authority = incident.obligations.get(recipient="authority")
    with pytest.raises(ValidationError) as refused:
        services.notice_record(incident=incident, actor=actor, obligation=authority, channel="portal",
                               content="Notification.")
    assert "delay_reasons" in refused.value.error_dict
    notice = services.notice_record(incident=incident, actor=actor, obligation=authority, channel="portal",
                                    content="Notification.", delay_reasons="Forensics needed three days.")
    authority.refresh_from_db()
    assert authority.filed_late is True and notice.delay_reasons == "Forensics needed three days."
    assert authority.deadline_at_filing == incident.aware_at + timedelta(hours=72)


def test_a_data_subject_communication_records_the_art_34_3_exemption():
    actor = responder()
    incident = open_case(actor)
    notice = services.notice_record(incident=incident, actor=actor, recipient="data_subjects", channel="public",
                                    content="Website notice.", art34_exemption="c")
    assert notice.get_art34_exemption_display().startswith("Art. 34(3)(c)")
    with pytest.raises(ValidationError):
        services.notice_record(incident=incident, actor=actor, recipient="authority", channel="portal",
                               content="x", art34_exemption="a")


def _case_aware_at_noon(actor):
    noon = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Berlin, the deployment's zone
    return _detailed_case(actor, detected_at=noon, aware_at=noon)


def test_a_german_dpo_gets_the_art33_notification_in_german_on_an_english_install(settings):
    settings.LANGUAGE_CODE = "en"
    incident = _case_aware_at_noon(responder())
    content = get_kind(ART33_NOTIFICATION).content(str(incident.pk), dpo(language="de"))
    assert content["language"] == "de"
    assert content["title"] == ("Meldung einer Verletzung des Schutzes personenbezogener Daten an die "
                                "Aufsichtsbehörde")
    assert content["basis"] == "Art. 33 Abs. 1, 3 und 4 DSGVO"
    text = drafts.as_text(content["sections"])
    assert "Entdeckt 01.06.2026 12:00 CEST; bekannt seit 01.06.2026 12:00 CEST." in text
    assert "Detected" not in text


def test_an_english_reader_gets_the_controller_notice_in_english_with_dates_in_the_english_format(settings):
    settings.LANGUAGE_CODE = "de"
    incident = _case_aware_at_noon(responder())
    content = get_kind(CONTROLLER_NOTICE).content(str(incident.pk), dpo(language="en"))
    assert content["title"] == "Personal data breach notice to the controller"
    assert "Detected 1 Jun 2026 12:00 CEST; aware since 1 Jun 2026 12:00 CEST." in drafts.as_text(content["sections"])


def test_a_german_dpo_gets_the_breach_register_in_german_with_german_dates(settings):
    settings.LANGUAGE_CODE = "en"
    owner = responder()
    incident = _case_aware_at_noon(owner)
    with time_machine.travel(datetime(2026, 6, 2, 8, 30, tzinfo=UTC), tick=False):
        services.notice_record(incident=incident, actor=owner, obligation=incident.obligations.get(),
                               channel="email_manual", content="Notice.")
    content = get_kind(BREACH_REGISTER).content("", dpo(language="de"))
    assert content["title"] == "Verzeichnis der Verletzungen des Schutzes personenbezogener Daten"
    [row] = [r for r in content["rows"] if r["reference"] == incident.reference]
    assert row["aware_at"] == "01.06.2026 12:00"
    assert row["notified"] == ["Northwind Health GmbH: eingereicht 02.06.2026 10:30"]
