"""Every page of the authorization matrix is valid HTML, as the Nu HTML Checker (vnu.jar) sees it.

The test command fetches the checker (scripts/fetch_html_checker.py, pinned in scripts/html-checker),
installs a Java runtime (Debian's openjdk-17-jre-headless) and sets ANNEX_REQUIRE_HTML_CHECKER=1, so there a
missing checker fails this test; a developer's run without them skips it and says why.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC
from tests.authz.test_matrix import ENTRIES
from tests.conftest import sign_in
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / "scripts/html-checker/node_modules/vnu-jar/build/dist/vnu.jar"))


def _checker() -> list[str]:
    java = shutil.which("java")
    if java and VNU_JAR.is_file():
        return [java, "-Xss2m", "-jar", str(VNU_JAR)]
    reason = f"the Nu HTML Checker needs java and {VNU_JAR} (python scripts/fetch_html_checker.py)"
    if os.environ.get("ANNEX_REQUIRE_HTML_CHECKER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _role_for(entry) -> str:
    if entry.owner_role:
        return entry.owner_role
    if entry.allowed in (EVERY_VERIFIED_USER, PUBLIC):
        return Role.EMPLOYEE.value
    return entry.allowed[0]


def _page(entry) -> tuple[str, str] | None:
    """The page as the principal who may see it gets it: (url, html), or None for a non-HTML answer."""
    owner = UserFactory(roles=[_role_for(entry)])
    url = reverse(entry.url_name, kwargs=entry.kwargs(owner) if entry.kwargs else {})
    for verified in ((None,) if entry.allowed == PUBLIC else (True, False)):
        client = Client()
        if verified is not None:
            sign_in(client, owner, verified=verified, step_up=entry.step_up)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            return url, response.content.decode()
    return None


@pytest.mark.django_db
def test_every_page_of_the_authorization_matrix_is_valid_html(tmp_path):
    checker = _checker()
    pages = {}
    for name in sorted(ENTRIES):
        entry = ENTRIES[name]
        if "get" not in entry.methods():
            continue
        with transaction.atomic():  # each entry builds its objects afresh, as in the matrix
            page = _page(entry)
            transaction.set_rollback(True)
        if page is None:
            continue
        url, html = page
        if not html.lstrip().lower().startswith("<!doctype html"):
            continue  # an htmx partial or a fragment, checked as part of its page
        path = tmp_path / f"{name.replace(':', '--')}.html"
        path.write_text(html)
        pages[str(path)] = f"{name} ({url})"
    assert len(pages) > 20, f"only {len(pages)} full pages were rendered: {sorted(pages.values())}"

    result = subprocess.run([*checker, "--format", "json", "--errors-only", *sorted(pages)],
                            capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [f"{pages.get(m.get('url', '').removeprefix('file:'), m.get('url'))} line {m.get('lastLine')}: "
              f"{m.get('message')} [{m.get('extract', '').strip()}]" for m in messages if m.get("type") == "error"]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
