"""The TOM catalogue's German version (locale/de/LC_MESSAGES/tom_catalogue.po): every text the annex looks up is
translated, none fuzzy, and `extract_catalogue_messages` keeps the file in step with the catalogue."""

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from controls.catalogue_i18n import catalogue_text
from controls.catalogue_loader import CATALOGUE_FILE
from controls.catalogue_messages import catalogue_messages, extract, read_po
from tests.i18n.po import LOCALE_DIR

GERMAN_PO = LOCALE_DIR / "de" / "LC_MESSAGES" / "tom_catalogue.po"


def test_the_messages_are_every_title_description_statement_and_service_name_of_the_catalogue():
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    _version, messages = catalogue_messages()
    places = [p for m in messages for p in m.places]
    assert len(places) == 2 * len(data["controls"]) + len(data["categories"]) + len(data["services"])
    assert len(data["controls"]) == 49 and len(data["categories"]) == 17
    assert all("\n" not in m.msgid and "  " not in m.msgid for m in messages)


def test_every_text_the_catalogue_looks_up_has_a_german_version():
    _version, messages = catalogue_messages()
    missing = [m.places[0] for m in messages if not catalogue_text("de", m.msgid)]
    assert not missing, f"no German version: {missing[:10]}"
    entries = read_po(GERMAN_PO)
    fuzzy = [m.places[0] for m in messages if "fuzzy" in entries[m.msgid].flags]
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (Debian package gettext) is not installed")
def test_msgfmt_counts_every_catalogue_text_translated_and_none_fuzzy_or_untranslated():
    _version, messages = catalogue_messages()
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(GERMAN_PO)],
                            capture_output=True, text=True, env={"LC_ALL": "C"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"{len(messages)} translated messages.", result.stderr


def test_the_german_version_uses_the_gdpr_vocabulary():
    german = {m.msgid: catalogue_text("de", m.msgid) for m in catalogue_messages()[1]}
    assert german["Biometric access control to data centre areas"] == (
        "Biometrische Zutrittskontrolle zu Rechenzentrumsbereichen")
    assert german["Security assessment of sub-processors"] == "Sicherheitsprüfung von Unterauftragsverarbeitern"
    text = " ".join(german.values())
    for term in ("Verantwortliche", "Auftragsverarbeiter", "personenbezogene", "Pseudonymisierung", "DSGVO",
                 "Verletzung des Schutzes personenbezogener Daten", "TLS 1.3", "AES-256-GCM", "NIST SP 800-88"):
        assert term in text, term
    assert "GDPR" not in text and "Art. 28(3)" not in text


def test_the_committed_file_is_what_extraction_writes():
    call_command("extract_catalogue_messages", check=True)


def _catalogue_copy(tmp_path: Path, **title_changes) -> Path:
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    for control in data["controls"]:
        control["title"] = title_changes.get(control["reference"], control["title"])
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_re_extraction_keeps_translations_and_gives_a_changed_text_an_empty_entry(tmp_path, settings):
    (tmp_path / "locale" / "de" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(GERMAN_PO, tmp_path / "locale" / "de" / "LC_MESSAGES")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    path = _catalogue_copy(tmp_path, **{"TOM-PHY-03": "Visitor management in every office"})
    text, report = extract("de", path=path)
    (tmp_path / "locale" / "de" / "LC_MESSAGES" / "tom_catalogue.po").write_text(text, encoding="utf-8")
    entries = read_po(tmp_path / "locale" / "de" / "LC_MESSAGES" / "tom_catalogue.po")
    assert report["new"] == report["untranslated"] == ["Visitor management in every office"]
    assert report["obsolete"] == ["Visitor management in offices"]
    assert entries["Visitor management in every office"].msgstr == ""
    assert "Visitor management in offices" not in entries
    assert "#~ msgstr \"Besuchermanagement in den Büros\"" in text
    assert entries["Mutual TLS between internal services"].msgstr == "Gegenseitiges TLS zwischen internen Diensten"


def test_the_check_names_an_untranslated_text(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("extract_catalogue_messages", stdout=StringIO())
    assert (tmp_path / "locale" / "de" / "LC_MESSAGES" / "tom_catalogue.po").exists()
    with pytest.raises(CommandError, match="untranslated: Managed application hosting"):
        call_command("extract_catalogue_messages", check=True)
