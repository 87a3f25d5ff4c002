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


@pytest.mark.django_db
def test_the_page_asked_for_keeps_its_whole_query_through_the_mfa_step(client):
    sign_in(client, UserFactory(roles=["DPO"]), verified=False)
    response = client.get("/controls/?status=verified&overdue=on")
    assert response.status_code == 302
    assert response["Location"].endswith("?next=%2Fcontrols%2F%3Fstatus%3Dverified%26overdue%3Don")
