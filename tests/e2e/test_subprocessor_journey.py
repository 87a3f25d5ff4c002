"""The DPO adds a sub-processor and announces it; the customer objects from the link in the notice; the DPO
downloads that customer's record of processing."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core import mail

from controls.models_subprocessors import ChangeNotice, SubProcessor
from portal.accounts.roles import Role
from portal.exports.models import ExportJob
from tests.conftest import totp_device_for
from tests.controls.factories import CustomerFactory, ServiceFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"subprocessors-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.django_db(transaction=True)
def test_a_dpo_announces_a_sub_processor_the_customer_objects_and_the_dpo_downloads_the_record(page):
    assert settings.CELERY_TASK_ALWAYS_EAGER, "the e2e stage sends notices and renders exports eagerly"
    dpo = UserFactory(roles=[Role.DPO], email="dpo@annex.test", full_name="Dana Protection")
    totp_device_for(dpo)
    support = ServiceFactory(slug="support", name="Customer support desk")
    customer = CustomerFactory(slug="acme", name="Acme Health GmbH", notice_contact_name="Greta Lindqvist",
                               notice_contact_email="greta@acme.example")
    customer.services.set([support])

    sign_in_with_totp(page, dpo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sub-processors").click()
    page.wait_for_url("**/subprocessors/")
    page.get_by_role("link", name="Add sub-processor").click()
    page.locator("#id_legal_name").fill("Mailflow Inc.")
    page.locator("#id_slug").fill("mailflow")
    page.locator("#id_address").fill("500 Howard Street, San Francisco, USA")
    page.locator("#id_contact_name").fill("Privacy office")
    page.locator("#id_contact_email").fill("privacy@mailflow.example")
    page.locator("#id_service_performed").fill("Delivers the transactional emails of the support desk.")
    page.locator("#id_locations_text").fill("US us-east-1 (Virginia)")
    page.locator("#id_measures").fill("SOC 2 Type II; encryption at rest.")
    page.locator("#id_dpa_reference").fill("MF-DPA-2026")
    page.get_by_role("button", name="Save").click()
    # Outside the EEA without a transfer mechanism: refused, and what was typed stays.
    assert page.get_by_text("name the transfer mechanism").is_visible()
    assert page.locator("#id_legal_name").input_value() == "Mailflow Inc."
    assert not SubProcessor.objects.exists()
    page.locator("#id_transfer_mechanism").select_option("scc")
    page.locator("#id_scc_module").select_option("module_3")
    shot(page, "1-register")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/subprocessors/mailflow/")

    page.get_by_label("Customer support desk").check()
    page.locator("#id_reason").fill("Better deliverability of support emails.")
    page.locator("#id_planned_from").fill(date.today().isoformat())
    page.get_by_role("button", name="Announce change").click()
    page.wait_for_url("**/subprocessors/changes/*/")
    assert page.get_by_text("Change announced: the notice goes to 1 customer contact.").is_visible()
    shot(page, "2-announced")
    [message] = mail.outbox
    assert message.to == ["greta@acme.example"] and "Mailflow Inc." in message.body
    reply_url = re.search(r"https?://\S+/respond/subprocessor/\S+/", message.body).group(0)

    # The customer's contact opens the link in another browser (no account) and objects.
    reply = page.context.browser.new_context(base_url=page.url.split("/subprocessors/")[0]).new_page()
    reply.goto("/respond/" + reply_url.split("/respond/", 1)[1])
    assert reply.get_by_text("Mailflow Inc.").first.is_visible()
    reply.get_by_label("I object").check()
    reply.get_by_label("Your name").fill("Greta Lindqvist")
    reply.get_by_label("Reasons or remarks").fill("No transfers to the USA for patient data.")
    reply.get_by_role("button", name="Send answer").click()
    assert reply.get_by_role("status").get_by_text("Your answer is recorded").is_visible()
    reply.screenshot(path=str(artifacts_dir() / "subprocessors-3-objection.png"), full_page=True)
    reply.context.close()
    notice = ChangeNotice.objects.get()
    assert notice.response == ChangeNotice.Response.OBJECTED and notice.response_via == "link"

    page.reload()
    assert page.get_by_text("Objected: not used until resolved").is_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    page.wait_for_url("**/exports/")
    page.get_by_role("combobox", name="Document").select_option(value="controls.processing_record|acme")
    page.get_by_role("button", name="Request").click()
    job = ExportJob.objects.get(requested_by=dpo)
    page.wait_for_url(f"**/exports/jobs/{job.pk}/")
    shot(page, "4-record-ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    target = artifacts_dir() / f"subprocessors-{download.suggested_filename}"
    download.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
