"""The export kinds of the control inventory, registered with the exports backbone (portal.exports.registry).

- The TOM annex (controls.exports_annex): the measures that apply to a customer, under the 17 SCC categories;
  versioned and verifiable.
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

from controls import exports_subprocessors  # noqa: F401 (the sub-processor list and record of processing kinds)
from controls.categories import category_by_id
from controls.exports_annex import (  # noqa: F401 (the TOM annex kind is registered there)
    NO_MEASURE_REASON,
    TOM_ANNEX,
    contract_languages,
    tom_annex_snapshot,
    tom_annex_snapshots,
)
from controls.models import Customer, Evidence
from controls.scc_headings import heading
from controls.selectors import active_customer_subjects, control_list, customers_visible_to, evidence_visible_to
from controls.services_register import EXPORT_COLUMNS, export_row
from portal.accounts.language import language_of
from portal.core.spreadsheet import safe_cell, typed_cell, typed_cells
from portal.exports.registry import ALL_SUBJECTS, ExportKind, register
from portal.exports.rendering import content_sha256, render_pdf
from portal.security.storage import open_decrypted

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
