import os

import pytest

from portal.celery import ping


@pytest.mark.django_db(transaction=True)
def test_a_task_travels_through_redis_to_the_worker_and_back(celery_worker):
    result = ping.delay("hello from the test")
    payload = result.get(timeout=30)
    assert payload["payload"] == "hello from the test"
    assert payload["pid"] != os.getpid()


@pytest.mark.django_db(transaction=True)
def test_healthz_sees_postgres_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
