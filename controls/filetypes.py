"""What an uploaded evidence file really is, decided by its bytes, never by its name.

Accepted: PDF, PNG, JPEG, GIF, plain text (CSV, Markdown), JSON, and the Office Open XML and
OpenDocument formats (zip containers, recognised by their member names). Executables and scripts are
refused even when renamed, and so is anything not on the list.
"""

import json
import re
import unicodedata
import zipfile
from typing import BinaryIO

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

TEXT_SNIFF_BYTES = 1024 * 1024
# Zip containers (Office, OpenDocument) are checked from their directory before any member is inflated: a
# member may not claim more than ZIP_MEMBER_MAX_BYTES, nor (above ZIP_RATIO_FLOOR_BYTES) inflate more than
# ZIP_MAX_RATIO times its compressed size, and the whole archive not more than ZIP_TOTAL_MAX_BYTES. Real
# documents stay far below these (XML compresses 5-30x); a zip bomb does not. The one member read, ODF's
# `mimetype`, is read with a bounded size, so even a lying directory cannot make it inflate further.
ZIP_MAX_MEMBERS = 10_000
ZIP_MEMBER_MAX_BYTES = 100 * 1024 * 1024
ZIP_TOTAL_MAX_BYTES = 250 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024
ODF_MIMETYPE_MAX_BYTES = 128

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint presentation"),
}
ODF_PREFIX = "application/vnd.oasis.opendocument."

EXECUTABLE_SIGNATURES = (
    (b"MZ", gettext_noop("a Windows executable")),
    (b"\x7fELF", gettext_noop("a Linux executable")),
    (b"\xfe\xed\xfa\xce", gettext_noop("a macOS executable")),
    (b"\xfe\xed\xfa\xcf", gettext_noop("a macOS executable")),
    (b"\xce\xfa\xed\xfe", gettext_noop("a macOS executable")),
    (b"\xcf\xfa\xed\xfe", gettext_noop("a macOS executable")),
    (b"\xca\xfe\xba\xbe", gettext_noop("a macOS or Java executable")),
    (b"#!", gettext_noop("a script")),
)
SIMPLE_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
TEXT_TYPES_BY_EXTENSION = {".csv": "text/csv", ".md": "text/markdown", ".markdown": "text/markdown"}


class RejectedFile(ValueError):
    """The file is not accepted as evidence; the message says why, for the person uploading it."""


def detect_content_type(fileobj: BinaryIO, filename: str = "") -> str:
    """The MIME type of an accepted file, read from its content; RejectedFile otherwise.

    Reads from the start and leaves the file positioned at the start again.
    """
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if not head:
        raise RejectedFile(_("The file is empty."))
    for signature, what in EXECUTABLE_SIGNATURES:
        if head.startswith(signature):
            raise RejectedFile(
                _("This file is %(what)s, whatever its name says. Programs and scripts cannot be uploaded as evidence.")
                % {"what": _(what)}
            )
    for signature, content_type in SIMPLE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        return _office_type(fileobj)
    return _text_type(fileobj, filename)


def _check_zip_bounds(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose directory promises more than a document could hold (a zip bomb)."""
    members = archive.infolist()
    if len(members) > ZIP_MAX_MEMBERS:
        raise RejectedFile(ngettext(
            "The archive holds more than %(count)s file; no document needs that many.",
            "The archive holds more than %(count)s files; no document needs that many.",
            ZIP_MAX_MEMBERS) % {"count": formats.number_format(ZIP_MAX_MEMBERS, force_grouping=True)})
    total = 0
    for member in members:
        total += member.file_size
        too_big = member.file_size > ZIP_MEMBER_MAX_BYTES or total > ZIP_TOTAL_MAX_BYTES
        too_dense = (member.file_size > ZIP_RATIO_FLOOR_BYTES
                     and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1))
        if too_big or too_dense:
            raise RejectedFile(_(
                "This document unpacks to far more data than its size suggests (a “zip bomb”), so it was refused. "
                "Save it again from the application that made it, or upload it as a PDF."
            ))


def _read_bounded(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """The member's bytes if it inflates to at most `limit` bytes; None if it is longer."""
    with archive.open(name) as member:
        data = member.read(limit + 1)
    return data if len(data) <= limit else None


def _office_type(fileobj: BinaryIO) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            _check_zip_bounds(archive)
            names = archive.namelist()
            if "mimetype" in names:
                raw = _read_bounded(archive, "mimetype", ODF_MIMETYPE_MAX_BYTES)
                if raw is None:
                    raise RejectedFile(_("The document's “mimetype” entry is not a file type; the file is damaged."))
                mimetype = raw.decode("ascii", "replace").strip()
                if mimetype.startswith(ODF_PREFIX) and "META-INF/manifest.xml" in names:
                    return mimetype
    except RejectedFile:
        fileobj.seek(0)
        raise
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RejectedFile(_("The file looks like a zip archive but cannot be read.")) from exc
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" in names:
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise RejectedFile(_("Documents with macros cannot be uploaded as evidence; save it without macros."))
        for prefix, (content_type, _label) in OOXML.items():
            if any(name.startswith(prefix) for name in names):
                return content_type
    raise RejectedFile(
        _("Zip archives are accepted only as Word, Excel, PowerPoint or OpenDocument files; upload the documents "
          "themselves.")
    )


def _text_type(fileobj: BinaryIO, filename: str) -> str:
    sample = fileobj.read(TEXT_SNIFF_BYTES)
    complete = not fileobj.read(1)
    fileobj.seek(0)
    if b"\x00" in sample:
        raise RejectedFile(_unsupported())
    if not complete:
        # Cut the sample at a line end, so a multi-byte character split by the sample size is not an error.
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectedFile(_unsupported()) from exc
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        raise RejectedFile(_unsupported())
    stripped = text.lstrip()
    if complete and stripped[:1] in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return "application/json"
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return TEXT_TYPES_BY_EXTENSION.get(extension, "text/plain")


def _unsupported() -> str:
    return (
        _("This type of file is not accepted. Upload a PDF, an image (PNG, JPEG, GIF), a text, CSV, Markdown or JSON "
          "file, or a Word, Excel, PowerPoint or OpenDocument file.")
    )


def sanitise_filename(name: str, *, max_length: int = 150) -> str:
    """A filename safe to show and to send back in Content-Disposition: no path, no control characters."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.\- ()]+", "_", name, flags=re.UNICODE)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = re.sub(r"_+", "_", name)
    if not name or set(name) <= {".", "_"}:
        name = "evidence"
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: max_length - len(extension) - 1] + "." + extension
        else:
            name = name[:max_length]
    return name
