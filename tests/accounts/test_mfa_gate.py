import pytest

from tests.conftest import sign_in
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_unverified_session_gets_json_403_from_the_api_and_a_browser_is_sent_to_mfa(client):
    sign_in(client, UserFactory(roles=["DPO"]), verified=False)

    api = client.get("/api/controls/")
    assert api.status_code == 403 and api.json() == {"detail": "MFA verification required."}
    browser = client.get("/api/tokens/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert browser.status_code == 302 and browser["Location"].startswith("/account/mfa/")
