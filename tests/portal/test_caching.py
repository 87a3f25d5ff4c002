"""Costly figures kept a minute are recomputed by one request at a time; the others meanwhile get the kept value."""

import pytest
import time_machine
from django.core.cache import cache

from portal.core.caching import cache_fresh

KEY = "tests:figures"


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return f"figures #{self.calls}"


def test_a_fresh_value_is_computed_once_and_kept():
    make = Counter()
    assert [cache_fresh(KEY, make, 60) for _ in range(3)] == ["figures #1"] * 3
    assert make.calls == 1


def test_a_stale_value_is_computed_again_by_the_request_that_claims_the_renewal():
    make = Counter()
    with time_machine.travel("2026-11-29 10:00:00", tick=False):
        cache_fresh(KEY, make, 60)
    with time_machine.travel("2026-11-29 10:01:01", tick=False):
        assert cache_fresh(KEY, make, 60) == "figures #2"
        assert cache_fresh(KEY, make, 60) == "figures #2"
    assert make.calls == 2
    assert cache.get(f"fresh:{KEY}:renewing") is None  # cleared once the new value is kept


def test_while_one_request_recomputes_a_stale_value_the_others_get_the_kept_one():
    make = Counter()
    with time_machine.travel("2026-11-29 10:00:00", tick=False):
        cache_fresh(KEY, make, 60)
    with time_machine.travel("2026-11-29 10:01:01", tick=False):
        seen_meanwhile = []

        def slow_make():
            seen_meanwhile.append(cache_fresh(KEY, make, 60))  # another request, arriving during the recompute
            return make()

        assert cache_fresh(KEY, slow_make, 60) == "figures #2"
    assert seen_meanwhile == ["figures #1"]
    assert make.calls == 2


def test_a_failed_computation_keeps_nothing_and_the_next_request_tries_again():
    make = Counter()
    with time_machine.travel("2026-11-29 10:00:00", tick=False):
        cache_fresh(KEY, make, 60)

    def broken():
        raise RuntimeError("database gone")

    with time_machine.travel("2026-11-29 10:01:01", tick=False):
        with pytest.raises(RuntimeError):
            cache_fresh(KEY, broken, 60)
        assert cache_fresh(KEY, make, 60) == "figures #2"


def test_a_value_kept_under_the_plain_key_by_an_earlier_release_is_left_alone():
    cache.set(KEY, "<p>an earlier release's figures</p>", 60)
    assert cache_fresh(KEY, Counter(), 60) == "figures #1"


def test_a_value_is_not_served_after_twice_its_freshness():
    make = Counter()
    with time_machine.travel("2026-11-29 10:00:00", tick=False):
        cache_fresh(KEY, make, 60)
    with time_machine.travel("2026-11-29 10:02:01", tick=False):
        cache.add(f"fresh:{KEY}:renewing", True, 60)  # even while someone else holds the renewal
        assert cache_fresh(KEY, make, 60) == "figures #2"
