"""Register export (CSV streamed, XLSX) of the filtered list, and the all-or-nothing CSV import."""

import csv
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from controls import services_register
from controls.audit_actions import ControlAction
from controls.models import Control
from controls.services_register import EXPORT_COLUMNS, control_register_import
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "reference,title,description,scc_category,kind,status,owner_email,art32_points,tags,parameters\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def _good_row(ref="TOM-IMP-01", owner="owner@annex.test"):
    return (f'{ref},TLS 1.3 at the edge,"All public endpoints negotiate TLS 1.3 only.",protection_in_transmission,'
            f'technical,implemented,{owner},a;b,encryption;transport,tls_min_version=1.3;hsts=true')


def _import(client, data: bytes, **extra):
    return client.post(reverse("controls:import"), {"file": SimpleUploadedFile("controls.csv", data), **extra})


def test_the_csv_export_streams_the_filtered_list_and_is_audited(signed_in):
    client, auditor = signed_in(Role.AUDITOR, step_up=True)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER], email="olga@annex.test")
    ControlFactory(reference="TOM-ENC-01", title="=HYPERLINK(\"http://evil\")", owner=owner,
                   status=Control.Status.VERIFIED, art32_points=["a", "b"], tags=["crypto"])
    ControlFactory(reference="TOM-PLN-01", status=Control.Status.PLANNED)
    response = client.get(reverse("controls:export"), {"status": "verified", "format": "csv"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="annex-controls-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r["reference"] for r in rows] == ["TOM-ENC-01"]
    assert rows[0]["owner_email"] == "olga@annex.test"
    assert rows[0]["art32_points"] == "a;b" and rows[0]["parameters"] == "cipher=AES-256-GCM"
    assert rows[0]["title"].startswith("'=")  # a spreadsheet shows it as text, never runs it
    event = AuditEvent.objects.get(action=ControlAction.CONTROL_REGISTER_EXPORTED)
    assert event.actor == auditor
    assert event.changes["rows"]["after"] == 1 and event.changes["filters"]["after"] == {"status": "verified"}


def test_the_xlsx_export_opens_as_a_workbook(signed_in):
    client, _ = signed_in(Role.DPO, step_up=True)
    ControlFactory(reference="TOM-ENC-01", title="+cmd|' /C calc'!A0")
    response = client.get(reverse("controls:export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert rows[1][0] == "TOM-ENC-01" and rows[1][1].startswith("'+")
    assert AuditEvent.objects.filter(action=ControlAction.CONTROL_REGISTER_EXPORTED).count() == 1


def test_the_export_asks_for_a_fresh_mfa_check(signed_in):
    client, _ = signed_in(Role.DPO, step_up=False)
    response = client.get(reverse("controls:export"))
    assert response.status_code == 302 and "/step-up/" in response["Location"]
    assert not AuditEvent.objects.filter(action=ControlAction.CONTROL_REGISTER_EXPORTED).exists()


def test_an_exported_register_imports_into_an_empty_one(signed_in):
    client, _ = signed_in(Role.DPO, step_up=True)
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    ControlFactory(reference="TOM-ENC-01", owner=owner, tags=["crypto"], art32_points=["a"])
    exported = b"".join(client.get(reverse("controls:export")).streaming_content)
    Control.objects.all().delete()
    response = _import(client, exported)
    assert response.status_code == 302
    control = Control.objects.get()
    assert (control.reference, control.owner, control.tags, control.parameters) == (
        "TOM-ENC-01", owner, ["crypto"], {"cipher": "AES-256-GCM"})


def test_a_valid_file_imports_every_row_with_audit_events(signed_in):
    client, dpo = signed_in(Role.DPO)
    UserFactory(email="owner@annex.test", roles=[Role.SECURITY_OFFICER])
    response = _import(client, _csv(_good_row("TOM-IMP-01"), _good_row("TOM-IMP-02", owner="OWNER@annex.test")))
    assert response.status_code == 302
    created = Control.objects.order_by("reference")
    assert [c.reference for c in created] == ["TOM-IMP-01", "TOM-IMP-02"]
    first = created[0]
    assert first.art32_points == ["a", "b"] and first.tags == ["encryption", "transport"]
    assert first.parameters == {"tls_min_version": "1.3", "hsts": True}
    assert first.owner.email == "owner@annex.test"
    assert AuditEvent.objects.filter(action=ControlAction.CONTROL_CREATED).count() == 2
    summary = AuditEvent.objects.get(action=ControlAction.CONTROL_REGISTER_IMPORTED)
    assert summary.actor == dpo and summary.changes["created"]["after"] == ["TOM-IMP-01", "TOM-IMP-02"]


def test_one_bad_row_means_nothing_is_imported_and_each_problem_is_reported_with_its_line(signed_in):
    client, _ = signed_in(Role.DPO)
    UserFactory(email="owner@annex.test", roles=[Role.SECURITY_OFFICER])
    ControlFactory(reference="TOM-OLD-01")
    data = _csv(
        _good_row("TOM-IMP-01"),
        _good_row("TOM-IMP-02").replace("protection_in_transmission", "made_up_category"),
        _good_row("TOM-IMP-03").replace("implemented", "done"),
        _good_row("TOM-IMP-04", owner="nobody@annex.test"),
        _good_row("TOM-IMP-01"),
        _good_row("TOM-OLD-01"),
        ',,"No reference or title",events_logging,,planned,,,,',
    )
    before = AuditEvent.objects.count()
    response = _import(client, data, check_only="")
    assert response.status_code == 200
    errors = [(e.line, e.message) for e in response.context["result"].errors]
    assert (3, "scc_category “made_up_category” is not one of the 17 SCC measure category ids.") in errors
    assert any(line == 4 and "status “done” is not one of" in m for line, m in errors)
    assert (5, "owner_email nobody@annex.test is not an active user of Annex.") in errors
    assert (6, "reference TOM-IMP-01 is also on line 2.") in errors
    assert (7, "reference TOM-OLD-01 already exists in the register.") in errors
    assert (8, "reference is required.") in errors and (8, "title is required.") in errors
    assert not any(line == 2 for line, _ in errors)
    assert "Nothing was imported." in response.content.decode()
    assert list(Control.objects.values_list("reference", flat=True)) == ["TOM-OLD-01"]
    assert AuditEvent.objects.count() == before


def test_a_failure_while_writing_rolls_back_every_row_already_written():
    dpo = UserFactory(roles=[Role.DPO])
    UserFactory(email="owner@annex.test")
    real_create = services_register.control_create
    calls = []

    def failing_create(**kwargs):
        calls.append(kwargs["reference"])
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real_create(**kwargs)

    data = _csv(_good_row("TOM-IMP-01"), _good_row("TOM-IMP-02"), _good_row("TOM-IMP-03"))
    with mock.patch.object(services_register, "control_create", failing_create), pytest.raises(RuntimeError):
        control_register_import(actor=dpo, data=data)
    assert calls == ["TOM-IMP-01", "TOM-IMP-02", "TOM-IMP-03"]
    assert not Control.objects.exists()
    assert not AuditEvent.objects.filter(action=ControlAction.CONTROL_CREATED).exists()


def test_check_only_validates_without_writing_and_keeps_the_choice(signed_in):
    client, _ = signed_in(Role.DPO)
    UserFactory(email="owner@annex.test")
    response = _import(client, _csv(_good_row()), check_only="on")
    assert response.status_code == 200
    assert "All 1 row are valid." in response.content.decode()
    assert response.context["form"]["check_only"].value() is True
    assert not Control.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    (b"reference,title\nTOM-X-01,x\n", "Header row: missing required columns: description, scc_category, status."),
    (HEADER.replace("tags", "colour").encode() + b"\n", "unknown columns: colour"),
    (b"\x81\x8d\x90 bad", "The file is neither UTF-8 nor Windows-1252 text"),
    (HEADER.encode(), "The file has a header but no rows."),
])
def test_a_malformed_file_is_reported_and_nothing_is_written(signed_in, data, message):
    client, _ = signed_in(Role.ADMIN)
    response = _import(client, data)
    assert message in response.content.decode()
    assert not Control.objects.exists()


def test_security_officers_and_auditors_may_not_import(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    assert _import(client, _csv(_good_row())).status_code == 403
    with pytest.raises(Exception, match="Only the DPO"):
        control_register_import(actor=officer, data=_csv(_good_row()))
    assert not Control.objects.exists()


def test_a_value_over_128_kb_is_a_clear_import_error_not_a_server_error(signed_in):
    client, _ = signed_in(Role.ADMIN)
    UserFactory(email="owner@annex.test")
    long_description = "x" * (130 * 1024)
    data = _csv(_good_row("TOM-IMP-01"), _good_row("TOM-IMP-02").replace(
        '"All public endpoints negotiate TLS 1.3 only."', f'"{long_description}"'))
    response = _import(client, data)
    assert response.status_code == 200
    assert "line 3: a value is longer than 128 KB" in response.content.decode()
    assert not Control.objects.exists()


def test_an_unclosed_quote_in_a_strict_field_is_reported_with_its_line():
    _rows, errors = services_register.parse_register_csv(_csv(_good_row(), '"TOM-IMP-02' + "x" * (140 * 1024)))
    assert len(errors) == 1 and errors[0].line >= 2 and "cannot be read" in errors[0].message
