"""The DPO previews a retention run, starts it after confirming with the second factor, and downloads
the deletion certificate."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from portal.accounts.roles import Role
from portal.notifications.models import Notification
from portal.retention.models import RetentionPolicy, RetentionRun
from tests.conftest import totp_device_for
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.e2e.test_exports_journey import make_step_up_stale, next_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"retention-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_the_dpo_previews_a_run_runs_it_after_a_step_up_and_downloads_the_certificate(page):
    assert settings.CELERY_TASK_ALWAYS_EAGER, "the e2e stage runs retention runs eagerly"
    dpo = UserFactory(roles=[Role.DPO], email="dpo@annex.test", full_name="Dana Protection")
    totp_device_for(dpo)
    RetentionPolicy.objects.create(
        key="notifications", data_category="Reminders to staff", system="Annex database",
        purpose="Reminding people of their duties", legal_basis="Art. 6(1)(f) GDPR", period_months=6,
        counts_from="creation", action="delete")
    old = timezone.now() - timedelta(days=400)
    for n in range(3):
        Notification.objects.create(key=f"old-{n}", recipient=dpo, channel="in_app", reason="demo.notice",
                                    title=f"Old reminder {n}", created_at=old)
    Notification.objects.create(key="new", recipient=dpo, channel="in_app", reason="demo.notice",
                                title="Current reminder")

    sign_in_with_totp(page, dpo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    page.wait_for_url("**/retention/")
    page.get_by_role("link", name="Runs").click()
    page.wait_for_url("**/retention/runs/")
    preview = page.locator("#retention-preview")
    row = preview.get_by_role("row").filter(has_text="Notifications")
    assert row.get_by_role("cell").nth(-1).inner_text().strip() == "3"
    shot(page, "1-preview")

    make_step_up_stale(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Run retention now").click()
    page.wait_for_url("**/account/mfa/step-up/**")
    assert Notification.objects.count() == 4 and not RetentionRun.objects.exists()
    page.get_by_role("textbox", name="Authentication code").fill(next_totp(dpo))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/retention/runs/")
    page.get_by_role("button", name="Run retention now").click()

    page.wait_for_url("**/retention/runs/*/")
    run = RetentionRun.objects.get()
    assert run.status == RetentionRun.Status.DONE
    assert list(Notification.objects.values_list("key", flat=True)) == ["new"]
    assert page.locator("[data-status]").inner_text().strip() == "Completed"
    shot(page, "2-run")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the deletion certificate").click()
    download = download_info.value
    target = artifacts_dir() / f"retention-{download.suggested_filename}"
    download.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    run.refresh_from_db()
    assert run.certificate_sha256 and run.certificate_sha256[:16] in page.content()
