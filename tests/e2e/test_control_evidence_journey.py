"""A control owner signs in with TOTP, finds a control on "needs attention" because its evidence expired,
uploads new evidence, records a review, and sees the status change at each step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from controls.audit_actions import ControlAction
from controls.models import Control, Evidence
from controls.services_status import controls_refresh_status
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.conftest import totp_device_for
from tests.controls.factories import ControlFactory, EvidenceFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"control-evidence-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_a_control_owner_uploads_evidence_records_a_review_and_sees_the_status_change(
    page, settings, tmp_path
):
    settings.ANNEX_KEYRING_FILE = tmp_path / "keyring.json"
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "encrypted"
    today = timezone.localdate()
    owner = UserFactory(roles=[Role.SECURITY_OFFICER], email="owner@annex.test", full_name="Olga Owner")
    totp_device_for(owner)
    control = ControlFactory(
        reference="TOM-BCK-01", title="Encrypted off-site backups, restore tested quarterly", owner=owner,
        status=Control.Status.VERIFIED, scc_category="restore_availability",
        next_review_due=today + timedelta(days=20),
    )
    EvidenceFactory(control=control, title="Restore test Q1", valid_until=today - timedelta(days=2))
    controls_refresh_status()

    sign_in_with_totp(page, owner)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Controls").click()
    page.wait_for_url("**/controls/**")
    page.get_by_role("link", name="TOM-BCK-01").click()
    assert page.locator("#control-status").inner_text() == "Needs attention"
    assert "all evidence has expired" in page.locator("#attention-reason").inner_text()
    shot(page, "1-expired")

    page.get_by_role("link", name="Add evidence").click()
    page.get_by_role("radio", name="File").check()
    page.get_by_label("Title").fill("Restore test Q2")
    page.get_by_label("File to upload").set_input_files(files=[{
        "name": "restore-test-q2.md", "mimeType": "text/markdown",
        "buffer": b"# Restore test Q2\n\nFull restore in 41 minutes; checksums matched.\n",
    }])
    page.get_by_label("Valid until").fill((today + timedelta(days=90)).isoformat())
    shot(page, "2-upload-form")
    page.get_by_role("button", name="Add evidence").click()

    page.wait_for_url(f"**/controls/{control.pk}/")
    assert page.get_by_text("Evidence “Restore test Q2” added to TOM-BCK-01.").is_visible()
    assert page.locator("#control-status").inner_text() == "Verified"
    assert page.get_by_role("link", name="Restore test Q2").is_visible()
    shot(page, "3-evidence-added")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Restore test Q2").click()
    download = download_info.value
    assert download.suggested_filename == "restore-test-q2.md"
    assert b"41 minutes" in download.path().read_bytes()

    page.get_by_role("link", name="Record review").click()
    page.get_by_label("Partially effective").check()
    page.get_by_label("Notes").fill("Restore works; runbook step 4 is out of date and must be rewritten.")
    page.get_by_role("button", name="Record review").click()
    page.wait_for_url(f"**/controls/{control.pk}/")
    assert page.get_by_text("Review recorded: Partially effective.").is_visible()
    assert page.locator("#control-status").inner_text() == "Implemented"
    shot(page, "4-reviewed")

    control.refresh_from_db()
    assert control.status == Control.Status.IMPLEMENTED
    stored = Evidence.objects.get(title="Restore test Q2")
    assert stored.content_type == "text/markdown" and stored.uploaded_by == owner
    assert AuditEvent.objects.filter(action=ControlAction.EVIDENCE_DOWNLOADED, actor=owner).count() == 1
