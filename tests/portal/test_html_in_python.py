"""HTML is written in templates. Two places may build it in Python, contained and tested byte for byte: the
control register's rows (controls/templatetags/register_rows.py) and the opt-in PlainSelect widget
(portal/core/widgets.py). Anywhere else, `mark_safe` on a Python string fails this test."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ALLOWED = {ROOT / "controls" / "templatetags" / "register_rows.py", ROOT / "portal" / "core" / "widgets.py"}
MARKING_SAFE = re.compile(r"\b(?:mark_safe|SafeString)\(")


def _sources() -> list[Path]:
    apps = [ROOT / name for name in ("portal", "controls", "incidents", "training")]
    return sorted(path for folder in apps for path in folder.rglob("*.py") if "migrations" not in path.parts)


def test_only_the_register_rows_and_plain_select_mark_python_strings_safe():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in _sources()
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if MARKING_SAFE.search(line) and path not in ALLOWED]
    assert offenders == [], "build this HTML in a template (or with format_html), not in a Python string"


def test_the_check_sees_the_places_that_are_allowed():
    assert all(MARKING_SAFE.search(path.read_text()) for path in ALLOWED)
