"""`.env.example` documents every variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_read_by_the_settings_is_documented():
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|secret|url)\(\s*"([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ(?:\.get)?\(\s*"([A-Z_]+)"', settings_source))
    assert len(read) > 25, read
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    internal = {"ANNEX_TESTING"}  # set by the test command only
    missing = sorted(read - documented - internal)
    assert not missing, f"settings read these variables, but .env.example does not list them: {missing}"
