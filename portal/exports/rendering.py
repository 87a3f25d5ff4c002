"""Turning a kind's content snapshot into a PDF: hashes, the verification QR code, WeasyPrint.

The export job, the publish service and `manage.py export_document` all call render_document(),
so a document looks the same whichever way it was made.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.accounts.language import language_of
from portal.exports.models import AnnexVersion
from portal.exports.registry import ExportKind

PDF_TEMPLATE_DIR = "pdf/"


def canonical_json(data) -> bytes:
    """One byte sequence per value: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def content_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def snapshot_sha256(*, kind: str, subject_key: str, number: int, published_at: datetime, content: dict) -> str:
    """The hash a published version prints: its content bound to the kind, subject, number and date."""
    return hashlib.sha256(
        canonical_json(
            {
                "kind": kind,
                "subject": subject_key,
                "number": number,
                "published_at": published_at.isoformat(),
                "content": content,
            }
        )
    ).hexdigest()


def verify_url(sha256: str) -> str:
    return f"{settings.SITE_URL}{reverse('verify:document', kwargs={'sha256': sha256})}"


def qr_data_uri(url: str) -> str:
    """The URL as an SVG QR code in a data URI (medium error correction, no external files)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def latest_version(kind: ExportKind | str, subject_key: str) -> AnnexVersion | None:
    name = kind if isinstance(kind, str) else kind.name
    return AnnexVersion.objects.filter(kind=name, subject_key=subject_key).order_by("-number").first()


@dataclass
class RenderedDocument:
    file_name: str
    content_sha256: str
    printed_sha256: str  # the snapshot hash of a published version; the content hash for a draft
    version: AnnexVersion | None


def document_languages(content: dict, reader_language: str = "") -> list[str]:
    """The languages a document is written in, first one first: a snapshot's "languages", else its
    "language" (the requester's, for per-user documents), else the reader's (`reader_language`, for a
    per-user document whose content names none, such as a certificate), else LANGUAGE_CODE."""
    languages = content.get("languages") or [content.get("language") or reader_language or settings.LANGUAGE_CODE]
    return [code for code in languages if code in dict(settings.LANGUAGES)] or [settings.LANGUAGE_CODE]


def document_context(kind: ExportKind, content: dict, *, version: AnnexVersion | None, digest: str,
                     reader_language: str = "") -> dict:
    published = version is not None
    languages = document_languages(content, reader_language)
    printed = version.snapshot_sha256 if published else digest
    url = verify_url(printed) if published or kind.verifier else ""
    effective = (version.effective_on or timezone.localdate(version.published_at)) if published else None
    context = {
        "kind": kind,
        "doc": content,
        "languages": languages,
        "second_language": languages[1] if len(languages) > 1 else "",
        "version": version,
        "is_draft": kind.versioned and not published,
        "printed_sha256": printed,
        "verify_url": url,
        "qr_data_uri": qr_data_uri(url) if url else "",
        "processor": settings.ORGANISATION_NAME,
        "effective_date": effective or timezone.localdate(),
        "generated_at": timezone.localtime(),
        "latest_version": None if published or not kind.versioned else latest_version(kind, content["subject_key"]),
    }
    if kind.document_extra:
        context.update(kind.document_extra(content, version))
    return context


# Contracts are archived for years and read with screen readers: every document is PDF/A-3a, which is
# PDF/A with a tagged structure (PDF/UA's requirement too), its language taken from the <html lang>.
PDF_VARIANT = "pdf/a-3a"


def write_pdf(html: str, target: BinaryIO) -> None:
    from weasyprint import HTML

    # Relative URLs in PDF templates (fonts, images) resolve against static/, so fonts are embedded from the repo.
    HTML(string=html, base_url=str(settings.BASE_DIR / "static") + "/").write_pdf(
        target=target, pdf_variant=PDF_VARIANT,
    )


def render_pdf(kind: ExportKind, content: dict, target: BinaryIO, *, template: str = "",
               version: AnnexVersion | None = None, digest: str = "") -> None:
    """A template under templates/pdf/ (the kind's own unless named) rendered with the document context."""
    context = document_context(kind, content, version=version, digest=digest or content_sha256(content))
    with translation.override(context["languages"][0]):
        html = render_to_string(PDF_TEMPLATE_DIR + (template or kind.template), context)
    write_pdf(html, target)


def _no_progress(percent: int) -> None:
    pass


def render_document(
    kind: ExportKind,
    subject_key: str,
    target: BinaryIO,
    *,
    content: dict | None = None,
    version: AnnexVersion | None = None,
    progress: Callable[[int], None] | None = None,
    user=None,
) -> RenderedDocument:
    """Render one document into `target`.

    Without `version`, a versioned kind prints the latest published version when the content still
    matches it, and is otherwise marked as a draft (its hash is then not verifiable). A kind whose
    content depends on who asks (`per_user`) is snapshotted with `user`'s scope.
    """
    progress = progress or _no_progress
    content = kind.content(subject_key, user) if content is None else content
    digest = content_sha256(content)
    if version is None and kind.versioned:
        latest = latest_version(kind, subject_key)
        if latest is not None and latest.content_sha256 == digest:
            version = latest
    progress(30)
    # A document for its requester (a certificate, a register export, a report) is in the requester's language
    # unless its content names one; a versioned document is in its subject's (a contract's) language.
    reader = language_of(user) if user is not None and (kind.per_user or not kind.versioned) else ""
    if kind.writer is not None:
        # A workbook or archive: its sheet names, headings and date formats in the document's language.
        with translation.override(document_languages(content, reader)[0]):
            kind.writer(kind, content, target, progress)
    else:
        context = document_context(kind, content, version=version, digest=digest, reader_language=reader)
        with translation.override(context["languages"][0]):
            html = render_to_string(PDF_TEMPLATE_DIR + kind.template, context)
        progress(50)
        write_pdf(html, target)
    return RenderedDocument(
        file_name=kind.filename(content, version=version.number if version else None),
        content_sha256=digest,
        printed_sha256=version.snapshot_sha256 if version else digest,
        version=version,
    )


def _items(content: dict | None) -> dict[str, dict]:
    if not content:
        return {}
    return {item["reference"]: item for section in content.get("sections", []) for item in section.get("items", [])}


def _sections(content: dict | None) -> dict[str, dict]:
    if not content:
        return {}
    return {s["id"]: {k: v for k, v in s.items() if k != "items"} for s in content.get("sections", [])}


def content_diff(old: dict | None, new: dict) -> dict:
    """Added, removed and changed measures (by reference), changed sections and changed details."""
    before, after = _items(old), _items(new)
    changed = []
    for ref in sorted(set(before) & set(after)):
        fields = sorted(k for k in set(before[ref]) | set(after[ref]) if before[ref].get(k) != after[ref].get(k))
        if fields:
            changed.append({"reference": ref, "title": after[ref].get("title", ""), "fields": fields,
                            "before": {f: before[ref].get(f) for f in fields},
                            "after": {f: after[ref].get(f) for f in fields}})
    old_sections, new_sections = _sections(old), _sections(new)
    sections = [
        {"id": sid, "title": new_sections[sid].get("title", sid),
         "fields": sorted(k for k in new_sections[sid] if old_sections.get(sid, {}).get(k) != new_sections[sid][k])}
        for sid in new_sections
        if old is not None and old_sections.get(sid) != new_sections[sid]
    ]
    details = sorted(
        k for k in (set(old or {}) | set(new)) - {"sections"} if old is not None and (old or {}).get(k) != new.get(k)
    )
    return {
        "added": [{"reference": r, "title": after[r].get("title", "")} for r in sorted(set(after) - set(before))],
        "removed": [{"reference": r, "title": before[r].get("title", "")} for r in sorted(set(before) - set(after))],
        "changed": changed,
        "sections": sections,
        "details": details,
    }
