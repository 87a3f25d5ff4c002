"""The German and English catalogues are complete: every entry translated, none fuzzy, all compile."""

import re
import shutil
import subprocess

import pytest

from tests.i18n.po import LOCALE_DIR, catalogue

CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def test_german_and_english_catalogues_exist_for_the_django_domain():
    names = {(p.parts[-3], p.stem) for p in CATALOGUES}
    assert {("de", "django"), ("en", "django")} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_the_catalogue_has_no_untranslated_and_no_fuzzy_entry(path):
    entries = catalogue(path.parts[-3], path.stem)
    assert entries, f"{path} is empty"
    untranslated = [e.msgid for e in entries if not e.translations or not all(e.translations)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_translation_keeps_the_placeholders_of_its_source(path):
    for entry in catalogue(path.parts[-3], path.stem):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        for index, translation in enumerate(entry.translations):
            source = sources[min(index, len(sources) - 1)]
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source)), (
                entry.msgid, translation)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (Debian package gettext) is not installed")
@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_gnu_msgfmt_accepts_the_catalogue_and_counts_no_fuzzy_or_untranslated_message(path):
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True, env={"LC_ALL": "C"})
    assert result.returncode == 0, result.stderr
    assert "translated message" in result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def test_the_german_catalogue_speaks_the_vocabulary_of_the_gdpr():
    german = {e.msgid: e.translations[0] for e in catalogue("de")}
    assert german["Processor"] == "Auftragsverarbeiter"
    assert german["Customer (controller)"] == "Kunde (Verantwortlicher)"
    assert "Verletzung" in german["Breach notice deadline (hours)"]
