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


SOURCE_DIRS = ("controls", "incidents", "training", "portal", "templates")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (Debian package gettext) is not installed")
def test_every_string_marked_in_the_source_is_in_both_catalogues(tmp_path, settings, monkeypatch):
    """makemessages, run on a copy of the catalogues, adds nothing and finds nothing changed: a string marked for
    translation anywhere in the apps or templates has its entry, so the completeness checks above cover it."""
    from django.core.management import call_command

    from tests.i18n.po import read_po

    root = LOCALE_DIR.parent
    for name in SOURCE_DIRS:
        (tmp_path / name).symlink_to(root / name, target_is_directory=True)
    shutil.copytree(LOCALE_DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["de", "en"], symlinks=True, no_obsolete=True, verbosity=0,
                 ignore_patterns=["__pycache__", "migrations"])
    for language in ("de", "en"):
        committed = {e.msgid for e in catalogue(language)}
        extracted = [e for e in read_po(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
                     if e.msgid and not e.obsolete]
        missing = sorted({e.msgid for e in extracted} - committed)
        changed = sorted(e.msgid for e in extracted if "fuzzy" in e.flags or not all(e.translations))
        assert not missing, f"marked but not in locale/{language}: {missing[:10]}"
        assert not changed, f"out of date in locale/{language}: {changed[:10]}"
