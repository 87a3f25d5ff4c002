import factory

from controls.models_subprocessors import ProcessingCategory, SubProcessor


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
