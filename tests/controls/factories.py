import factory

from controls.catalogue_loader import MANAGED_FIELDS, fingerprint
from controls.models import Control, Customer, CustomerControlOverride, Evidence, Service


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class ControlFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Control

    reference = factory.Sequence(lambda n: f"TST-CTL-{n:04d}")
    title = factory.Sequence(lambda n: f"Test measure {n}")
    description = "Database volumes are encrypted with AES-256-GCM; keys are held in the cloud KMS."
    scc_category = "pseudonymisation_encryption"
    art32_points = factory.LazyFunction(lambda: ["a"])
    kind = Control.Kind.TECHNICAL
    status = Control.Status.IMPLEMENTED
    parameters = factory.LazyFunction(lambda: {"cipher": "AES-256-GCM"})
    review_cadence_months = 12
    tags = factory.LazyFunction(list)
    # As loaded from the TOM catalogue (as every real control is) and not edited since: the fingerprint of
    # its managed fields, without services or related controls.
    catalogue_hash = factory.LazyAttribute(lambda o: fingerprint({
        **{name: getattr(o, name) for name in MANAGED_FIELDS}, "art32_points": sorted(o.art32_points),
        "services": [], "related": [],
    }))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    slug = factory.Sequence(lambda n: f"customer-{n}")
    contract_reference = factory.Sequence(lambda n: f"DPA-{n:04d}")
    notice_contact_name = "Petra Privacy"
    notice_contact_email = "privacy@customer.example"
    breach_notice_hours = 24


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerControlOverride

    customer = factory.SubFactory(CustomerFactory)
    control = factory.SubFactory(ControlFactory)
    mode = CustomerControlOverride.Mode.EXCLUDE
    reason = "The customer runs this measure itself."


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A note by default; files go through services_evidence.evidence_add (see tests/controls/test_evidence.py)."""

    class Meta:
        model = Evidence

    control = factory.SubFactory(ControlFactory)
    kind = Evidence.Kind.NOTE
    title = factory.Sequence(lambda n: f"Evidence {n}")
    text = "Quarterly access review completed; 3 stale accounts removed."


class StatedControlFactory(ControlFactory):
    """An implemented control with evidence in date: what a TOM annex states as implemented."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def evidence(obj, create, extracted, **kwargs):
        if create:
            Evidence.objects.create(control=obj, kind=Evidence.Kind.NOTE, title=f"Check of {obj.reference}",
                                    text="Checked and working as described.")
