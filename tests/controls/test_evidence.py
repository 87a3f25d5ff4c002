"""Evidence: upload checked by content and size, stored encrypted, downloaded through the scoped, audited view."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from controls.audit_actions import ControlAction
from controls.models import Control, Evidence
from controls.services_evidence import evidence_add, evidence_remove, evidence_restore
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.security.services import encrypted_data_reencrypt, keyring_rotate
from tests.controls.factories import ControlFactory, EvidenceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nTOP-SECRET-SCAN-RESULT\n%%EOF\n"


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _add_file(control, actor, data=PDF, name="scan.pdf", **extra):
    return evidence_add(control=control, actor=actor, kind=Evidence.Kind.FILE, title="Scan report",
                        upload=io.BytesIO(data), filename=name, **extra)


def test_an_uploaded_file_is_stored_as_ciphertext_with_its_sha256(signed_in, private_file_store):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    upload = SimpleUploadedFile("../Pen test 2025.pdf", PDF, content_type="application/x-msdownload")
    response = client.post(reverse("controls:evidence_add", args=[control.pk]), {
        "kind": "file", "title": "Penetration test report", "file": upload, "valid_until": "2030-01-31",
    })
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.size == len(PDF)
    assert evidence.content_type == "application/pdf"
    assert evidence.original_filename == "Pen test 2025.pdf"
    assert evidence.key_id and evidence.uploaded_by == officer
    [stored] = _files(private_file_store)
    raw = stored.read_bytes()
    assert raw.startswith(b"ANX") and b"TOP-SECRET-SCAN-RESULT" not in raw and b"%PDF" not in raw
    event = AuditEvent.objects.get(action=ControlAction.EVIDENCE_ADDED)
    assert event.target_id == str(control.pk) and event.actor == officer
    assert event.changes["sha256"]["after"] == evidence.sha256


def test_a_disguised_executable_is_rejected_with_a_clear_error_and_nothing_stored(signed_in, private_file_store):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    upload = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = client.post(reverse("controls:evidence_add", args=[control.pk]), {
        "kind": "file", "title": "Totally a report", "file": upload,
    })
    assert response.status_code == 200
    assert "This file is a Windows executable, whatever its name says." in response.content.decode()
    assert response.context["form"]["title"].value() == "Totally a report"
    assert not Evidence.objects.exists()
    assert not _files(private_file_store)
    assert not AuditEvent.objects.filter(action=ControlAction.EVIDENCE_ADDED).exists()


def test_an_oversize_file_is_rejected_with_a_clear_error_and_nothing_stored(signed_in, settings, private_file_store):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    response = client.post(reverse("controls:evidence_add", args=[control.pk]), {
        "kind": "file", "title": "Huge scan", "file": upload,
    })
    assert response.status_code == 200
    assert "The file is too large (2.0\xa0MB); the limit is 1.0\xa0MB." in response.content.decode()
    assert not Evidence.objects.exists()
    assert not _files(private_file_store)


def test_the_size_limit_also_holds_when_the_declared_size_is_missing(settings, private_file_store):
    settings.EVIDENCE_MAX_BYTES = 100
    dpo = UserFactory(roles=[Role.DPO])
    with pytest.raises(ValidationError, match="too large"):
        _add_file(ControlFactory(), dpo, data=b"%PDF-1.7\n" + b"x" * 500)
    assert not Evidence.objects.exists() and not _files(private_file_store)


def test_a_permitted_user_downloads_the_decrypted_file_and_the_download_is_audited(client, signed_in):
    dpo = UserFactory(roles=[Role.DPO])
    evidence = _add_file(ControlFactory(), dpo, name='scan "final".pdf')
    client, auditor = signed_in(Role.AUDITOR)
    response = client.get(reverse("controls:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="scan _final_.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action=ControlAction.EVIDENCE_DOWNLOADED)
    assert event.actor == auditor and event.changes["evidence"]["after"] == f"#{evidence.pk} Scan report"


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.INCIDENT_RESPONDER])
def test_a_user_who_may_not_see_the_control_gets_404_and_nothing_is_audited(signed_in, role):
    evidence = _add_file(ControlFactory(), UserFactory(roles=[Role.DPO]))
    client, _ = signed_in(role)
    response = client.get(reverse("controls:evidence_download", args=[evidence.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=ControlAction.EVIDENCE_DOWNLOADED).exists()


def test_a_link_or_note_has_no_download(signed_in):
    client, _ = signed_in(Role.DPO)
    note = EvidenceFactory()
    assert client.get(reverse("controls:evidence_download", args=[note.pk])).status_code == 404


def test_a_security_officer_adds_evidence_only_to_controls_they_own(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    other = ControlFactory(owner=UserFactory(roles=[Role.SECURITY_OFFICER]))
    response = client.post(reverse("controls:evidence_add", args=[other.pk]), {
        "kind": "note", "title": "Mine now", "text": "Hello",
    })
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        evidence_add(control=other, actor=officer, kind="note", title="x", text="y")
    assert not Evidence.objects.exists()


def test_links_and_notes_need_their_content(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    url = reverse("controls:evidence_add", args=[control.pk])
    response = client.post(url, {"kind": "link", "title": "Scan dashboard"})
    assert "Give the address of the evidence." in response.content.decode()
    response = client.post(url, {"kind": "link", "title": "Scan dashboard", "url": "javascript:alert(1)"})
    assert response.status_code == 200 and not Evidence.objects.exists()
    response = client.post(url, {"kind": "link", "title": "Scan dashboard", "url": "https://scanner.example/r/42",
                                 "valid_from": "2025-01-10", "valid_until": "2025-01-01"})
    assert "The validity end cannot be before its start." in response.content.decode()
    response = client.post(url, {"kind": "link", "title": "Scan dashboard", "url": "https://scanner.example/r/42"})
    assert response.status_code == 302
    assert Evidence.objects.get().url == "https://scanner.example/r/42"


def test_removal_is_a_soft_delete_with_who_when_and_why_and_can_be_restored(signed_in, private_file_store):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory(owner=officer)
    evidence = _add_file(control, officer)
    response = client.post(reverse("controls:evidence_remove", args=[evidence.pk]), {"reason": "Superseded."})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.removed_at and evidence.removed_by == officer and evidence.removal_reason == "Superseded."
    assert len(_files(private_file_store)) == 1
    removed = AuditEvent.objects.get(action=ControlAction.EVIDENCE_REMOVED)
    assert removed.changes["reason"]["after"] == "Superseded."

    response = client.post(reverse("controls:evidence_restore", args=[evidence.pk]))
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.removed_at is None and evidence.removal_reason == ""
    assert AuditEvent.objects.filter(action=ControlAction.EVIDENCE_RESTORED).count() == 1


def test_removal_needs_a_reason_and_is_refused_on_get(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    evidence = EvidenceFactory(control=ControlFactory(owner=officer))
    url = reverse("controls:evidence_remove", args=[evidence.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"reason": "  "})
    evidence.refresh_from_db()
    assert evidence.removed_at is None
    with pytest.raises(ValidationError):
        evidence_remove(evidence=evidence, actor=officer, reason=" ")
    with pytest.raises(ValidationError, match="not removed"):
        evidence_restore(evidence=evidence, actor=officer)


def test_the_detail_page_lists_current_and_removed_evidence(signed_in):
    client, _ = signed_in(Role.DPO)
    control = ControlFactory()
    EvidenceFactory(control=control, title="Access review minutes")
    EvidenceFactory(control=control, title="Old minutes", removed_at=timezone.now(), removal_reason="Outdated")
    EvidenceFactory(control=control, title="Expired cert", valid_until=timezone.localdate() - timedelta(days=1))
    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "Access review minutes" in page and "Removed evidence (1)" in page and "Outdated" in page
    assert "expired" in page


def test_evidence_files_are_reencrypted_under_a_new_key_and_still_download(signed_in):
    dpo = UserFactory(roles=[Role.DPO])
    evidence = _add_file(ControlFactory(), dpo)
    old_key = evidence.key_id
    new_key = keyring_rotate()
    report = encrypted_data_reencrypt()
    assert report.reencrypted["controls.evidence"] == 1
    evidence.refresh_from_db()
    assert evidence.key_id == new_key != old_key
    client, _ = signed_in(Role.AUDITOR)
    response = client.get(reverse("controls:evidence_download", args=[evidence.pk]))
    assert b"".join(response.streaming_content) == PDF


def test_a_control_with_evidence_cannot_be_deleted_outright():
    from django.db.models import ProtectedError

    control = ControlFactory()
    EvidenceFactory(control=control)
    with pytest.raises(ProtectedError):
        control.delete()
    assert Control.objects.filter(pk=control.pk).exists()
