import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from tests.conftest import totp_device_for
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _demo_mode_in_a_fresh_process(var_dir: Path, **env) -> str:
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"ANNEX_DEMO_MODE", "DEBUG", "DJANGO_SETTINGS_MODULE", "ANNEX_VAR_DIR"}}
    environment.update(ANNEX_VAR_DIR=str(var_dir), ANNEX_TESTING="1", **env)
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings as s; print(s.ANNEX_DEMO_MODE)"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=True,
    ).stdout.strip()


def test_an_installation_seeded_with_demo_data_stays_in_demo_mode_for_a_second_shell(tmp_path):
    assert _demo_mode_in_a_fresh_process(tmp_path) == "False"
    (tmp_path / "demo-mode").write_text("demo\n")

    assert _demo_mode_in_a_fresh_process(tmp_path) == "True"


def test_an_explicit_setting_wins_over_the_demo_marker(tmp_path):
    (tmp_path / "demo-mode").write_text("demo\n")

    assert _demo_mode_in_a_fresh_process(tmp_path, ANNEX_DEMO_MODE="false") == "False"


def test_the_readme_gives_the_demo_totp_command_as_it_runs():
    readme = (ROOT / "README.md").read_text()
    assert "`.venv/bin/python manage.py demo_totp dpo@demo.annex.test`" in readme


@pytest.mark.django_db
def test_demo_totp_prints_the_current_code_of_the_account(settings):
    settings.ANNEX_DEMO_MODE = True
    user = UserFactory(email="dpo@demo.annex.test")
    device = totp_device_for(user)
    out = io.StringIO()

    call_command("demo_totp", "dpo@demo.annex.test", stdout=out)

    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert int(code) == totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
