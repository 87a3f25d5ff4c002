import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory

pytestmark = pytest.mark.django_db


def test_a_refusal_says_why_with_the_checks_own_message(signed_in):
    client, _ = signed_in(Role.SECURITY_OFFICER)
    control = ControlFactory()  # owned by someone else
    response = client.get(reverse("controls:edit", args=[control.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You may change only the controls you own." in page
    assert 'class="site-header"' in page  # the styled page, not Django's bare one


def test_a_missing_page_is_styled_and_tells_nothing_about_what_exists(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    response = client.get("/controls/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "not shared with you" in page and "No Control matches" not in page


def test_an_unhandled_error_gives_a_styled_page_with_a_reference(settings):
    settings.ROOT_URLCONF = "tests.portal.urls_failing"
    client = Client(raise_request_exception=False)
    response = client.get("/fails/", HTTP_X_REQUEST_ID="ref-12345678")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "ref-12345678" in page and "RuntimeError" not in page


def test_api_errors_are_json(settings):
    settings.ROOT_URLCONF = "tests.portal.urls_failing"
    client = Client(raise_request_exception=False)
    assert client.get("/api/fails/").json() == {"detail": "Annex could not answer this request; the error was logged."}
    assert client.get("/api/no-such-endpoint/").json() == {"detail": "Not found."}
