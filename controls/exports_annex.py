"""The TOM annex: what a processor attaches to its data processing agreements, per customer, as a PDF.

The snapshot states only the truth (controls.annex_truth): measures implemented or verified with evidence in
date, under the 17 SCC categories; planned measures apart with their target dates (or left out, as the
customer's annex terms say); assistance to the controller (Art. 28(3)(b), (e), (f) GDPR) in its own section;
certifications and periodic tests with the facts their evidence records. Page 1 names the parties, the DPA,
which annex it is (Annex III of 2021/915, or Annex II of 2021/914 with its module) and the services in scope.

Snapshots are plain JSON written in the customer's contract language (bilingual: German first, the English
texts under "en"); one snapshot and many are built by the same code with a fixed number of queries.
"""

import json
from datetime import date
from functools import cache

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from controls.annex_texts import CLAUSE_9_2, INSTRUMENTS, LEAD_IN_2021_914, MODULES
from controls.annex_truth import Facts, Standing, blocking_reason, facts_for, standing
from controls.catalogue_i18n import catalogue_text
from controls.categories import SCC_MEASURES_FILE, scc_categories
from controls.models import (
    ART32_POINTS,
    CategoryStatement,
    Control,
    Customer,
    CustomerControlOverride,
    Evidence,
    Service,
)
from controls.models_annex import AnnexTerms
from controls.parameters import label, value_text
from controls.scc_headings import ANNEX_TEXT, heading
from controls.selectors import active_customer_subjects, applicable_control_ids
from portal.exports.registry import ExportKind, register

TOM_ANNEX = "controls.tom_annex"
ANNEX_TITLE = _("Technical and organisational measures")
ALL_CUSTOMERS_LABEL = _("All customers")
# Said of a category that nothing fills; never a claim that other measures cover it.
NO_MEASURE_REASON = _("No measure of this category is part of this annex.")
NOTHING_APPLIES = _("None of the processor's measures of this category applies to the services in scope.")
BILINGUAL = Customer.ContractLanguage.BILINGUAL
# The second language of a bilingual annex; its first is German.
SECOND_LANGUAGE = "en"
ASSISTANCE_TAG = "assistance"
# The assistance section's parts, each with the tag that files a measure under it.
ASSISTANCE_GROUPS = (("requests", "assistance-requests"), ("dpia", "assistance-dpia"), ("breach", "assistance-breach"))
ANNEX_FIELDS = ("reference", "title", "description", "kind", "art32_points", "parameters", "scc_category", "status",
                "tags", "planned_for", "attention_reason", "version", "applies_to_all_services")


def contract_languages(contract_language: str) -> list[str]:
    """The languages a document is written in, first language first ("bilingual": German, then English)."""
    if contract_language == BILINGUAL:
        return ["de", SECOND_LANGUAGE]
    return [contract_language or settings.LANGUAGE_CODE]


@cache
def _clause_9_2_source() -> dict:
    return json.loads(SCC_MEASURES_FILE.read_text(encoding="utf-8"))["processor_breach_notice_2021_915_clause_9_2"]


def _control_text(control: Control, language: str) -> tuple[str, str, bool]:
    """Title and description in `language`, and whether that version is missing (edited in one language only)."""
    title, description = catalogue_text(language, control.title), catalogue_text(language, control.description)
    if title is None or description is None:
        return control.title, control.description, True
    return title, description, False


def _parameters(control: Control) -> list[dict]:
    """Each parameter with its key and value (compared between versions) and its label and text (printed)."""
    return [{"key": key, "value": value, "label": label(key), "text": value_text(key, value)}
            for key, value in sorted((control.parameters or {}).items())]


def _item(control: Control, language: str) -> dict:
    """One measure, written in `language` (call inside translation.override(language))."""
    title, description, missing = _control_text(control, language)
    item = {
        "reference": control.reference,
        "title": title,
        "description": description,
        "kind": str(control.get_kind_display()),
        "art32_points": [str(ART32_POINTS[p]) for p in sorted(control.art32_points or []) if p in ART32_POINTS],
        "parameters": _parameters(control),
    }
    if missing:
        item["translation_missing"] = True
    return item


def _items_in(controls, languages: list[str]) -> dict[int, dict]:
    """Each control's item in the first language, with the second language's texts under its code."""
    first, *others = languages
    with translation.override(first):
        items = {c.pk: _item(c, first) for c in controls}
    for language in others:
        with translation.override(language):
            for c in controls:
                other = _item(c, language)
                items[c.pk][language] = {
                    "title": other["title"], "description": other["description"], "kind": other["kind"],
                    "parameters": [{"label": p["label"], "text": p["text"]} for p in other["parameters"]],
                }
    return items


class _World:
    """Everything the snapshots of `subject_keys` read, loaded with a fixed number of queries."""

    def __init__(self, subject_keys: list[str], today: date):
        from controls.selectors_subprocessors import processor_details, terms_for

        self.today = today
        self.controls = list(Control.objects.order_by("reference").only(*ANNEX_FIELDS))
        self.by_pk = {c.pk: c for c in self.controls}
        wanted = [k for k in subject_keys if k]
        self.customers = {c.slug: c for c in Customer.objects.filter(slug__in=wanted)}
        missing = set(wanted) - set(self.customers)
        if missing:
            raise LookupError(f"no customer with the slug {sorted(missing)[0]!r}")
        customers = list(self.customers.values())
        self.applicable = applicable_control_ids(customers)
        self.facts: Facts = facts_for(today=today)
        self.statements = {s.scc_category: s for s in CategoryStatement.objects.all()}
        self.excluded: dict[int, dict[int, str]] = {}
        for customer_id, control_id, reason in CustomerControlOverride.objects.filter(
            customer__in=customers, mode=CustomerControlOverride.Mode.EXCLUDE,
        ).values_list("customer_id", "control_id", "reason"):
            self.excluded.setdefault(customer_id, {})[control_id] = reason
        self.services_of: dict[int, set[int]] = {}
        for control_id, service_id in Control.services.through.objects.values_list("control_id", "service_id"):
            self.services_of.setdefault(control_id, set()).add(service_id)
        self.service_names = dict(Service.objects.values_list("pk", "name"))
        self.customer_services: dict[int, set[int]] = {}
        for customer_id, service_id in Customer.services.through.objects.filter(
            customer__in=customers
        ).values_list("customer_id", "service_id"):
            self.customer_services.setdefault(customer_id, set()).add(service_id)
        found = {t.customer_id: t for t in AnnexTerms.objects.filter(customer__in=customers)}
        self.terms = {c.pk: found.get(c.pk) or AnnexTerms(customer_id=c.pk) for c in customers}
        self.record_terms = terms_for(customers)
        self.processor = processor_details()
        self.fact_evidence = list(
            Evidence.objects.filter(record__in=[Evidence.Record.CERTIFICATE, Evidence.Record.TEST],
                                    removed_at__isnull=True, valid_until__gte=today)
            .order_by("control_id", "-valid_from", "-created_at")
        )
        self._items: dict[tuple[str, ...], dict] = {}

    def items(self, languages: list[str]) -> dict[int, dict]:
        key = tuple(languages)
        if key not in self._items:
            self._items[key] = _items_in(self.controls, languages)
        return self._items[key]

    def would_apply(self, control: Control, customer: Customer) -> bool:
        """The control applies to the customer's services (before its inclusions and exclusions)."""
        used = self.customer_services.get(customer.pk, set())
        return control.applies_to_all_services or bool(self.services_of.get(control.pk, set()) & used)


def tom_annex_snapshots(subject_keys: list[str], *, language: str = "") -> dict[str, dict]:
    """The annex of each subject ("" = the general annex for all customers), a fixed number of queries."""
    from controls.exports_subprocessors import add_subprocessor_measures

    world = _World(subject_keys, timezone.localdate())
    result = {key: _snapshot(world, key, language=language) for key in subject_keys}
    return add_subprocessor_measures(result)


def tom_annex_snapshot(subject_key: str, language: str = "") -> dict:
    """What the annex says for one customer ("" = all customers), in its contract language or in `language`."""
    return tom_annex_snapshots([subject_key], language=language)[subject_key]


def _chosen(world: _World, customer: Customer | None) -> list[Control]:
    if customer is None:
        return [c for c in world.controls if c.status != Control.Status.RETIRED]
    ids = world.applicable[customer.pk]
    return [c for c in world.controls if c.pk in ids]


def _section_texts(language: str, category, summary: str | None, excluded: bool, planned: bool,
                   anything_applies: bool) -> dict:
    """A category's heading and statement in `language`."""
    with translation.override(language):
        if summary is not None:
            statement = catalogue_text(language, summary) or summary
        else:
            parts = [str(NO_MEASURE_REASON)]
            if not anything_applies and not excluded and not planned:
                parts.append(str(NOTHING_APPLIES))
            statement = " ".join(parts)
        return {"title": heading(category.id, category.wording), "statement": statement}


def _service_names(world: _World, used: list[int], language: str) -> list[str]:
    """The names of the services in scope in `language` (a name edited locally is printed as it is)."""
    return [catalogue_text(language, world.service_names[pk]) or world.service_names[pk] for pk in used]


def _breach_texts(language: str) -> dict:
    with translation.override(language):
        return {key: str(text) for key, text in CLAUSE_9_2.items()}


def _fixed_texts(language: str, customer, terms: AnnexTerms | None) -> dict:
    instrument = terms.instrument if terms else AnnexTerms.Instrument.SCC_2021_915
    with translation.override(language):
        lead_in = LEAD_IN_2021_914 if instrument == AnnexTerms.Instrument.SCC_2021_914 else ANNEX_TEXT["lead_in"]
        return {
            "title": str(ANNEX_TITLE),
            "annex_title": str(ANNEX_TEXT["annex_title"]),
            "lead_in": str(lead_in),
            "subject_label": customer.name if customer else str(ALL_CUSTOMERS_LABEL),
            "instrument_label": str(INSTRUMENTS[instrument]),
            "module_label": str(MODULES.get(terms.module, "")) if terms and terms.module else "",
        }


def _parties(world: _World, customer: Customer | None) -> dict:
    details = world.processor
    processor = {
        "name": details.name, "address": details.address,
        "dpo": ", ".join(p for p in (details.dpo_name, details.dpo_contact) if p),
        "security_contact": details.security_contact or details.contact_email,
    }
    if customer is None:
        return {"processor": processor, "controller": None}
    record = world.record_terms.get(customer.pk)
    return {"processor": processor, "controller": {
        "name": customer.name, "address": record.controller_address if record else "",
        "notice_contact": f"{customer.notice_contact_name} <{customer.notice_contact_email}>",
    }}


def _facts(world: _World, stated_ids: set[int], items: dict[int, dict]) -> tuple[list[dict], list[dict]]:
    """Certifications and the latest periodic test of each measure stated, from the evidence that records them."""
    certifications, tests, seen_tests = [], [], set()
    for evidence in world.fact_evidence:
        if evidence.control_id not in stated_ids:
            continue
        reference = world.by_pk[evidence.control_id].reference
        if evidence.record == Evidence.Record.CERTIFICATE:
            certifications.append({
                "reference": reference, "standard": evidence.certificate_standard,
                "scope": evidence.certificate_scope, "issuer": evidence.certificate_issuer,
                "number": evidence.certificate_number, "valid_until": evidence.valid_until.isoformat(),
            })
        elif evidence.control_id not in seen_tests:
            seen_tests.add(evidence.control_id)
            item = items[evidence.control_id]
            test = {"reference": reference, "title": item["title"],
                    "performed_on": evidence.valid_from.isoformat(), "next_due": evidence.valid_until.isoformat()}
            for language in ("de", "en"):
                if language in item:
                    test[language] = {"title": item[language]["title"]}
            tests.append(test)
    certifications.sort(key=lambda c: (c["standard"], c["number"]))
    tests.sort(key=lambda t: t["reference"])
    return certifications, tests


def _assistance_group(control: Control) -> str | None:
    tags = set(control.tags or [])
    if ASSISTANCE_TAG not in tags:
        return None
    return next((group for group, tag in ASSISTANCE_GROUPS if tag in tags), "other")


def _snapshot(world: _World, subject_key: str, *, language: str = "") -> dict:
    customer = world.customers.get(subject_key) if subject_key else None
    terms = world.terms.get(customer.pk) if customer else None
    contract_language = language or (customer.contract_language if customer else settings.LANGUAGE_CODE)
    languages = contract_languages(contract_language)
    items = world.items(languages)
    chosen = _chosen(world, customer)
    by_category: dict[str, list[dict]] = {}
    planned_by_category: dict[str, list[str]] = {}
    assistance: dict[str, list[dict]] = {}
    planned, stated_ids = [], set()
    for control in chosen:
        place = standing(control, world.facts)
        if place == Standing.STATED:
            stated_ids.add(control.pk)
            group = _assistance_group(control)
            if group:
                assistance.setdefault(group, []).append(items[control.pk])
            else:
                by_category.setdefault(control.scc_category, []).append(items[control.pk])
        elif place == Standing.PLANNED:
            planned_by_category.setdefault(control.scc_category, []).append(control.reference)
            planned.append({**items[control.pk],
                            "planned_for": control.planned_for.isoformat() if control.planned_for else ""})
    list_planned = terms is None or terms.planned_measures == AnnexTerms.Planned.LIST
    excluded_by_category: dict[str, list[dict]] = {}
    if customer is not None:
        for control_id, reason in sorted(world.excluded.get(customer.pk, {}).items(),
                                         key=lambda pair: world.by_pk[pair[0]].reference):
            control = world.by_pk[control_id]
            if control.status != Control.Status.RETIRED and world.would_apply(control, customer):
                excluded_by_category.setdefault(control.scc_category, []).append(
                    {"reference": control.reference, "title": items[control_id]["title"], "reason": reason})
    any_applying = {c.scc_category for c in chosen}
    sections = []
    for category in scc_categories():
        section_items = by_category.get(category.id, [])
        statement = world.statements.get(category.id)
        if section_items:
            summary = statement.statement if statement and statement.applicable else ""
        else:
            summary = statement.statement if statement and not statement.applicable else None
        excluded = excluded_by_category.get(category.id, [])
        planned_refs = planned_by_category.get(category.id, []) if list_planned else []
        texts = {lang: _section_texts(lang, category, summary, bool(excluded), bool(planned_refs),
                                      category.id in any_applying) for lang in languages}
        section = {
            "id": category.id, "n": category.n, "title": texts[languages[0]]["title"],
            "mirrors_gdpr": category.mirrors_gdpr, "applicable": bool(section_items),
            "not_applicable": summary is not None and not section_items,
            "statement": texts[languages[0]]["statement"], "items": section_items,
            "excluded": excluded if not section_items else [], "planned": planned_refs if not section_items else [],
        }
        for other in languages[1:]:
            section[other] = texts[other]
        sections.append(section)
    fixed = {lang: _fixed_texts(lang, customer, terms) for lang in languages}
    first = fixed[languages[0]]
    certifications, tests = _facts(world, stated_ids, items)
    assistance_part = {
        "groups": [{"id": group, "items": assistance[group]}
                   for group in [g for g, _tag in ASSISTANCE_GROUPS] + ["other"] if assistance.get(group)],
        "breach_hours": customer.breach_notice_hours if customer else None,
    }
    if assistance.get("breach"):
        assistance_part["clause_9_2"] = _breach_texts(languages[0])
        for other in languages[1:]:
            assistance_part[other] = {"clause_9_2": _breach_texts(other)}
    used = sorted(world.customer_services.get(customer.pk, set())) if customer else sorted(world.service_names)
    snapshot = {
        "language": contract_language,
        "languages": languages,
        "title": first["title"],
        "annex_title": first["annex_title"],
        "lead_in": first["lead_in"],
        "instrument": {"id": terms.instrument if terms else AnnexTerms.Instrument.SCC_2021_915,
                       "module": terms.module if terms else "",
                       "label": first["instrument_label"], "module_label": first["module_label"]},
        "processor": world.processor.name,
        "parties": _parties(world, customer),
        "subject_key": subject_key,
        "subject_label": first["subject_label"],
        "contract_reference": customer.contract_reference if customer else "",
        "services": _service_names(world, used, languages[0]),
        "measure_count": sum(len(s["items"]) for s in sections) + sum(len(g) for g in assistance.values()),
        "sections": sections,
        "assistance": assistance_part,
        "planned_measures": AnnexTerms.Planned.LIST if list_planned else AnnexTerms.Planned.OMIT,
        "planned": planned if list_planned else [],
        "certifications": certifications,
        "tests": tests,
    }
    for other in languages[1:]:
        snapshot[other] = {k: fixed[other][k] for k in ("title", "annex_title", "lead_in", "subject_label")}
        snapshot[other]["services"] = _service_names(world, used, other)
        snapshot[other]["instrument"] = {"label": fixed[other]["instrument_label"],
                                         "module_label": fixed[other]["module_label"]}
    return snapshot


def tom_annex_blockers(subject_key: str) -> list[dict]:
    """The measures that stop this subject's annex from being published until the DPO decides."""
    world_controls = Control.objects.exclude(status__in=[Control.Status.RETIRED, Control.Status.PLANNED])
    if subject_key:
        customer = Customer.objects.filter(slug=subject_key).first()
        if customer is None:
            raise LookupError(f"no customer with the slug {subject_key!r}")
        ids = applicable_control_ids([customer])[customer.pk]
        world_controls = world_controls.filter(pk__in=ids)
    controls = list(world_controls.order_by("reference").only("reference", "title", "status", "attention_reason",
                                                                 "version"))
    facts = facts_for([c.pk for c in controls])
    decide = reverse("controls:annex_decisions")
    return [{"pk": c.pk, "reference": c.reference, "title": c.title, "reason": blocking_reason(c, facts),
             "url": f"{decide}#decide-{c.pk}"} for c in controls if standing(c, facts) == Standing.BLOCKED]


def justified_references(subject_key: str, content: dict) -> list[str]:
    """The measures of `content` that are stated on a DPO's justification rather than on their status."""
    stated = {i["reference"] for s in content.get("sections", []) for i in s.get("items", [])}
    stated |= {i["reference"] for g in content.get("assistance", {}).get("groups", []) for i in g["items"]}
    controls = list(Control.objects.filter(reference__in=stated).only("reference", "status", "version"))
    facts = facts_for([c.pk for c in controls])
    return sorted(c.reference for c in controls if c.pk in facts.decided and (
        c.status not in (Control.Status.IMPLEMENTED, Control.Status.VERIFIED) or c.pk not in facts.evidenced))


def _hook(name: str):
    """A hook of services_annex, imported when called (services_annex imports this module)."""

    def call(*args):
        from controls import services_annex

        return getattr(services_annex, name)(*args)

    call.__name__ = name
    return call


register(
    ExportKind(
        name=TOM_ANNEX,
        label=_("TOM annex"),
        template="controls/tom_annex.html",
        snapshot=tom_annex_snapshot,
        snapshots=tom_annex_snapshots,
        subjects=active_customer_subjects,
        whole_set_label=ALL_CUSTOMERS_LABEL,
        permission="controls.view_control",
        versioned=True,
        language_snapshot=tom_annex_snapshot,
        languages=tuple(Customer.ContractLanguage.values),
        description=_("The technical and organisational measures annex of a data processing agreement, as a PDF."),
        publish_blockers=tom_annex_blockers,
        effective_on=_hook("annex_effective_on"),
        on_publish=_hook("annex_on_publish"),
        document_extra=_hook("annex_document_extra"),
        overstated=_hook("annex_overstated"),
        subject_note=_hook("annex_subject_note"),
        subject_panel=_hook("annex_subject_panel"),
    )
)
