"""reverse() memoised per process: a page's links are the same strings on every request.

Django resolves a URL name by walking the URLconf's patterns on every call (about 40 µs); a list page
reverses a dozen names per request. The result depends only on the name, the arguments, the current
application namespace, the script prefix and the URLconf, so those are the memo's key.

Only names without arguments or with integer ones (primary keys) are memoised. A string argument may be a
secret (an invitation token, a calendar feed key) that a process-wide memo would keep after its request;
those, and anything else (a model instance, a lazy string), are reversed as usual.
"""

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=4096)
def _reverse(view_name: str, args: tuple, kwargs: tuple, current_app, prefix: str, urlconf: str) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _integers(values) -> bool:
    return all(type(value) is int for value in values)


def cached_reverse(view_name, args=(), kwargs=None, current_app=None) -> str:
    """reverse(), memoised for integer arguments; raises NoReverseMatch as reverse() does."""
    kwargs = kwargs or {}
    memoisable = (type(view_name) is str and _integers(args) and _integers(kwargs.values())
                  and (current_app is None or type(current_app) is str))
    if not memoisable:
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _reverse(view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, get_script_prefix(),
                    get_urlconf() or settings.ROOT_URLCONF)


# An id no object has: a view's URL is reversed once with it, and each real id is written where it stands.
_PLACEHOLDER_ID = 4_611_686_018_427_399_017


@lru_cache(maxsize=256)
def _id_template(view_name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    url = reverse(view_name, args=[_PLACEHOLDER_ID])
    head, found, tail = url.partition(str(_PLACEHOLDER_ID))
    if not found:
        raise ValueError(f"{view_name} does not write its integer id into its URL as it is")
    return head, tail


def cached_reverser(view_name: str) -> Callable[[int], str]:
    """reverse(view_name, args=[pk]) for many integer ids (a response's rows, a reminder sweep's items): the URL is
    reversed once per view, script prefix and URLconf, and each id written into it. For a view whose one argument
    is an integer id (an `<int:...>` converter, which writes it as str() does); reverse() of that view with any id
    gives the same string, which a test checks for every view this is used with."""
    head, tail = _id_template(view_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return lambda pk: f"{head}{int(pk)}{tail}"


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
        _id_template.cache_clear()
