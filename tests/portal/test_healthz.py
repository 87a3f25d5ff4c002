import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_ok(client):
    response = client.get(reverse("portal:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("portal:healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "broker": "unavailable"}
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post(reverse("portal:healthz")).status_code == 405
