"""A responder logs a breach and sees its clocks; the DPO assesses it, records the notice to a customer and
downloads the Art. 33 notification PDF."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from incidents.models import Incident, Obligation
from portal.accounts.roles import Role
from tests.conftest import totp_device_for
from tests.controls.factories import CustomerFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"incident-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_a_responder_logs_a_breach_and_the_dpo_notifies_and_downloads_the_art33_pdf(page):
    assert settings.CELERY_TASK_ALWAYS_EAGER, "the e2e stage renders export jobs eagerly"
    responder = UserFactory(roles=[Role.INCIDENT_RESPONDER], email="rico@annex.test", full_name="Rico Responder")
    dpo = UserFactory(roles=[Role.DPO], email="dana@annex.test", full_name="Dana Privacy")
    totp_device_for(responder)
    totp_device_for(dpo)
    CustomerFactory(name="Northwind Health GmbH", slug="northwind", breach_notice_hours=24)

    # The responder logs the breach in under a minute.
    sign_in_with_totp(page, responder)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Log an incident").click()
    page.get_by_label("Title").fill("Ticket export sent to a former contractor")
    page.get_by_label("What happened").fill("A scheduled CSV export of support tickets went to a wrong mailbox.")
    detected = timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Detected at").fill(detected)
    page.get_by_label("Reported by").fill("Mail gateway DLP alert")
    page.get_by_label("Northwind Health GmbH").check()
    page.get_by_role("button", name="Open the case").click()
    incident = Incident.objects.get()
    page.wait_for_url(f"**/incidents/{incident.pk}/")
    clocks = page.locator("#obligation-table")
    assert "Northwind Health GmbH" in clocks.inner_text()
    assert "due in 23 h" in clocks.inner_text()
    shot(page, "1-clocks")
    page.get_by_role("button", name="Sign out").click()

    # The DPO sees every case, assesses it and decides.
    sign_in_with_totp(page, dpo)
    page.goto("/incidents/")
    page.get_by_role("link", name=incident.reference).click()
    page.get_by_role("link", name="Assess severity").click()
    page.get_by_label("Data processing context: category").select_option("behavioural")
    page.get_by_label("Ease of identification").select_option("maximum")
    page.get_by_label("Loss of confidentiality").select_option("known_recipients")
    page.get_by_label("Data subjects concerned").fill("1840")
    page.get_by_role("button", name="Compute and record").click()
    page.wait_for_url(f"**/incidents/{incident.pk}/")
    assert "ENISA score 2.25: medium" in page.locator("#assessment-result").inner_text()
    page.get_by_role("button", name="Record the decision").click()
    assert "Decided by Dana Privacy" in page.locator("#decision").inner_text()
    shot(page, "2-assessed")

    # The notice to the customer, from the clause 9.2 draft.
    obligation = incident.obligations.get(customer__slug="northwind")
    page.locator(f"tr[data-obligation='{obligation.pk}']").get_by_role("link", name="Record notice").click()
    assert "(a) Nature of the breach" in page.get_by_label("Content").input_value()
    page.get_by_label("Channel").select_option("email_manual")
    page.get_by_role("button", name="Record the notice").click()
    page.wait_for_url(f"**/incidents/{incident.pk}/")
    obligation.refresh_from_db()
    assert obligation.status == Obligation.Status.FILED and obligation.filed_late is False
    assert "filed (on time)" in page.locator(f"tr[data-obligation='{obligation.pk}']").inner_text()
    shot(page, "3-notice")

    # The Art. 33 notification as a PDF, through the exports backbone.
    page.get_by_role("button", name="Art. 33 notification PDF").click()
    page.wait_for_url("**/exports/jobs/**")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    target = artifacts_dir() / "incident-art33.pdf"
    download_info.value.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    shot(page, "4-exported")
