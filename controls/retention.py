"""Retention of the control inventory's records, declared to the retention backbone.

- Evidence removed by its owner, and evidence superseded (expired while newer evidence of the same
  control exists), is deleted with its stored file when the evidence policy's period has passed.
- A customer whose end-of-contract certificate was issued keeps its record (the name, the contract and
  the published annexes stay as proof), but loses its contact details and overrides when the customer
  records' period after the contract end has passed.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from controls.models import Customer, CustomerControlOverride, Evidence
from portal.retention.models import Action, CountsFrom, Offboarding
from portal.retention.registry import Holdable, PolicyDefault, RetentionTarget, register, register_holdable

EVIDENCE_POLICY = "evidence-files"

_EVIDENCE_DEFAULT = PolicyDefault(
    data_category=_("Evidence of controls (reports, scans, screenshots)"),
    system=_("Encrypted file store, Annex database"),
    purpose=_("Proving that the technical and organisational measures are in place."),
    legal_basis=_("Art. 5(2), Art. 28(3)(h) and Art. 32 GDPR"),
    period_months=12, counts_from=CountsFrom.REMOVAL, action=Action.DELETE, control_reference="TOM-RET-01",
)


def _superseded():
    newer = Evidence.objects.filter(control=OuterRef("control"), removed_at__isnull=True,
                                    created_at__gt=OuterRef("created_at"))
    return Evidence.objects.filter(removed_at__isnull=True, valid_until__isnull=False).filter(Exists(newer))


REMOVED_EVIDENCE = register(RetentionTarget(
    name="controls.evidence_removed",
    label=_("Removed evidence"),
    policy=EVIDENCE_POLICY,
    queryset=lambda: Evidence.objects.filter(removed_at__isnull=False),
    date_field="removed_at",
    counts_from=CountsFrom.REMOVAL,
    action=Action.DELETE,
    batch_size=500,
    default=_EVIDENCE_DEFAULT,
))

SUPERSEDED_EVIDENCE = register(RetentionTarget(
    name="controls.evidence_superseded",
    label=_("Superseded evidence"),
    policy=EVIDENCE_POLICY,
    queryset=_superseded,
    date_field="valid_until",
    counts_from=CountsFrom.EXPIRY,
    action=Action.DELETE,
    batch_size=500,
    default=_EVIDENCE_DEFAULT,
))


def _certified_customers():
    certified = Offboarding.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=Cast(OuterRef("pk"), output_field=models.CharField()),
    ).exclude(certificate_sha256="")
    return Customer.objects.filter(Exists(certified)).exclude(notice_contact_email="", notice_contact_name="")


def _anonymise_customers(pks) -> int:
    CustomerControlOverride.objects.filter(customer_id__in=pks).delete()
    return Customer.objects.filter(pk__in=pks).update(notice_contact_name="", notice_contact_email="",
                                                      is_active=False)


CUSTOMER_RECORDS = register(RetentionTarget(
    name="controls.customer_records",
    label=_("Records of former customers"),
    policy="customer-records",
    queryset=_certified_customers,
    date_field="contract_ends_on",
    counts_from=CountsFrom.CONTRACT_END,
    action=Action.ANONYMISE,
    anonymise=_anonymise_customers,
    batch_size=100,
    default=PolicyDefault(
        data_category=_("Customer contacts and per-customer settings"), system=_("Annex database"),
        purpose=_("Running the contract: notices to the controller, the measures that apply to it."),
        legal_basis=_("Art. 6(1)(b) GDPR (contract)"),
        period_months=3, counts_from=CountsFrom.CONTRACT_END, action=Action.ANONYMISE,
    ),
))

register_holdable(Holdable(
    model="controls.customer", label=_("Customer"), lookup="slug", queryset=lambda: Customer.objects.all(),
    hint=_("its short name (slug)"),
))
