"""Export kinds of the sub-processor register and the records of processing, and the annex's sub-processor part.

- The customer's sub-processor list (Annex IV of the SCC 2021/915): versioned and verifiable like the TOM annex.
- The record of processing activities a processor keeps for each controller (Art. 30(2)(a)-(d) GDPR), as a
  versioned PDF and as an XLSX workbook; the subject "all customers" is the whole set for a supervisory
  authority (Art. 30(4)).
- add_subprocessor_measures(): the TOM annex's final paragraph (the sub-processors' own measures) and the
  attribution of the measures a sub-processor performs (a data-centre operator's physical security) to it.

Every snapshot here is built with a fixed number of queries, whatever the number of customers.
"""

from typing import BinaryIO

from django.conf import settings
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from controls.models import Customer
from controls.models_subprocessors import (
    NoticeState,
    ServiceSubProcessor,
    SubProcessor,
    SubProcessorChange,
)
from controls.scc_headings import ANNEX_TEXT
from controls.selectors import active_customer_subjects
from controls.selectors_subprocessors import (
    ListEntry,
    customer_subprocessor_lists,
    processing_categories,
    processor_details,
    terms_for,
)
from portal.core.spreadsheet import safe_cell
from portal.exports.models import AnnexVersion
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register
from portal.exports.rendering import content_sha256, document_languages

SUBPROCESSOR_LIST = "controls.subprocessor_list"
PROCESSING_RECORD = "controls.processing_record"
PROCESSING_RECORD_XLSX = "controls.processing_record_xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Snapshots keep these in English, so a version's content hash never depends on the reader's language; the
# templates translate them when the document is rendered (gettext_noop puts them in the catalogue).
LIST_TITLE = gettext_noop("List of sub-processors")
LIST_ANNEX_TITLE = gettext_noop("Annex IV: list of sub-processors (Commission Implementing Decision (EU) 2021/915)")
RECORD_TITLE = gettext_noop("Record of processing activities")
RECORD_ANNEX_TITLE = gettext_noop("Records of a processor, Art. 30(2) GDPR")
ALL_CUSTOMERS_LABEL = gettext_noop("All customers")


def _closing_sentence(language: str) -> str:
    """The decision's sentence on the measures of (sub-)processors, in `language`."""
    with translation.override(language):
        return str(ANNEX_TEXT["closing_sentence"])


def _customers(subject_keys: list[str]) -> dict[str, Customer]:
    wanted = [k for k in subject_keys if k != ALL_SUBJECTS]
    found = {c.slug: c for c in Customer.objects.filter(slug__in=wanted)}
    missing = set(wanted) - set(found)
    if missing:
        raise LookupError(f"no customer with the slug {sorted(missing)[0]!r}")
    return found


def _transfer(sp: SubProcessor) -> dict:
    # In English, whoever takes the snapshot: the documents translate the labels when they are rendered.
    with translation.override("en"):
        mechanism = str(sp.get_transfer_mechanism_display()) if sp.transfer_mechanism else ""
        scc_module = str(sp.get_scc_module_display()) if sp.scc_module else ""
    return {
        "mechanism": mechanism,
        "scc_module": scc_module,
        "details": sp.transfer_details,
        "countries_outside_eea": sp.countries_outside_eea(),
        "locations_outside_eea": sp.location_text(outside_eea_only=True),
    }


def _general_subprocessors() -> list[SubProcessor]:
    """For the annex covering every customer: the sub-processors in use for a service (announced ones from their
    planned date)."""
    today = timezone.localdate()
    links = ServiceSubProcessor.objects.filter(subprocessor__status=SubProcessor.Status.ACTIVE).filter(
        change__isnull=True
    ) | ServiceSubProcessor.objects.filter(
        subprocessor__status=SubProcessor.Status.ACTIVE, change__status=SubProcessorChange.Status.ANNOUNCED,
        change__planned_from__lte=today,
    )
    ids = set(links.values_list("subprocessor_id", flat=True))
    return list(SubProcessor.objects.filter(pk__in=ids).order_by("legal_name"))


def _performed(subprocessor_ids) -> dict[int, list[str]]:
    """{sub-processor id: references of the processor's controls it performs}."""
    result: dict[int, list[str]] = {}
    for sp_id, reference in SubProcessor.performed_controls.through.objects.filter(
        subprocessor_id__in=subprocessor_ids
    ).values_list("subprocessor_id", "control__reference").order_by("control__reference"):
        result.setdefault(sp_id, []).append(reference)
    return result


def add_subprocessor_measures(snapshots: dict[str, dict]) -> dict[str, dict]:
    """Give each TOM annex snapshot its sub-processors' measures and attribute the measures they perform.

    Called by controls.exports for one snapshot and for many alike (four queries more, whatever the number).
    """
    customers = _customers(list(snapshots))
    lists = customer_subprocessor_lists(customers.values())
    general = _general_subprocessors() if ALL_SUBJECTS in snapshots else []
    in_use = {key: ([e.subprocessor for e in lists[customers[key].pk] if e.in_use] if key != ALL_SUBJECTS else general)
              for key in snapshots}
    performed = _performed({sp.pk for sps in in_use.values() for sp in sps})
    for key, snapshot in snapshots.items():
        by_control: dict[str, list[str]] = {}
        part = []
        for sp in in_use[key]:
            for reference in performed.get(sp.pk, []):
                by_control.setdefault(reference, []).append(sp.legal_name)
            part.append({
                "name": sp.legal_name, "service_performed": sp.service_performed, "locations": sp.location_text(),
                "measures": sp.measures, "certification": sp.certification, "performs": performed.get(sp.pk, []),
            })
        first, *others = snapshot.get("languages") or [settings.LANGUAGE_CODE]
        snapshot["subprocessor_measures"] = {
            "closing_sentence": _closing_sentence(first), "subprocessors": part,
            **{language: {"closing_sentence": _closing_sentence(language)} for language in others},
        }
        for section in snapshot.get("sections", []):
            # Items may be shared between the snapshots of several customers: replace them, never mutate.
            section["items"] = [
                {**item, "performed_by": by_control[item["reference"]]} if item["reference"] in by_control else item
                for item in section["items"]
            ]
    return snapshots


# The customer's sub-processor list ------------------------------------------------------------------------------

def _list_item(entry: ListEntry, performed: dict[int, list[str]]) -> dict:
    sp = entry.subprocessor
    return {
        "reference": sp.slug, "title": sp.legal_name, "address": sp.address,
        "contact": f"{sp.contact_name} <{sp.contact_email}>", "service_performed": sp.service_performed,
        "services": list(entry.services), "locations": sp.location_text(), "transfer": _transfer(sp),
        "measures": sp.measures, "performs": performed.get(sp.pk, []), "certification": sp.certification,
    }


def subprocessor_list_snapshots(subject_keys: list[str]) -> dict[str, dict]:
    from controls.exports import contract_languages

    customers = _customers(subject_keys)
    lists = customer_subprocessor_lists(customers.values())
    performed = _performed({e.subprocessor.pk for entries in lists.values() for e in entries})
    result = {}
    for key in subject_keys:
        customer = customers[key]
        entries = lists[customer.pk]
        engaged = [_list_item(e, performed) for e in entries if e.in_use]
        announced = [
            {**_list_item(e, performed), "reference": f"announced:{e.subprocessor.slug}", "state": str(e.state),
             "takes_effect_on": e.takes_effect_on.isoformat() if e.takes_effect_on else "",
             "replaces": e.replaces.legal_name if e.replaces else ""}
            for e in entries if e.state in (NoticeState.PENDING, NoticeState.AWAITING_APPROVAL, NoticeState.OBJECTED)
        ]
        result[key] = {
            "title": LIST_TITLE,
            "annex_title": LIST_ANNEX_TITLE,
            # An annex of the DPA: written in the contract's language(s), as the TOM annex.
            "languages": contract_languages(customer.contract_language),
            "processor": processor_details().name,
            "subject_key": key, "subject_label": customer.name, "contract_reference": customer.contract_reference,
            "count": len(engaged),
            "sections": [
                {"id": "engaged", "n": 1, "title": gettext_noop("Sub-processors engaged"), "items": engaged},
                {"id": "announced", "n": 2, "title": gettext_noop("Announced changes, not yet in effect"),
                 "items": announced},
            ],
        }
    return result


def subprocessor_list_snapshot(subject_key: str) -> dict:
    return subprocessor_list_snapshots([subject_key])[subject_key]


def subprocessor_list_recipients(subject_key: str) -> list[tuple[str, str]]:
    customer = Customer.objects.filter(slug=subject_key, is_active=True).first()
    if customer is None or not customer.notice_contact_email:
        return []
    return [(customer.notice_contact_name, customer.notice_contact_email)]


register(ExportKind(
    name=SUBPROCESSOR_LIST,
    label=gettext_lazy("Sub-processor list"),
    template="controls/subprocessor_list.html",
    snapshot=subprocessor_list_snapshot,
    snapshots=subprocessor_list_snapshots,
    subjects=active_customer_subjects,
    permission="controls.view_subprocessor",
    versioned=True,
    notice_recipients=subprocessor_list_recipients,
    description=gettext_lazy("The customer's sub-processors, derived from its services, as an annex of its own (PDF)."),
))


# Records of processing (Art. 30(2)) -----------------------------------------------------------------------------

def _processor_part() -> dict:
    details = processor_details()
    return {"name": details.name, "address": details.address, "contact": details.contact_email,
            "representative": details.representative, "dpo": details.dpo_name, "dpo_contact": details.dpo_contact}


def processing_records(customers: list[Customer]) -> list[dict]:
    """The record of each customer, points (a) to (d) of Art. 30(2), from the register (a fixed number of queries)."""
    from controls.exports import tom_annex_snapshots

    if not customers:
        return []
    terms = terms_for(customers)
    lists = customer_subprocessor_lists(customers)
    categories: dict[int, list] = {}
    for category in processing_categories():
        categories.setdefault(category.service_id, []).append(category)
    services_of: dict[int, list] = {}
    for link in Customer.services.through.objects.filter(customer__in=customers).select_related("service").order_by(
        "service__name"
    ):
        services_of.setdefault(link.customer_id, []).append(link.service)
    annexes = tom_annex_snapshots([c.slug for c in customers])
    published = dict(
        AnnexVersion.objects.filter(kind="controls.tom_annex", subject_key__in=[c.slug for c in customers])
        .values("subject_key").annotate(latest=Max("number")).values_list("subject_key", "latest")
    )
    processor = _processor_part()
    records = []
    for customer in customers:
        term = terms[customer.pk]
        annex = annexes[customer.slug]
        transfers = [
            {"subprocessor": e.subprocessor.legal_name, "countries": e.subprocessor.countries_outside_eea(),
             "locations": e.subprocessor.location_text(), **_transfer(e.subprocessor)}
            for e in lists[customer.pk] if e.in_use and e.subprocessor.countries_outside_eea()
        ]
        records.append({
            "customer": customer.name, "slug": customer.slug, "contract_reference": customer.contract_reference,
            "a": {
                "processor": processor,
                "controller": {"name": customer.name, "address": term.controller_address,
                               "contact": f"{customer.notice_contact_name} <{customer.notice_contact_email}>",
                               "representative": term.controller_representative, "dpo": term.controller_dpo},
                "subprocessors": [{"name": e.subprocessor.legal_name, "contact": e.subprocessor.contact_email}
                                  for e in lists[customer.pk] if e.in_use],
            },
            "b": [
                {"service": service.name, "categories": [
                    {"name": c.name, "description": c.description, "data_subjects": c.data_subjects,
                     "personal_data": c.personal_data} for c in categories.get(service.pk, [])]}
                for service in services_of.get(customer.pk, [])
            ],
            "c": transfers,
            "d": {
                "annex_version": published.get(customer.slug),
                "measure_count": annex["measure_count"],
                "categories": [
                    {"n": s["n"], "title": s["title"], "statement": s["statement"],
                     "measures": [item["title"] for item in s["items"]],
                     **({"en": {"title": s["en"]["title"], "statement": s["en"].get("statement", "")}}
                        if "en" in s else {})}
                    for s in annex["sections"] if s["applicable"]
                ],
            },
        })
    return records


def processing_record_snapshots(subject_keys: list[str]) -> dict[str, dict]:
    from controls.exports import contract_languages

    customers = _customers(subject_keys)
    every = list(Customer.objects.filter(is_active=True).order_by("name")) if ALL_SUBJECTS in subject_keys else []
    wanted = {c.pk: c for c in [*customers.values(), *every]}
    records = {r["slug"]: r for r in processing_records(sorted(wanted.values(), key=lambda c: c.name))}
    result = {}
    for key in subject_keys:
        chosen = [records[c.slug] for c in every] if key == ALL_SUBJECTS else [records[key]]
        result[key] = {
            "title": RECORD_TITLE,
            "annex_title": RECORD_ANNEX_TITLE,
            "processor": processor_details().name,
            "subject_key": key,
            "subject_label": ALL_CUSTOMERS_LABEL if key == ALL_SUBJECTS else customers[key].name,
            # A customer's record in its contract's language(s); the whole set in the portal's.
            "languages": ([settings.LANGUAGE_CODE] if key == ALL_SUBJECTS
                          else contract_languages(customers[key].contract_language)),
            "records": chosen,
        }
    return result


def processing_record_snapshot(subject_key: str) -> dict:
    return processing_record_snapshots([subject_key])[subject_key]


def _transfer_text(transfer: dict) -> str:
    """ "US: Virginia: Standard contractual clauses (...), Module 3: processor to processor. Details." """
    mechanism = ", ".join(_(part) for part in (transfer["mechanism"], transfer["scc_module"]) if part)
    text = f"{transfer['locations_outside_eea']}: {mechanism}"
    return f"{text}. {transfer['details']}" if transfer["details"] else text


def processing_record_xlsx_write(kind: ExportKind, content: dict, target: BinaryIO, progress) -> None:
    """One "Record" sheet with a row per entry (customer, point, item, details) and an "About" sheet, in the
    document's (first) language."""
    with translation.override(document_languages(content)[0]):
        _write_record_workbook(content, target, progress)


def _write_record_workbook(content: dict, target: BinaryIO, progress) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Record"))
    sheet.append([_("Customer"), _("Art. 30(2)"), _("Entry"), _("Details")])
    for record in content["records"]:
        name, a = record["customer"], record["a"]
        rows = [
            ("(a)", _("Processor"), a["processor"]["name"]),
            ("(a)", _("Processor's address and contact"), f"{a['processor']['address']} {a['processor']['contact']}"),
            ("(a)", _("Processor's representative"), a["processor"]["representative"]),
            ("(a)", _("Processor's data protection officer"),
             f"{a['processor']['dpo']} {a['processor']['dpo_contact']}".strip()),
            ("(a)", _("Controller"), f"{a['controller']['name']}, {a['controller']['address']}".strip(", ")),
            ("(a)", _("Controller's contact"), a["controller"]["contact"]),
            ("(a)", _("Controller's representative"), a["controller"]["representative"]),
            ("(a)", _("Controller's data protection officer"), a["controller"]["dpo"]),
        ]
        rows += [("(a)", _("Sub-processor"), f"{s['name']} <{s['contact']}>") for s in a["subprocessors"]]
        for service in record["b"]:
            rows.append(("(b)", service["service"], "; ".join(
                f"{c['name']}: {c['description']}" for c in service["categories"]) or _("No category recorded")))
        rows += [("(c)", t["subprocessor"], _transfer_text(t)) for t in record["c"]]
        if not record["c"]:
            rows.append(("(c)", _("Transfers to third countries"), _("None")))
        rows += [("(d)", f"{c['n']}. {c['title']}", "; ".join(c["measures"])) for c in record["d"]["categories"]]
        for point, entry, details in rows:
            sheet.append([safe_cell(name), point, safe_cell(str(entry)), safe_cell(str(details))])
    progress(60)
    about = workbook.create_sheet(_("About"))
    scope = _(content["subject_label"]) if content["subject_key"] == ALL_SUBJECTS else content["subject_label"]
    for label, value in ((_("Document"), _(content["title"])), (_("Processor"), content["processor"]),
                         (_("Scope"), scope), (_("As of"), date_format(timezone.localdate())),
                         (_("Content fingerprint (SHA-256)"), content_sha256(content))):
        about.append([str(label), safe_cell(str(value))])
    workbook.save(target)


register(ExportKind(
    name=PROCESSING_RECORD,
    label=gettext_lazy("Record of processing (PDF)"),
    template="controls/processing_record.html",
    snapshot=processing_record_snapshot,
    snapshots=processing_record_snapshots,
    subjects=active_customer_subjects,
    whole_set_label=gettext_lazy("All customers (the whole set)"),
    permission="controls.view_processingcategory",
    versioned=True,
    description=gettext_lazy(
        "The processor's record for a customer (Art. 30(2)), or the whole set for a supervisory authority."
    ),
))
register(ExportKind(
    name=PROCESSING_RECORD_XLSX,
    label=gettext_lazy("Record of processing (Excel)"),
    template="",
    snapshot=processing_record_snapshot,
    subjects=active_customer_subjects,
    whole_set_label=gettext_lazy("All customers (the whole set)"),
    permission="controls.view_processingcategory",
    writer=processing_record_xlsx_write,
    extension="xlsx",
    content_type=XLSX_CONTENT_TYPE,
    description=gettext_lazy("The same record as an Excel workbook, one row per entry."),
))
