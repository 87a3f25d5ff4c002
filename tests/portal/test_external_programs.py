"""Every program a test or script calls is installed by the test command (scripts/debian-packages.txt)."""

import base64
import hashlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_programs", ROOT / "scripts" / "check_programs.py")
check_programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_programs)


def test_every_program_called_by_the_code_is_in_the_install_list():
    assert check_programs.unlisted_calls() == []


def test_a_python_call_to_an_unlisted_program_is_named(tmp_path):
    # The probe lives outside the checkout, so a parallel run of the whole scan never sees it.
    probe = tmp_path / "probe.py"
    probe.write_text("import shutil, subprocess\nshutil.which('qpdf')\nsubprocess.run(['vnu', '--errors-only'])\n")
    calls = check_programs.python_calls(probe)
    assert {program for program, _ in calls} == {"qpdf", "vnu"}
    assert [line.split(" ")[0] for line in check_programs.unlisted_calls(calls)] == ["qpdf", "vnu"]


def test_a_shell_command_is_found_after_environment_assignments_and_not_taken_for_an_assignment(tmp_path):
    script = tmp_path / "probe.sh"
    script.write_text('LANG=C pg_dump -Fc annex | gzip\nstatus=1\npids+=($!)\nhelper() { :; }\nhelper\n')
    found = {program for program, _ in check_programs.shell_calls(script, check_programs.shell_functions([script]))}
    assert found == {"pg_dump", "gzip"}


def test_the_install_list_names_the_unit_stage_programs():
    assert {"poppler-utils", "fonts-dejavu-core"} <= set(check_programs.packages_for(["unit"]))
    assert "pdftoppm" in check_programs.listed_programs()


def test_a_listed_program_that_is_not_installed_is_named(monkeypatch):
    monkeypatch.setattr(check_programs, "manifest", lambda: {
        "no-such-package": {"stages": {"unit"}, "programs": ["annex-no-such-program"]},
    })
    assert check_programs.missing_programs(["unit"]) == ["annex-no-such-program (Debian package no-such-package)"]


def test_html_checker_download_is_checked_against_the_pinned_digest():
    spec = importlib.util.spec_from_file_location("fetch_html_checker", ROOT / "scripts/fetch_html_checker.py")
    fetch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch)
    version, integrity = fetch.pinned()
    assert version and integrity.startswith("sha512-")
    good = b"the tarball"
    digest = "sha512-" + base64.b64encode(hashlib.sha512(good).digest()).decode()
    assert fetch.verified(good, digest)
    assert not fetch.verified(good + b" tampered", digest)
