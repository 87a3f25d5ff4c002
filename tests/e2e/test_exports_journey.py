"""A DPO requests the TOM annex for a customer, watches it finish, confirms it's them and downloads the PDF."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django_otp.oath import totp

from portal.accounts.mfa import STEP_UP_SESSION_KEY
from portal.accounts.models import TOTPDevice
from portal.accounts.roles import Role
from portal.exports.models import ExportJob
from tests.conftest import totp_device_for
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"exports-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


def next_totp(user) -> str:
    """The code of the next 30-second step: the login code cannot be used twice, the next one is accepted."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=1):06d}"


def make_step_up_stale(page) -> None:
    """As if the last code had been entered an hour ago (the browser keeps its session)."""
    [cookie] = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    session = SessionStore(session_key=cookie["value"])
    session[STEP_UP_SESSION_KEY] = int(time.time()) - 3600
    session.save()


@pytest.mark.django_db(transaction=True)
def test_a_dpo_requests_a_customer_annex_and_downloads_it_after_a_step_up(page):
    assert settings.CELERY_TASK_ALWAYS_EAGER, "the e2e stage renders export jobs eagerly"
    dpo = UserFactory(roles=[Role.DPO], email="dpo@annex.test", full_name="Dana Protection")
    totp_device_for(dpo)
    CustomerFactory(slug="acme", name="Acme Health GmbH", contract_reference="DPA-2025-017")
    StatedControlFactory(reference="TOM-ENC-01", title="AES-256 encryption of personal data at rest")

    sign_in_with_totp(page, dpo)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    page.wait_for_url("**/exports/")
    page.get_by_role("combobox", name="Document").select_option(value="controls.tom_annex|acme")
    shot(page, "1-request")
    page.get_by_role("button", name="Request").click()

    job = ExportJob.objects.get(requested_by=dpo)
    page.wait_for_url(f"**/exports/jobs/{job.pk}/")
    assert page.get_by_text("TOM annex: Acme Health GmbH is ready to download.").is_visible()
    status = page.locator("#job-status")
    assert "Ready" in status.inner_text()
    download_link = page.get_by_role("link", name="Download")
    assert download_link.is_visible()
    assert page.locator("progress").count() == 0  # finished: no progress bar, no more polling
    shot(page, "2-done")

    make_step_up_stale(page)
    download_link.click()
    page.wait_for_url("**/account/mfa/step-up/**")
    assert page.get_by_role("heading", name="Confirm it's you").is_visible()
    shot(page, "3-step-up")
    page.get_by_role("textbox", name="Authentication code").fill(next_totp(dpo))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Confirm").click()
    download = download_info.value
    assert download.suggested_filename == job.file_name
    target = artifacts_dir() / f"exports-{download.suggested_filename}"
    download.save_as(str(target))
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and len(data) == job.file_size
