"""Headers that keep signed-in pages out of caches, clear the browser at sign-out, and name no server software."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from controls.api.services import api_token_issue
from portal.accounts.roles import Role
from tests.authz.test_matrix import ENTRIES
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GET_PAGES = sorted(name for name, entry in ENTRIES.items()
                   if entry.method == "get" and entry.allows([Role.ADMIN.value]) and entry.ok == 200)


@pytest.mark.parametrize("url_name", GET_PAGES)
def test_every_signed_in_page_forbids_caching(client, url_name):
    entry = ENTRIES[url_name]
    user = UserFactory(roles=[Role.ADMIN])
    sign_in(client, user, step_up=True)
    response = client.get(reverse(url_name, kwargs=entry.kwargs(user) if entry.kwargs else {}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private", url_name


def test_redirects_errors_and_api_answers_to_a_signed_in_user_forbid_caching_too(signed_in):
    client, _user = signed_in(Role.EMPLOYEE)
    assert client.get(reverse("accounts:user_list"))["Cache-Control"] == "no-store, private"  # 403
    assert client.get("/no-such-page/")["Cache-Control"] == "no-store, private"  # 404
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=UserFactory(roles=[Role.AUDITOR]))}")
    assert api.get("/api/controls/")["Cache-Control"] == "no-store, private"


def test_signing_out_clears_the_browsers_copy_of_the_session(signed_in):
    client, _ = signed_in(Role.EMPLOYEE)
    response = client.post(reverse("accounts:logout"))
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_web_server_names_no_software(tmp_path):
    root = Path(__file__).resolve().parents[2]
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "tests.portal.wsgi_hello:application"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    server_header = response.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "gunicorn" not in server_header.lower() and "python" not in server_header.lower()
