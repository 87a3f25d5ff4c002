"""Evidence files are recognised by their bytes; executables and unknown types are refused whatever their name."""

import io
import zipfile

import pytest

from controls.filetypes import RejectedFile, detect_content_type, sanitise_filename


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


def detect(data: bytes | io.BytesIO, name: str = "file.bin") -> str:
    return detect_content_type(data if isinstance(data, io.BytesIO) else io.BytesIO(data), name)


@pytest.mark.parametrize(("data", "expected"), [
    (b"%PDF-1.7\n1 0 obj\n", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"GIF89a\x01\x00\x01\x00", "image/gif"),
    (b'{"tls_min_version": "1.3"}', "application/json"),
    (b"Firewall rules reviewed on 3 March.\n", "text/plain"),
])
def test_it_recognises_accepted_types_by_content(data, expected):
    assert detect(data, "named-anything.dat") == expected


def test_text_files_keep_their_csv_or_markdown_subtype():
    assert detect(b"host,port\ndb1,5432\n", "hosts.csv") == "text/csv"
    assert detect(b"# Patch report\n\nAll servers patched.\n", "report.md") == "text/markdown"


@pytest.mark.parametrize(("folder", "kind"), [("word/", "wordprocessingml"), ("xl/", "spreadsheetml"),
                                               ("ppt/", "presentationml")])
def test_office_documents_are_recognised_by_their_member_names(folder, kind):
    archive = _zip({"[Content_Types].xml": b"<Types/>", f"{folder}document.xml": b"<x/>"})
    assert kind in detect(archive, "x.zip")


def test_opendocument_files_are_recognised_by_their_mimetype_member():
    archive = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "META-INF/manifest.xml": b"<m/>",
                    "content.xml": b"<c/>"})
    assert detect(archive) == "application/vnd.oasis.opendocument.text"


@pytest.mark.parametrize(("data", "what"), [
    (b"MZ\x90\x00\x03\x00\x00\x00", "Windows executable"),
    (b"\x7fELF\x02\x01\x01\x00", "Linux executable"),
    (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", "macOS executable"),
    (b"#!/bin/sh\nrm -rf /\n", "script"),
])
def test_a_disguised_executable_is_rejected_with_a_clear_message(data, what):
    with pytest.raises(RejectedFile, match=what):
        detect(data, "quarterly-report.pdf")


def test_a_plain_zip_archive_is_rejected():
    with pytest.raises(RejectedFile, match="Zip archives are accepted only as"):
        detect(_zip({"payload.exe": b"MZ"}), "evidence.docx")


def test_a_document_with_macros_is_rejected():
    archive = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<x/>", "word/vbaProject.bin": b"x"})
    with pytest.raises(RejectedFile, match="macros"):
        detect(archive, "policy.docx")


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary", b"\xc3\x28 not utf-8", b""])
def test_binary_unknown_or_empty_files_are_rejected(data):
    with pytest.raises(RejectedFile):
        detect(data, "notes.txt")


def test_detection_leaves_the_file_at_its_start():
    handle = io.BytesIO(b"%PDF-1.4 rest")
    detect_content_type(handle, "a.pdf")
    assert handle.tell() == 0


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\report.pdf", "report.pdf"),
    ('evil"name\r\n.pdf', "evil_name.pdf"),
    ("...", "evidence"),
    ("Prüfbericht 2025.pdf", "Prüfbericht 2025.pdf"),
])
def test_filenames_are_sanitised(name, expected):
    assert sanitise_filename(name) == expected


def test_long_filenames_keep_their_extension():
    name = sanitise_filename("a" * 300 + ".xlsx")
    assert len(name) == 150 and name.endswith(".xlsx")


def _odt_bomb(size: int) -> io.BytesIO:
    """An OpenDocument file whose `mimetype` member inflates to `size` bytes (it compresses ~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w", force_zip64=True) as member:
            member.write(b"application/vnd.oasis.opendocument.text")
            chunk = b" " * min(size, 1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
        archive.writestr("META-INF/manifest.xml", b"<m/>")
    out.seek(0)
    return out


def test_a_zip_bomb_is_refused_without_inflating_it():
    import tracemalloc

    bomb = _odt_bomb(64 * 1024 * 1024)
    assert len(bomb.getvalue()) < 200 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(RejectedFile, match="zip bomb"):
            detect(bomb, "minutes.odt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
    assert bomb.tell() == 0


def test_a_mimetype_member_that_claims_a_small_size_is_still_read_only_so_far():
    # Under the ratio floor (1 MiB) the ratio check does not apply; the bounded read still refuses it.
    bomb = _odt_bomb(512 * 1024)
    with pytest.raises(RejectedFile, match="damaged"):
        detect(bomb, "minutes.odt")


def test_any_member_that_inflates_too_far_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<x/>" + b"\0" * (8 * 1024 * 1024))
    with pytest.raises(RejectedFile, match="zip bomb"):
        detect(out, "report.docx")


def test_an_ordinary_compressed_document_is_still_accepted():
    import random

    words = [f"clause{n}" for n in range(500)]
    rng = random.Random(1)
    text = " ".join(rng.choice(words) for _ in range(400_000)).encode()  # ~3.6 MB, about 7:1
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", text)
    assert "wordprocessingml" in detect(out, "report.docx")
