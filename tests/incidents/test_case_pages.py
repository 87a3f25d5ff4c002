import io

import pytest
from django.db import connection
from django.urls import reverse

from incidents import services
from incidents.models import Incident, IncidentEvidence, NoticeRecord, TimelineEntry
from portal.audit.models import AuditEvent
from portal.exports.models import ExportJob
from tests.conftest import sign_in
from tests.controls.factories import CustomerFactory
from tests.incidents.factories import dpo, open_case, responder

pytestmark = pytest.mark.django_db


def _evidence(incident, actor, content=b"10:02 GET /export?all=1 from 203.0.113.9"):
    return services.evidence_add(incident=incident, actor=actor, title="Proxy log", upload=io.BytesIO(content),
                                 filename="proxy.log")


def test_an_outsider_gets_404_on_the_case_its_timeline_its_evidence_and_its_pdfs(client):
    owner = responder()
    incident = open_case(owner, customers=[CustomerFactory()])
    evidence = _evidence(incident, owner)
    sign_in(client, responder(), step_up=True)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    assert client.get(reverse("incidents:timeline", args=[incident.pk])).status_code == 404
    assert client.get(reverse("incidents:evidence_download", args=[evidence.pk])).status_code == 404
    for kind in ("art33", "controller-notice"):
        assert client.post(reverse("incidents:export", args=[incident.pk, kind])).status_code == 404
    assert not ExportJob.objects.exists()


def test_an_outsider_cannot_request_a_case_pdf_through_the_export_page(client):
    from incidents.exports import ART33_NOTIFICATION

    incident = open_case(responder())
    sign_in(client, responder(), step_up=True)
    response = client.post(reverse("exports:request"), {"document": f"{ART33_NOTIFICATION}|{incident.pk}"})
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_an_assignee_and_the_dpo_see_the_case_and_the_board_lists_it(client):
    owner = responder()
    incident = open_case(owner)
    for user in (owner, dpo()):
        sign_in(client, user)
        assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200
        assert incident.reference in client.get(reverse("incidents:board")).content.decode()
    sign_in(client, responder())
    assert incident.reference not in client.get(reverse("incidents:board")).content.decode()


def test_unassigning_removes_the_guardian_grant():
    owner, colleague = responder(), responder()
    incident = open_case(owner)
    services.incident_assign(incident=incident, actor=owner, user=colleague)
    from incidents.selectors import incidents_visible_to

    assert incidents_visible_to(colleague).filter(pk=incident.pk).exists()
    services.incident_unassign(incident=incident, actor=owner, user=colleague)
    assert not incidents_visible_to(colleague).filter(pk=incident.pk).exists()


def test_the_assignee_downloads_evidence_decrypted_and_audited(client):
    owner = responder()
    incident = open_case(owner)
    evidence = _evidence(incident, owner, b"line one\nline two\n")
    sign_in(client, owner)
    response = client.get(reverse("incidents:evidence_download", args=[evidence.pk]))
    assert b"".join(response.streaming_content) == b"line one\nline two\n"
    assert AuditEvent.objects.filter(action="incident.evidence_downloaded").count() == 1


def test_a_concurrent_edit_is_detected_and_nothing_is_overwritten(client):
    first, second = responder(), responder()
    incident = open_case(first)
    services.incident_assign(incident=incident, actor=first, user=second)
    read_version = Incident.objects.get(pk=incident.pk).version
    services.incident_update(incident=incident, actor=first, expected_version=read_version,
                             likely_consequences="Phishing against the ticket submitters.")
    sign_in(client, second)
    form = client.get(reverse("incidents:edit", args=[incident.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data.update({"title": "Second responder's title", "expected_version": read_version, "severity": "high",
                 "detected_at": form.initial["detected_at"]})
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()
    assert "Second responder&#x27;s title" in response.content.decode()  # what was typed is kept
    incident.refresh_from_db()
    assert incident.title == "Misdirected export of support tickets"
    assert incident.likely_consequences == "Phishing against the ticket submitters."


def test_a_stale_version_is_refused_by_the_service():
    actor = responder()
    incident = open_case(actor)
    services.incident_update(incident=incident, actor=actor, expected_version=1, title="First")
    with pytest.raises(services.StaleVersionError):
        services.incident_update(incident=incident, actor=actor, expected_version=1, title="Second")
    incident.refresh_from_db()
    assert incident.title == "First"


def test_encrypted_columns_hold_no_plaintext():
    actor = responder()
    incident = open_case(actor, description="Ticket export with Greta Lindqvist's address",
                         reported_by="Harald Hinweis")
    services.timeline_add(incident=incident, actor=actor, text="Called Harald Hinweis back")
    services.notice_record(incident=incident, actor=actor, recipient="authority", channel="portal",
                           content="Notice naming Greta Lindqvist")
    evidence = _evidence(incident, actor, b"Greta Lindqvist, 12 Main Street")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT description, reported_by FROM {Incident._meta.db_table} WHERE id = %s",
                       [incident.pk])
        description, reporter = cursor.fetchone()
        cursor.execute(f"SELECT text FROM {TimelineEntry._meta.db_table} WHERE incident_id = %s", [incident.pk])
        timeline = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT content FROM {NoticeRecord._meta.db_table} WHERE incident_id = %s", [incident.pk])
        notice = cursor.fetchone()[0]
    for stored in (description, reporter, timeline, notice):
        assert "Greta" not in stored and "Harald" not in stored
    from portal.security.storage import encrypted_files_root

    raw = (encrypted_files_root() / IncidentEvidence.objects.get(pk=evidence.pk).file_path).read_bytes()
    assert b"Greta" not in raw
    incident.refresh_from_db()
    assert incident.description == "Ticket export with Greta Lindqvist's address"


def test_the_board_runs_a_fixed_number_of_queries_whatever_the_number_of_cases(client, django_assert_max_num_queries):
    actor = dpo()
    sign_in(client, actor)

    def make(n):
        for _ in range(n):
            open_case(responder(), customers=[CustomerFactory(), CustomerFactory()], controller_data=True)

    make(2)
    client.get(reverse("incidents:board"))  # the session's first request does its one-off reads
    with django_assert_max_num_queries(16) as small:
        assert client.get(reverse("incidents:board")).status_code == 200
    make(10)
    with django_assert_max_num_queries(16) as large:
        response = client.get(reverse("incidents:board"))
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.content.decode().count("incidents/") >= 12


def test_the_board_shows_a_page_at_a_time_the_most_urgent_first(client, monkeypatch):
    from incidents import views

    monkeypatch.setattr(views, "BOARD_PER_PAGE", 2)
    later = open_case(responder(), customers=[CustomerFactory(breach_notice_hours=72)], aware_hours_ago=1)
    sooner = open_case(responder(), customers=[CustomerFactory(breach_notice_hours=12)], aware_hours_ago=1)
    quiet = open_case(responder())
    sign_in(client, dpo())
    first = client.get(reverse("incidents:board"))
    assert [row["incident"].pk for row in first.context["rows"]] == [sooner.pk, later.pk]
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("incidents:board"), {"page": 2})
    assert [row["incident"].pk for row in second.context["rows"]] == [quiet.pk]


def test_the_board_puts_the_most_urgent_deadline_first(client):
    actor = dpo()
    later = open_case(responder(), customers=[CustomerFactory(breach_notice_hours=72)], aware_hours_ago=1)
    sooner = open_case(responder(), customers=[CustomerFactory(breach_notice_hours=12)], aware_hours_ago=1)
    quiet = open_case(responder())
    from incidents.selectors import board

    assert [c.pk for c in board(actor)][:3] == [sooner.pk, later.pk, quiet.pk]


def test_a_bad_aware_at_change_keeps_what_was_typed_and_changes_nothing(client):
    owner = responder()
    incident = open_case(owner)
    sign_in(client, owner)
    response = client.post(reverse("incidents:aware_at", args=[incident.pk]),
                           {"aware_at": "2026-01-01T10:00", "reason": "", "expected_version": incident.version})
    assert response.status_code == 400
    assert "2026-01-01T10:00" in response.content.decode()
    before = incident.aware_at
    incident.refresh_from_db()
    assert incident.aware_at == before


def test_quick_intake_opens_a_triage_case_with_its_clocks(client):
    owner = responder()
    customer = CustomerFactory(breach_notice_hours=24)
    sign_in(client, owner)
    response = client.post(reverse("incidents:create"), {
        "title": "Support mailbox forwarded externally", "description": "A forwarding rule sent mail out.",
        "detected_at": "2026-11-28T06:00", "reported_by": "Mail gateway alert", "customers": [customer.pk],
        "severity": "high"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.phase == "triage" and incident.assignee_ids == [owner.pk]
    page = client.get(response["Location"]).content.decode()
    assert "due in" in page
    assert AuditEvent.objects.filter(action="incident.opened").count() == 1


def test_a_stale_phase_change_is_a_conflict_whatever_language_the_message_is_in(client, monkeypatch):
    first = responder()
    incident = open_case(first)
    stale = Incident.objects.get(pk=incident.pk).version
    services.incident_set_phase(incident=incident, actor=first, phase="contained", reason="Mailbox locked",
                                expected_version=stale)

    def refuse_in_german(locked, expected_version):
        if expected_version is not None and locked.version != expected_version:
            raise services.StaleVersionError("Jemand anderes hat diesen Fall zwischenzeitlich geändert.")

    monkeypatch.setattr(services, "_check_version", refuse_in_german)
    sign_in(client, first)
    response = client.post(reverse("incidents:phase", args=[incident.pk]),
                           {"phase": "eradicated", "reason": "Malware removed", "expected_version": stale})

    assert response.status_code == 409
    assert Incident.objects.get(pk=incident.pk).phase == "contained"


def test_the_board_sorts_by_each_cases_stored_deadline_without_aggregating_obligations(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, dpo())
    open_case(responder(), customers=[CustomerFactory()])
    client.get(reverse("incidents:board"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("incidents:board"), {"show": "all"}).status_code == 200
    on_cases = [q["sql"] for q in captured.captured_queries if 'FROM "incidents_incident"' in q["sql"]]
    assert len(on_cases) == 2  # the count and the page
    assert not [sql for sql in on_cases if "GROUP BY" in sql or "MIN(" in sql.upper()]
    assert "next_deadline_at" in on_cases[1]
