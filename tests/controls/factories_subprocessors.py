import factory
from django.utils import timezone

from controls import services_subprocessors as services
from controls.models_subprocessors import ProcessingCategory, SubProcessor
from tests.controls.factories import CustomerFactory, ServiceFactory


class SubProcessorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubProcessor

    slug = factory.Sequence(lambda n: f"subprocessor-{n}")
    legal_name = factory.Sequence(lambda n: f"Sub-processor {n} GmbH")
    address = "Hauptstraße 1\n10115 Berlin\nGermany"
    contact_name = "Sam Supplier"
    contact_email = "privacy@supplier.example"
    service_performed = "Operates the data centre in which the application servers run."
    locations = factory.LazyFunction(lambda: [{"country": "DE", "region": "Frankfurt"}])
    measures = "ISO 27001 certified data centre; biometric access control; 24/7 guards."
    dpa_reference = factory.Sequence(lambda n: f"SUB-DPA-{n:03d}")


class ProcessingCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessingCategory

    name = factory.Sequence(lambda n: f"Storage of application data {n}")
    description = "Storing and backing up the controller's application data on the processor's servers."


def objected_change(dpo, customer_name="Kanzlei Klein"):
    """A change announced to one customer, who objected to it by the link in their notice."""
    hosting = ServiceFactory()
    customer = CustomerFactory(**({"name": customer_name} if customer_name else {}))
    customer.services.set([hosting])
    change = services.subprocessor_change_open(
        actor=dpo, subprocessor=SubProcessorFactory(legal_name="Mailer Inc."), kind="addition", services=[hosting],
        reason="Better deliverability.", planned_from=timezone.localdate())
    notice = change.notices.get()
    services.notice_respond_by_link(token=services.notice_token(notice), response="objected",
                                    by_name="Petra Privacy", note="Our works council has not agreed.")
    notice.refresh_from_db()
    return change, notice
