"""The Redis cache backend (django-redis) on the run's Redis: Django's operations, one client kept for every
operation, sessions through it."""

import threading

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache, caches
from django_redis.cache import RedisCache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _redis_cache():
    if not isinstance(caches["default"], RedisCache):
        pytest.fail(f"the integration stage runs with CACHE_URL naming Redis, not {settings.CACHES}")
    cache.clear()
    yield
    cache.clear()


def test_the_cache_operations_behave_as_djangos():
    cache.set("a", {"n": 1, "text": "ü"}, 30)
    assert cache.get("a") == {"n": 1, "text": "ü"}
    assert cache.add("a", "other") is False and cache.add("b", 2) is True
    cache.set_many({"c": 3, "d": [4]})
    assert cache.get_many(["a", "b", "c", "d", "missing"]) == {"a": {"n": 1, "text": "ü"}, "b": 2, "c": 3, "d": [4]}
    assert cache.incr("c", 5) == 8
    assert cache.touch("c", 60) is True
    assert cache.delete("a") is True and cache.get("a", "gone") == "gone"
    assert cache.has_key("b") and not cache.has_key("a")


def test_one_client_serves_every_operation_of_a_backend():
    cache.set("k", 1)
    backend = caches["default"]
    client = backend.client.get_client(write=True)
    assert backend.client.get_client(write=False) is client
    backend.get("k")
    assert backend.client.get_client(write=True) is client


def test_each_thread_has_its_own_backend_and_they_share_one_redis():
    cache.set("shared", "from main")
    seen = {}

    def read():
        seen["value"] = caches["default"].get("shared")
        seen["backend"] = caches["default"]

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen["value"] == "from main"
    assert seen["backend"] is not caches["default"]


def test_a_session_is_read_from_the_cache_and_a_flush_reaches_it(django_user_model):
    store = SessionStore()
    store["who"] = "dpo"
    store.create()
    key = store.session_key
    assert cache.get(store.cache_key) is not None
    assert SessionStore(session_key=key)["who"] == "dpo"
    SessionStore(session_key=key).flush()
    assert cache.get(store.cache_key) is None
    assert SessionStore(session_key=key).get("who") is None
