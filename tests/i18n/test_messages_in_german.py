"""Sentences built from parts (a list of measures, a size, a count) read as German sentences in German."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation

from controls import filetypes
from controls.filetypes import RejectedFile, detect_content_type
from controls.models import Evidence
from controls.services_evidence import evidence_add
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory


def test_a_sub_processor_s_measures_are_named_inside_the_german_sentence():
    doc = {"subprocessor_measures": {"closing_sentence": "", "subprocessors": [
        {"name": "Hoster AG", "service_performed": "", "locations": "DE", "measures": "",
         "performs": ["TOM-PHY-01", "TOM-PHY-02"]}]}}
    with translation.override("de"):
        html = render_to_string("pdf/controls/_subprocessor_measures.html", {"doc": doc})
    assert "Führt die Maßnahmen TOM-PHY-01, TOM-PHY-02 aus" in html


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


def test_refused_archives_are_explained_in_german(monkeypatch):
    monkeypatch.setattr(filetypes, "ZIP_MAX_MEMBERS", 2)
    crowded = _zip({"[Content_Types].xml": b"<Types/>", "a.xml": b"<a/>", "b.xml": b"<b/>"})
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (8 * 1024 * 1024)},
                zipfile.ZIP_DEFLATED)
    damaged = _zip({"mimetype": b"x" * 200, "META-INF/manifest.xml": b"<m/>"})
    with translation.override("de"):
        with pytest.raises(RejectedFile) as crowded_refusal:
            detect_content_type(crowded, "report.docx")
        with pytest.raises(RejectedFile) as bomb_refusal:
            detect_content_type(bomb, "report.docx")
        with pytest.raises(RejectedFile) as damaged_refusal:
            detect_content_type(damaged, "minutes.odt")
    assert str(crowded_refusal.value) == "Das Archiv enthält mehr als 2 Dateien; so viele braucht kein Dokument."
    assert str(bomb_refusal.value).startswith("Dieses Dokument entpackt sich zu weit mehr Daten")
    assert str(damaged_refusal.value) == (
        "Der Eintrag „mimetype“ des Dokuments ist kein Dateityp; die Datei ist beschädigt.")


@pytest.mark.django_db
def test_an_oversize_file_is_refused_with_sizes_in_german(settings, tmp_path):
    settings.ANNEX_KEYRING_FILE = tmp_path / "keys" / "keyring.json"
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "encrypted"
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    upload = io.BytesIO(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    upload.size = len(upload.getvalue())
    with translation.override("de"), pytest.raises(ValidationError) as refusal:
        evidence_add(control=ControlFactory(), actor=UserFactory(roles=[Role.DPO]), kind=Evidence.Kind.FILE,
                     title="Scan", upload=upload, filename="scan.pdf")
    assert refusal.value.message_dict["file"] == [
        "Die Datei ist zu groß (2,0\xa0MB); die Grenze liegt bei 1,0\xa0MB."]
