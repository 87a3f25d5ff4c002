"""Figures that are costly to compute and may be a minute old: computed by one process at a time.

The home page's posture and trends and the training report's figures take from half a second to two seconds to
compute at the benchmark's scale, and are kept a minute. With a plain get-or-set, every request that finds them
expired computes them again: under load all the workers do so at once, each slowed by the others, and every
other page waits behind them (the benchmark's load measured a p99 of 2 s at the default scale). Here the value
is kept twice as long as it is fresh; once it is stale, the one request that wins Django's atomic `cache.add`
of a renewal mark computes it again, and the others meanwhile get the stale value, at most twice `seconds` old.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

# Values live under keys of their own: one kept by a plain get-or-set under the bare key (an earlier release,
# still running during an upgrade) is not a (value, fresh until) pair.
KEY_PREFIX = "fresh:"


def cache_fresh(key: str, make: Callable[[], T], seconds: int) -> T:
    """`make()`, recomputed at most every `seconds` by one request at a time (see the module's docstring).

    An exception from `make()` reaches the caller and nothing is stored; the renewal mark then lapses after
    `seconds`, or is cleared at once, so the next request tries again.
    """
    kept_key, renewing_key = f"{KEY_PREFIX}{key}", f"{KEY_PREFIX}{key}:renewing"
    kept = cache.get(kept_key)
    if kept is not None:
        value, fresh_until = kept
        if time.time() < fresh_until or not cache.add(renewing_key, True, seconds):
            return value
    try:
        value = make()
        cache.set(kept_key, (value, time.time() + seconds), 2 * seconds)
    finally:
        if kept is not None:
            cache.delete(renewing_key)
    return value
