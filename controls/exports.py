"""The export kinds of the control inventory, registered with the exports backbone (portal.exports.registry).

- The TOM annex: the measures that apply to a customer, under the 17 SCC categories; versioned and verifiable.
- The control register as a landscape PDF table and as an XLSX workbook, scoped to the requesting user.
- The evidence pack for auditors: a ZIP with an index PDF, every evidence file and a manifest of SHA-256 hashes.

Snapshots are plain JSON, so a published version keeps exactly what it said and every job's content has a hash.
"""

import functools
import hashlib
import io
import json
import zipfile
from datetime import date
from typing import BinaryIO

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from controls.catalogue_i18n import catalogue_text
from controls.categories import category_by_id, scc_categories
from controls.exports_subprocessors import add_subprocessor_measures
from controls.models import ART32_POINTS, CategoryStatement, Control, Customer, Evidence
from controls.scc_headings import ANNEX_TEXT, heading
from controls.selectors import (
    active_customer_subjects,
    applicable_control_ids,
    applicable_controls_q,
    control_list,
    customers_visible_to,
    evidence_visible_to,
)
from controls.services_register import EXPORT_COLUMNS, export_row
from portal.accounts.language import language_of
from portal.core.spreadsheet import safe_cell, typed_cell, typed_cells
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register
from portal.exports.rendering import content_sha256, render_pdf
from portal.security.storage import open_decrypted

TOM_ANNEX = "controls.tom_annex"
ANNEX_TITLE = _("Technical and organisational measures")
ALL_CUSTOMERS_LABEL = _("All customers")
NO_MEASURE_REASON = _(
    "No measure of this category applies to the services covered by this annex; the processor's measures of "
    "other categories protect the personal data concerned."
)
BILINGUAL = Customer.ContractLanguage.BILINGUAL
# The second language of a bilingual annex; its first is German.
SECOND_LANGUAGE = "en"


def contract_languages(contract_language: str) -> list[str]:
    """The languages a document is written in, first language first ("bilingual": German, then English)."""
    if contract_language == BILINGUAL:
        return ["de", SECOND_LANGUAGE]
    return [contract_language or settings.LANGUAGE_CODE]


def _control_text(control: Control, language: str) -> tuple[str, str, bool]:
    """Title and description in `language`, and whether that version is missing (edited in one language only)."""
    title, description = catalogue_text(language, control.title), catalogue_text(language, control.description)
    if title is None or description is None:
        return control.title, control.description, True
    return title, description, False


def _item(control: Control, language: str) -> dict:
    """One measure, written in `language` (call inside translation.override(language))."""
    title, description, missing = _control_text(control, language)
    item = {
        "reference": control.reference,
        "title": title,
        "description": description,
        "kind": str(control.get_kind_display()),
        "art32_points": [str(ART32_POINTS[p]) for p in sorted(control.art32_points or []) if p in ART32_POINTS],
        "parameters": [
            [str(name), _parameter_text(value)] for name, value in sorted((control.parameters or {}).items())
        ],
    }
    if missing:
        item["translation_missing"] = True
    return item


def _items_in(controls, languages: list[str]) -> dict[int, tuple[str, dict]]:
    """Each control's item in the first language, with the second language's texts under its code."""
    first, *others = languages
    with translation.override(first):
        items = {c.pk: (c.scc_category, _item(c, first)) for c in controls}
    for language in others:
        with translation.override(language):
            for c in controls:
                other = _item(c, language)
                items[c.pk][1][language] = {k: other[k] for k in ("title", "description", "kind")}
    return items


def _parameter_text(value) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


ANNEX_FIELDS = ("reference", "title", "description", "kind", "art32_points", "parameters", "scc_category")


def tom_annex_snapshot(subject_key: str, language: str = "") -> dict:
    """What the annex says for one customer ("" = the general annex for all customers), as JSON, in the
    customer's contract language or in `language` ("de", "en", "bilingual") when given."""
    controls = Control.objects.exclude(status=Control.Status.RETIRED)
    customer = None
    if subject_key != ALL_SUBJECTS:
        customer = Customer.objects.filter(slug=subject_key).first()
        if customer is None:
            raise LookupError(f"no customer with the slug {subject_key!r}")
        controls = Control.objects.filter(applicable_controls_q(customer))
    contract_language = language or (customer.contract_language if customer else settings.LANGUAGE_CODE)
    items = list(_items_in(list(controls.order_by("reference").only(*ANNEX_FIELDS)),
                           contract_languages(contract_language)).values())
    statements = {s.scc_category: s for s in CategoryStatement.objects.all()}
    snapshot = _snapshot(subject_key, customer, items, statements, contract_language=contract_language)
    return add_subprocessor_measures({subject_key: snapshot})[subject_key]


def tom_annex_snapshots(subject_keys: list[str]) -> dict[str, dict]:
    """tom_annex_snapshot for many subjects with four queries, whatever the number of customers.

    Which controls apply to a customer is selectors.applicable_control_ids, the rule of applicable_controls_q
    (tests/exports compare both for every subject).
    """
    controls = list(Control.objects.order_by("reference").only(*ANNEX_FIELDS, "status"))
    items_by_languages: dict[tuple[str, ...], dict] = {}

    def items_for(customer) -> dict:
        languages = tuple(contract_languages(customer.contract_language if customer else ""))
        if languages not in items_by_languages:
            items_by_languages[languages] = _items_in(controls, list(languages))
        return items_by_languages[languages]

    customers = {c.slug: c for c in Customer.objects.filter(slug__in=subject_keys)}
    applicable = applicable_control_ids(list(customers.values()))
    statements = {s.scc_category: s for s in CategoryStatement.objects.all()}
    live = [c for c in controls if c.status != Control.Status.RETIRED]
    result = {}
    for key in subject_keys:
        if key == ALL_SUBJECTS:
            items = items_for(None)
            result[key] = _snapshot(key, None, [items[c.pk] for c in live], statements)
            continue
        customer = customers.get(key)
        if customer is None:
            raise LookupError(f"no customer with the slug {key!r}")
        items = items_for(customer)
        chosen = applicable[customer.pk]
        result[key] = _snapshot(key, customer, [items[c.pk] for c in controls if c.pk in chosen], statements)
    return add_subprocessor_measures(result)


def _statement_text(language: str, text: str) -> str:
    """A category statement in `language`; the English text when the catalogue has no version of it."""
    return catalogue_text(language, text) or text


def _texts(language: str, customer, category_texts: list[tuple]) -> dict:
    """The annex's own texts in `language`: title, the decision's annex title and lead-in, the headings."""
    with translation.override(language):
        return {
            "title": str(ANNEX_TITLE),
            "annex_title": str(ANNEX_TEXT["annex_title"]),
            "lead_in": str(ANNEX_TEXT["lead_in"]),
            "subject_label": customer.name if customer else str(ALL_CUSTOMERS_LABEL),
            "sections": [
                {"title": heading(category.id, category.wording),
                 "statement": _statement_text(language, summary) if summary is not None else str(NO_MEASURE_REASON)}
                for category, summary in category_texts
            ],
        }


def _snapshot(subject_key: str, customer, items: list[tuple[str, dict]], statements: dict, *,
              contract_language: str = "") -> dict:
    contract_language = contract_language or (customer.contract_language if customer else settings.LANGUAGE_CODE)
    languages = contract_languages(contract_language)
    by_category: dict[str, list[dict]] = {}
    for category_id, item in items:
        by_category.setdefault(category_id, []).append(item)
    category_texts = []  # (category, the processor's statement; None: the standard "no measure" reason)
    for category in scc_categories():
        statement = statements.get(category.id)
        if by_category.get(category.id):
            summary = statement.statement if statement and statement.applicable else ""
        else:
            summary = statement.statement if statement and not statement.applicable else None
        category_texts.append((category, summary))
    texts = {language: _texts(language, customer, category_texts) for language in languages}
    first = texts[languages[0]]
    sections = []
    for index, category in enumerate(scc_categories()):
        section_items = by_category.get(category.id, [])
        section = {
            "id": category.id, "n": category.n, "title": first["sections"][index]["title"],
            "mirrors_gdpr": category.mirrors_gdpr, "applicable": bool(section_items),
            "statement": first["sections"][index]["statement"], "items": section_items,
        }
        for language in languages[1:]:
            section[language] = texts[language]["sections"][index]
        sections.append(section)
    snapshot = {
        "language": contract_language,
        "languages": languages,
        "title": first["title"],
        "annex_title": first["annex_title"],
        "lead_in": first["lead_in"],
        "processor": settings.ORGANISATION_NAME,
        "subject_key": subject_key,
        "subject_label": first["subject_label"],
        "contract_reference": customer.contract_reference if customer else "",
        "measure_count": sum(len(s["items"]) for s in sections),
        "sections": sections,
    }
    for language in languages[1:]:
        snapshot[language] = {k: texts[language][k] for k in ("title", "annex_title", "lead_in", "subject_label")}
    return snapshot


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
        label=_("TOM annex"),
        template="controls/tom_annex.html",
        snapshot=tom_annex_snapshot,
        snapshots=tom_annex_snapshots,
        subjects=active_customer_subjects,
        whole_set_label=ALL_CUSTOMERS_LABEL,
        permission="controls.view_control",
        versioned=True,
        notice_recipients=tom_annex_notice_recipients,
        language_snapshot=tom_annex_snapshot,
        languages=tuple(Customer.ContractLanguage.values),
        description=_("The technical and organisational measures annex of a data processing agreement, as a PDF."),
    )
)


# The control register -------------------------------------------------------------------------------------

CONTROL_REGISTER_PDF = "controls.register_pdf"
CONTROL_REGISTER_XLSX = "controls.register_xlsx"
REGISTER_TITLE = _("Control register")
ALL_CONTROLS_LABEL = _("All controls")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(subject_key: str, user) -> tuple[Customer | None, str]:
    if subject_key == ALL_SUBJECTS:
        return None, str(ALL_CONTROLS_LABEL)
    customer = customers_visible_to(user).filter(slug=subject_key).first()
    if customer is None:
        raise LookupError(f"no customer with the slug {subject_key!r}")
    return customer, customer.name


def _register_header(subject_key: str, label: str, user) -> dict:
    return {
        "title": str(REGISTER_TITLE),
        "language": translation.get_language(),
        "processor": settings.ORGANISATION_NAME,
        "subject_key": subject_key,
        "subject_label": label,
        "prepared_for": str(user),
        "as_of": timezone.localdate().isoformat(),
    }


def in_users_language(snapshot):
    """Take a per-user snapshot in the requester's language: its labels, statuses and headings."""

    @functools.wraps(snapshot)
    def wrapper(subject_key: str, user) -> dict:
        with translation.override(language_of(user)):
            return snapshot(subject_key, user)

    return wrapper


@in_users_language
def control_register_snapshot(subject_key: str, user) -> dict:
    """The register as the user may see it: one row per control with its owner and live evidence count."""
    customer, label = _scope(subject_key, user)
    today = timezone.localdate()
    controls = control_list(user, customer=customer).annotate(
        evidence_count=Count("evidence", filter=Q(evidence__removed_at__isnull=True))
    )
    rows = []
    for control in controls:
        category = category_by_id(control.scc_category)
        rows.append({
            "reference": control.reference,
            "title": control.title,
            "category": f"{category.n}. {heading(category.id, category.wording)}" if category else control.scc_category,
            "status": str(control.get_status_display()),
            "owner": str(control.owner) if control.owner else "",
            "next_review_due": control.next_review_due.isoformat() if control.next_review_due else "",
            "overdue": control.is_overdue(today),
            "evidence_count": control.evidence_count,
        })
    return {**_register_header(subject_key, label, user), "control_count": len(rows), "controls": rows}


@in_users_language
def control_register_rows_snapshot(subject_key: str, user) -> dict:
    """The register in the columns of the CSV export (so a workbook saved as CSV imports into another Annex)."""
    customer, label = _scope(subject_key, user)
    today = timezone.localdate()
    rows = [export_row(control, today) for control in control_list(user, customer=customer).iterator(chunk_size=500)]
    return {**_register_header(subject_key, label, user), "control_count": len(rows),
            "columns": list(EXPORT_COLUMNS), "rows": rows}


def control_register_xlsx_write(kind: ExportKind, content: dict, target: BinaryIO, progress) -> None:
    """A "Controls" sheet with the register and an "About" sheet saying what, for whom, when and its hash."""
    from openpyxl import Workbook

    language = content.get("language") or settings.LANGUAGE_CODE
    workbook = Workbook(write_only=True)
    with translation.override(language):
        sheet = workbook.create_sheet(gettext("Controls"))
        sheet.append(content["columns"])
        for row in content["rows"]:
            sheet.append(typed_cells(sheet, content["columns"], row, language))
        progress(60)
        about = workbook.create_sheet(gettext("About"))
        for name, value in (
            (gettext("Document"), content["title"]), (gettext("Processor"), content["processor"]),
            (gettext("Scope"), content["subject_label"]), (gettext("Prepared for"), content["prepared_for"]),
            (gettext("As of"), date.fromisoformat(content["as_of"])), (gettext("Controls"), content["control_count"]),
            (gettext("Content fingerprint (SHA-256)"), content_sha256(content)),
        ):
            about.append([name, typed_cell(sheet, safe_cell(value), language)])
    workbook.save(target)


# The evidence pack ---------------------------------------------------------------------------------------

EVIDENCE_PACK = "controls.evidence_pack"
EVIDENCE_PACK_TITLE = _("Evidence pack")
EVIDENCE_PACK_INDEX_TEMPLATE = "controls/evidence_pack_index.html"
INDEX_NAME = "index.pdf"
MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"


class EvidencePackError(Exception):
    """An evidence file cannot go into the pack as recorded (missing, or its bytes differ from the upload)."""


def _evidence_item(evidence: Evidence, reference: str, today, taken: set[str]) -> dict:
    item = {
        "id": str(evidence.public_id),
        "kind": evidence.kind,
        "kind_label": str(evidence.get_kind_display()),
        "title": evidence.title,
        "description": evidence.description,
        "valid_from": evidence.valid_from.isoformat() if evidence.valid_from else "",
        "valid_until": evidence.valid_until.isoformat() if evidence.valid_until else "",
        "expired": evidence.is_expired(today),
        "added_at": timezone.localtime(evidence.created_at).isoformat(timespec="seconds"),
        "added_by": str(evidence.uploaded_by) if evidence.uploaded_by else "",
    }
    if evidence.kind == Evidence.Kind.FILE:
        name = evidence.original_filename or "file"
        path = f"evidence/{reference}/{evidence.public_id.hex[:8]}-{name}"
        if path in taken:
            path = f"evidence/{reference}/{evidence.public_id.hex}-{name}"
        taken.add(path)
        item["file"] = {"path": path, "name": name, "size": evidence.size, "sha256": evidence.sha256,
                        "content_type": evidence.content_type}
    elif evidence.kind == Evidence.Kind.LINK:
        item["url"] = evidence.url
    else:
        item["text"] = evidence.text
    return item


@in_users_language
def evidence_pack_snapshot(subject_key: str, user) -> dict:
    """Every control the user may see (or that applies to one customer) with its current evidence."""
    customer, label = _scope(subject_key, user)
    today = timezone.localdate()
    scoped = control_list(user, customer=customer)
    controls = list(scoped)
    by_control: dict[int, list[Evidence]] = {}
    evidence = (
        evidence_visible_to(user).filter(control__in=scoped.values("pk"), removed_at__isnull=True)
        .select_related("uploaded_by").order_by("created_at", "pk")
    )
    for item in evidence:
        by_control.setdefault(item.control_id, []).append(item)
    taken: set[str] = set()
    rows = []
    for control in controls:
        category = category_by_id(control.scc_category)
        rows.append({
            "reference": control.reference, "title": control.title, "status": str(control.get_status_display()),
            "category": f"{category.n}. {heading(category.id, category.wording)}" if category else control.scc_category,
            "evidence": [_evidence_item(e, control.reference, today, taken) for e in by_control.get(control.pk, [])],
        })
    files = [e["file"] for row in rows for e in row["evidence"] if "file" in e]
    return {
        **_register_header(subject_key, label, user),
        "title": str(EVIDENCE_PACK_TITLE),
        "control_count": len(rows),
        "evidence_count": sum(len(row["evidence"]) for row in rows),
        "file_count": len(files),
        "total_bytes": sum(f["size"] or 0 for f in files),
        "controls": rows,
    }


def _copy_decrypted(archive: zipfile.ZipFile, path: str, evidence: Evidence) -> tuple[str, int]:
    """Stream one evidence file from the encrypted store into the archive, chunk by chunk; its hash and size."""
    digest, size = hashlib.sha256(), 0
    stream = open_decrypted(evidence.file_path, purpose=evidence.purpose)
    try:
        with archive.open(path, "w", force_zip64=True) as member:
            for chunk in stream:
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
    finally:
        stream.close()
    return digest.hexdigest(), size


def evidence_pack_write(kind: ExportKind, content: dict, target: BinaryIO, progress) -> None:
    """The ZIP: evidence files (each checked against its upload hash), the index PDF, manifest.json, SHA256SUMS."""
    wanted = [(e["id"], e["file"], row["reference"]) for row in content["controls"] for e in row["evidence"]
              if "file" in e]
    stored = {
        str(e.public_id): e
        for e in Evidence.objects.filter(public_id__in=[i for i, _, _ in wanted]).only("public_id", "file_path")
    }
    total = max(1, sum(f["size"] or 0 for _, f, _ in wanted))
    copied = 0
    manifest = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for public_id, info, reference in wanted:
            evidence = stored.get(public_id)
            if evidence is None or not evidence.file_path:
                raise EvidencePackError(f"The evidence file {info['name']} of {reference} is no longer stored.")
            digest, size = _copy_decrypted(archive, info["path"], evidence)
            if digest != info["sha256"]:
                raise EvidencePackError(
                    f"The evidence file {info['name']} of {reference} does not match the SHA-256 recorded at upload."
                )
            manifest.append({"path": info["path"], "sha256": digest, "size": size, "control": reference,
                             "evidence_id": public_id, "recorded_sha256": info["sha256"]})
            copied += size
            progress(30 + 40 * copied // total)
        index = io.BytesIO()
        render_pdf(kind, content, index, template=EVIDENCE_PACK_INDEX_TEMPLATE)
        archive.writestr(INDEX_NAME, index.getvalue())
        manifest.insert(0, {"path": INDEX_NAME, "sha256": hashlib.sha256(index.getvalue()).hexdigest(),
                            "size": len(index.getvalue())})
        progress(75)
        manifest_bytes = json.dumps(
            {"title": content["title"], "processor": content["processor"], "scope": content["subject_label"],
             "prepared_for": content["prepared_for"], "as_of": content["as_of"],
             "content_sha256": content_sha256(content), "files": manifest},
            indent=2, ensure_ascii=False,
        ).encode()
        archive.writestr(MANIFEST_NAME, manifest_bytes)
        sums = [(f["sha256"], f["path"]) for f in manifest]
        sums.append((hashlib.sha256(manifest_bytes).hexdigest(), MANIFEST_NAME))
        # The format of `sha256sum --check`: an auditor verifies the unpacked pack without Annex.
        archive.writestr(SUMS_NAME, "".join(f"{digest}  {path}\n" for digest, path in sums))


register(
    ExportKind(
        name=CONTROL_REGISTER_PDF,
        label=_("Control register (PDF)"),
        template="controls/control_register.html",
        snapshot=control_register_snapshot,
        subjects=active_customer_subjects,  # the controls that apply to one customer, or the whole register
        whole_set_label=ALL_CONTROLS_LABEL,
        permission="controls.view_control",
        per_user=True,
        description=_("Every control you may see, with its owner, status, next review and evidence, as a PDF table."),
    )
)
register(
    ExportKind(
        name=CONTROL_REGISTER_XLSX,
        label=_("Control register (Excel)"),
        template="",
        snapshot=control_register_rows_snapshot,
        subjects=active_customer_subjects,  # the controls that apply to one customer, or the whole register
        whole_set_label=ALL_CONTROLS_LABEL,
        permission="controls.view_control",
        per_user=True,
        writer=control_register_xlsx_write,
        extension="xlsx",
        content_type=XLSX_CONTENT_TYPE,
        description=_("The same register as an Excel workbook, in the columns of the CSV import."),
    )
)
register(
    ExportKind(
        name=EVIDENCE_PACK,
        label=_("Evidence pack"),
        template=EVIDENCE_PACK_INDEX_TEMPLATE,
        snapshot=evidence_pack_snapshot,
        subjects=active_customer_subjects,  # the controls that apply to one customer, or the whole register
        whole_set_label=ALL_CONTROLS_LABEL,
        permission="exports.request_evidence_pack",
        per_user=True,
        writer=evidence_pack_write,
        extension="zip",
        content_type="application/zip",
        description=_("For auditors: a ZIP with an index PDF, every current evidence file and their SHA-256 hashes."),
    )
)
