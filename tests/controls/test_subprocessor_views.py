"""The register's pages, the announcement form and the customer's reply link."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from controls import services_subprocessors as services
from controls.models_subprocessors import ChangeNotice, SubProcessor
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory, CustomerFactory, EvidenceFactory, ServiceFactory
from tests.controls.factories_subprocessors import SubProcessorFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _form(**overrides):
    data = {
        "legal_name": "Mailer Inc.", "slug": "mailer", "address": "1 Market St, San Francisco",
        "contact_name": "Privacy team", "contact_email": "privacy@mailer.example",
        "service_performed": "Delivers transactional emails.", "locations_text": "US us-east-1 (Virginia)",
        "transfer_mechanism": "", "scc_module": "", "transfer_details": "", "measures": "SOC 2 Type II.",
        "dpa_reference": "MAILER-DPA", "certification": "", "assessment_cadence_months": "12",
    }
    data.update(overrides)
    return data


def test_the_form_refuses_a_transfer_outside_the_eea_without_a_mechanism_and_keeps_what_was_typed(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("subprocessors:create"), _form())
    assert response.status_code == 200
    assert "name the transfer mechanism" in response.content.decode()
    assert 'value="Mailer Inc."' in response.content.decode()
    assert not SubProcessor.objects.exists()
    response = client.post(reverse("subprocessors:create"), _form(transfer_mechanism="scc", scc_module="module_3"))
    assert response.status_code == 302
    sp = SubProcessor.objects.get()
    assert sp.locations == [{"country": "US", "region": "us-east-1 (Virginia)"}]
    assert AuditEvent.objects.filter(action="subprocessor.created").count() == 1


def test_a_malformed_location_line_is_refused(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("subprocessors:create"), _form(locations_text="Frankfurt"))
    assert response.status_code == 200
    assert "two-letter country code" in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_the_dpo_announces_a_change_from_the_detail_page(signed_in):
    client, _ = signed_in(Role.DPO)
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    sp = SubProcessorFactory()
    response = client.post(reverse("subprocessors:change_create", args=[sp.slug]), {
        "kind": "addition", "services": [hosting.pk], "reason": "A second data centre for resilience.",
        "planned_from": TODAY.isoformat(),
    })
    notice = ChangeNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "subprocessors:change_detail", args=[notice.change_id])
    assert notice.takes_effect_on == TODAY + timedelta(days=30)
    page = client.get(response["Location"]).content.decode()
    assert customer.name in page and "Notice period running" in page


@time_machine.travel(TODAY, tick=False)
def test_an_objection_is_recorded_from_the_reply_link_without_an_account(client):
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    change = services.subprocessor_change_open(
        actor=UserFactory(roles=[Role.DPO]), subprocessor=SubProcessorFactory(legal_name="Mailer Inc."),
        kind="addition", services=[hosting], reason="Deliverability.", planned_from=TODAY,
    )
    url = reverse("respond:subprocessor", args=[services.notice_token(change.notices.get())])
    page = client.get(url)
    assert page.status_code == 200 and "Mailer Inc." in page.content.decode()
    refused = client.post(url, {"response": "objected", "by_name": "Petra Privacy", "note": ""})
    assert refused.status_code == 400
    assert ChangeNotice.objects.get().response == ""
    response = client.post(url, {"response": "objected", "by_name": "Petra Privacy", "note": "No US transfers."})
    assert response.status_code == 302
    notice = ChangeNotice.objects.get()
    assert (notice.response, notice.response_via, notice.response_note) == ("objected", "link", "No US transfers.")
    event = AuditEvent.objects.get(action="subprocessor.response_recorded")
    assert event.actor is None and event.actor_label.startswith("reply link")
    assert "Your answer is recorded" in client.get(url).content.decode()


def test_an_unknown_reply_token_is_a_404(client):
    assert client.get(reverse("respond:subprocessor", args=["nope"])).status_code == 404


def test_the_register_page_runs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    client, dpo = signed_in(Role.DPO)
    hosting = ServiceFactory(slug="hosting")

    def add(n):
        for _ in range(n):
            sp = SubProcessorFactory()
            services.subprocessor_record_existing_use(actor=dpo, subprocessor=sp, services=[hosting], reason="IV.")

    add(2)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("subprocessors:list")).status_code == 200
    add(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("subprocessors:list")).status_code == 200


def test_a_customers_list_page_shows_its_sub_processors_with_a_fixed_number_of_queries(
        signed_in, django_assert_max_num_queries):
    client, dpo = signed_in(Role.DPO)
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory()
    customer.services.set([hosting])
    sp = SubProcessorFactory(legal_name="DC GmbH")
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=sp, services=[hosting], reason="IV.")
    url = reverse("subprocessors:customer", args=[customer.slug])
    with django_assert_max_num_queries(25) as small:
        page = client.get(url)
    assert "DC GmbH" in page.content.decode()
    for _ in range(10):
        services.subprocessor_record_existing_use(actor=dpo, subprocessor=SubProcessorFactory(), services=[hosting],
                                                  reason="IV.")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_form_offers_evidence_for_the_dpa_and_the_certificate_with_its_expiry(signed_in):
    client, _ = signed_in(Role.DPO)
    EvidenceFactory(control=ControlFactory(reference="TOM-SUP-01"), title="ISO 27001 certificate",
                    valid_until=date(2027, 5, 31))
    page = client.get(reverse("subprocessors:create")).content.decode()
    assert "TOM-SUP-01: ISO 27001 certificate (valid until 31 May 2027)" in page


def test_the_customers_page_leads_to_its_sub_processor_list_and_record_for_publishing(signed_in):
    client, _ = signed_in(Role.DPO)
    customer = CustomerFactory(slug="acme")
    page = client.get(reverse("subprocessors:customer", args=[customer.slug])).content.decode()
    for kind in ("controls.subprocessor_list", "controls.processing_record"):
        url = reverse("exports:annex_detail", args=[kind, "acme"])
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200


@time_machine.travel(TODAY, tick=False)
def test_the_announcement_message_counts_one_customer_contact_in_german(signed_in):
    from django.contrib.messages import get_messages

    client, _ = signed_in(Role.DPO, language="de")
    hosting = ServiceFactory(slug="hosting")
    CustomerFactory().services.set([hosting])
    sp = SubProcessorFactory()
    response = client.post(reverse("subprocessors:change_create", args=[sp.slug]), {
        "kind": "addition", "services": [hosting.pk], "reason": "A second data centre for resilience.",
        "planned_from": TODAY.isoformat(),
    })
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Änderung angekündigt: Die Mitteilung geht an 1 Ansprechperson der Kunden."]
