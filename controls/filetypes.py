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

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

TEXT_SNIFF_BYTES = 1024 * 1024

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


def _office_type(fileobj: BinaryIO) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype.startswith(ODF_PREFIX) and "META-INF/manifest.xml" in names:
                    return mimetype
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
