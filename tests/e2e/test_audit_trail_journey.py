"""An auditor signs in with TOTP, filters the audit trail, opens an event and downloads the CSV export."""

import csv

import pytest

from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from tests.conftest import totp_device_for
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"audit-trail-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_an_auditor_filters_the_trail_opens_an_event_and_exports_csv(page):
    auditor = UserFactory(roles=[Role.AUDITOR], email="auditor@annex.test", full_name="Aino Auditor")
    totp_device_for(auditor)

    sign_in_with_totp(page, auditor)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    page.wait_for_url("**/audit/")
    page.get_by_label("Action").select_option(AuditAction.MFA_VERIFIED.value)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit/?*action=mfa.verified*")
    results = page.locator("#audit-results")
    assert results.get_by_role("heading", name="1 event").is_visible()
    assert results.get_by_role("cell", name="MFA verified").is_visible()
    shot(page, "1-filtered")

    verified = AuditEvent.objects.get(action=AuditAction.MFA_VERIFIED)
    results.get_by_role("link", name=str(verified.seq), exact=True).click()
    page.wait_for_url(f"**/audit/events/{verified.seq}/")
    assert page.get_by_role("heading", name=f"Audit event #{verified.seq}: MFA verified").is_visible()
    assert page.get_by_text(verified.hash).is_visible()
    assert page.locator(".status-ok").count() == 2
    shot(page, "2-detail")

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    target = artifacts_dir() / "audit-trail-export.csv"
    download.save_as(str(target))
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["action"] for row in rows] == [AuditAction.MFA_VERIFIED.value]
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED, actor=auditor).count() == 1
