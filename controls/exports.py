"""The TOM annex as an export kind: the measures that apply to a customer, under the 17 SCC categories.

Registered with the exports backbone (portal.exports.registry), which renders, versions and verifies it.
The snapshot is plain JSON, so a published version keeps exactly what it said.
"""

import json
from functools import cache

from django.conf import settings

from controls.categories import SCC_MEASURES_FILE, scc_categories
from controls.models import ART32_POINTS, CategoryStatement, Control, Customer
from controls.selectors import applicable_controls_q
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register

TOM_ANNEX = "controls.tom_annex"
ANNEX_TITLE = "Technical and organisational measures"
ALL_CUSTOMERS_LABEL = "All customers"
NO_MEASURE_REASON = (
    "No measure of this category applies to the services covered by this annex; the processor's measures of "
    "other categories protect the personal data concerned."
)


@cache
def _published_text() -> dict:
    data = json.loads(SCC_MEASURES_FILE.read_text(encoding="utf-8"))
    text = {key: data.get(key, "") for key in ("annex_title", "lead_in", "explanatory_note", "instrument")}
    # Annex III of 2021/915 (controller-processor clauses) speaks of the processor where 2021/914 says importer.
    text["lead_in"] = text["lead_in"].replace("data importer(s)", "processor(s)")
    return text


def _item(control: Control) -> dict:
    return {
        "reference": control.reference,
        "title": control.title,
        "description": control.description,
        "kind": control.get_kind_display(),
        "art32_points": [ART32_POINTS[p] for p in sorted(control.art32_points or []) if p in ART32_POINTS],
        "parameters": [
            [str(name), _parameter_text(value)] for name, value in sorted((control.parameters or {}).items())
        ],
    }


def _parameter_text(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def tom_annex_subjects() -> list[tuple[str, str]]:
    customers = Customer.objects.filter(is_active=True).order_by("name").values_list("slug", "name")
    return [(ALL_SUBJECTS, ALL_CUSTOMERS_LABEL), *customers]


def tom_annex_snapshot(subject_key: str) -> dict:
    """What the annex says for one customer ("" = the general annex for all customers), as JSON."""
    controls = Control.objects.exclude(status=Control.Status.RETIRED)
    customer = None
    if subject_key != ALL_SUBJECTS:
        customer = Customer.objects.filter(slug=subject_key).first()
        if customer is None:
            raise LookupError(f"no customer with the slug {subject_key!r}")
        controls = Control.objects.filter(applicable_controls_q(customer))
    by_category: dict[str, list[dict]] = {}
    for control in controls.order_by("reference").only(
        "reference", "title", "description", "kind", "art32_points", "parameters", "scc_category"
    ):
        by_category.setdefault(control.scc_category, []).append(_item(control))
    statements = {s.scc_category: s for s in CategoryStatement.objects.all()}
    sections = []
    for category in scc_categories():
        items = by_category.get(category.id, [])
        statement = statements.get(category.id)
        if items:
            summary = statement.statement if statement and statement.applicable else ""
        else:
            summary = statement.statement if statement and not statement.applicable else NO_MEASURE_REASON
        sections.append({
            "id": category.id, "n": category.n, "title": category.wording, "mirrors_gdpr": category.mirrors_gdpr,
            "applicable": bool(items), "statement": summary, "items": items,
        })
    published = _published_text()
    return {
        "title": ANNEX_TITLE,
        "annex_title": published["annex_title"],
        "lead_in": published["lead_in"],
        "processor": settings.ORGANISATION_NAME,
        "subject_key": subject_key,
        "subject_label": customer.name if customer else ALL_CUSTOMERS_LABEL,
        "contract_reference": customer.contract_reference if customer else "",
        "measure_count": sum(len(s["items"]) for s in sections),
        "sections": sections,
    }


def tom_annex_notice_recipients(subject_key: str) -> list[tuple[str, str]]:
    if subject_key == ALL_SUBJECTS:
        return []
    customer = Customer.objects.filter(slug=subject_key, is_active=True).first()
    if customer is None or not customer.notice_contact_email:
        return []
    return [(customer.notice_contact_name, customer.notice_contact_email)]


register(
    ExportKind(
        name=TOM_ANNEX,
        label="TOM annex",
        template="controls/tom_annex.html",
        snapshot=tom_annex_snapshot,
        subjects=tom_annex_subjects,
        permission="controls.view_control",
        versioned=True,
        notice_recipients=tom_annex_notice_recipients,
        description="The technical and organisational measures annex of a data processing agreement, as a PDF.",
    )
)
