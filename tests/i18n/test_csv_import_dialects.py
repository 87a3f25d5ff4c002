"""German spreadsheet programs save CSV with semicolons, a byte order mark or in Windows-1252: all import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from controls.audit_actions import ControlAction
from controls.models import Control
from controls.services_register import decode_csv
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["reference", "title", "description", "scc_category", "status", "owner_email", "art32_points",
          "next_review_due"]


def _row(reference: str, title: str, due: str = "28.11.2026") -> list[str]:
    return [reference, title, "Verschlüsselung aller Datenträger mit AES-256 (Schlüssel im HSM).",
            "protection_in_storage", "implemented", "owner@annex.test", "a;b", due]


def _file(rows: list[list[str]], *, delimiter: str, encoding: str, bom: bool = False) -> bytes:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value or ";" in value else value

    text = "\r\n".join(delimiter.join(cell(v) for v in row) for row in [HEADER, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def _import(client, data: bytes):
    return client.post(reverse("controls:import"), {"file": SimpleUploadedFile("massnahmen.csv", data)})


def test_a_semicolon_separated_utf8_file_with_a_byte_order_mark_imports(signed_in):
    client, _ = signed_in(Role.DPO)
    UserFactory(email="owner@annex.test", roles=[Role.SECURITY_OFFICER])
    data = _file([_row("TOM-DE-01", "Festplattenverschlüsselung"), _row("TOM-DE-02", "Schlüsselrotation")],
                 delimiter=";", encoding="utf-8", bom=True)
    response = _import(client, data)
    assert response.status_code == 302
    first = Control.objects.get(reference="TOM-DE-01")
    assert first.title == "Festplattenverschlüsselung"
    assert first.art32_points == ["a", "b"]
    assert first.next_review_due.isoformat() == "2026-11-28"
    assert Control.objects.filter(reference="TOM-DE-02", title="Schlüsselrotation").exists()
    summary = AuditEvent.objects.get(action=ControlAction.CONTROL_REGISTER_IMPORTED)
    assert summary.changes["read_as"]["after"] == "Read as UTF-8 with BOM, separated by semicolons."


def test_a_windows_1252_file_is_read_as_such_and_says_so(signed_in):
    client, _ = signed_in(Role.DPO)
    UserFactory(email="owner@annex.test", roles=[Role.SECURITY_OFFICER])
    data = _file([_row("TOM-DE-03", "Zutrittskontrolle für Büroräume")], delimiter=";", encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    response = client.post(reverse("controls:import"),
                           {"file": SimpleUploadedFile("m.csv", data), "check_only": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Read as Windows-1252, separated by semicolons." in page
    assert not Control.objects.exists()
    _import(client, data)
    assert Control.objects.get(reference="TOM-DE-03").title == "Zutrittskontrolle für Büroräume"


def test_the_report_of_what_was_read_is_in_the_users_language(signed_in):
    client, _ = signed_in(Role.DPO, language="de")
    UserFactory(email="owner@annex.test", roles=[Role.SECURITY_OFFICER])
    data = _file([_row("TOM-DE-04", "Protokollierung")], delimiter=";", encoding="utf-8", bom=True)
    response = client.post(reverse("controls:import"),
                           {"file": SimpleUploadedFile("m.csv", data), "check_only": "on"})
    assert "Gelesen als UTF-8 mit BOM, getrennt durch Semikolons." in response.content.decode()


@pytest.mark.parametrize(("data", "encoding", "delimiter"), [
    (b"a,b\n1,2\n", "UTF-8", ","),
    ("a;b\n1;2\n".encode("utf-8-sig"), "UTF-8 with BOM", ";"),
    ("a\tb\nä\tö\n".encode("cp1252"), "Windows-1252", "\t"),
    (b"a;b;c,d\n", "UTF-8", ";"),
])
def test_the_encoding_and_separator_are_detected(data, encoding, delimiter):
    _text, dialect = decode_csv(data)
    with translation.override("en"):
        assert (str(dialect.encoding), dialect.delimiter) == (encoding, delimiter)


def test_a_file_in_no_supported_encoding_is_refused_with_a_clear_message(signed_in):
    client, _ = signed_in(Role.DPO)
    response = _import(client, b"reference;title\n\x81\x8d\x90;x\n")
    assert "The file is neither UTF-8 nor Windows-1252 text" in response.content.decode()
    assert not Control.objects.exists()
