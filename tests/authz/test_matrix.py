"""The authorization matrix: every URL pattern, every kind of visitor, the expected outcome.

URL names come from the resolver, so a new page without an entry in tests/authz/<area>.py fails
`test_every_url_pattern_has_a_matrix_entry`, and no page can skip its permission check.
"""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.authz
from portal.accounts.roles import Role
from tests.authz.spec import ALL_ROLES, EVERY_VERIFIED_USER, PUBLIC, Access
from tests.conftest import sign_in
from tests.factories import UserFactory

# The Django admin is off unless enabled; tests/portal/test_django_admin.py covers it when it is on.
ADMIN_NAMESPACE = "admin"


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            yield from _walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else f"{namespace}<unnamed {p.pattern}>"), p


def all_url_names() -> set[str]:
    return {name for name, _ in _walk(get_resolver().url_patterns)}


def load_entries() -> dict[str, Access]:
    entries: dict[str, Access] = {}
    for info in pkgutil.iter_modules([str(Path(tests.authz.__file__).parent)]):
        if info.name in {"spec", "test_matrix"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"tests.authz.{info.name}")
        for entry in getattr(module, "ENTRIES", []):
            assert entry.url_name not in entries, f"{entry.url_name} is listed twice"
            entries[entry.url_name] = entry
    return entries


ENTRIES = load_entries()
PRINCIPALS = ["anonymous", "password-only", *ALL_ROLES, "outsider"]


def test_every_url_pattern_has_a_matrix_entry():
    names = {n for n in all_url_names() if not n.startswith(f"{ADMIN_NAMESPACE}:")}
    missing = sorted(names - set(ENTRIES))
    assert not missing, f"URL patterns without an authorization-matrix entry: {missing}"


def test_every_matrix_entry_names_a_real_url():
    stale = sorted(set(ENTRIES) - all_url_names())
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def _request(client, entry: Access, kwargs: dict):
    url = reverse(entry.url_name, kwargs=kwargs)
    if entry.method == "post":
        return client.post(url, entry.data() if entry.data else {})
    return client.get(url)


def _as_tuple(value) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,)


CASES = [
    (name, principal)
    for name in sorted(ENTRIES)
    for principal in PRINCIPALS
    if principal != "outsider" or ENTRIES[name].outsider is not None
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "principal"), CASES)
def test_access(client, url_name, principal):
    entry = ENTRIES[url_name]
    if entry.owner_role:
        owner_role = entry.owner_role
    elif entry.allowed in (EVERY_VERIFIED_USER, PUBLIC):
        owner_role = Role.EMPLOYEE.value
    else:
        owner_role = entry.allowed[0]

    if principal == "anonymous":
        owner = UserFactory(roles=[owner_role])
        response = _request(client, entry, entry.kwargs(owner) if entry.kwargs else {})
        if entry.anonymous is not None:
            assert response.status_code == entry.anonymous
        else:
            assert response.status_code == 302, f"{url_name}: anonymous got {response.status_code}"
            assert response["Location"].startswith(reverse("accounts:login"))
        return

    if principal == "password-only":
        user = UserFactory(roles=[owner_role])
        sign_in(client, user, verified=False)
        response = _request(client, entry, entry.kwargs(user) if entry.kwargs else {})
        location = response.get("Location", "")
        if entry.unverified is not None:
            assert response.status_code == entry.unverified, f"{url_name}: password-only got {response.status_code}"
        elif entry.mfa_exempt:
            assert "/account/mfa/" not in location or entry.url_name.startswith("accounts:mfa"), location
        else:
            assert response.status_code == 302, f"{url_name}: password-only session got {response.status_code}"
            assert location.startswith("/account/mfa/"), location
        return

    if principal == "outsider":
        owner = UserFactory(roles=[owner_role])
        kwargs = entry.kwargs(owner)
        outsider = UserFactory(roles=[owner_role])
        sign_in(client, outsider)
        response = _request(client, entry, kwargs)
        assert response.status_code == entry.outsider, f"{url_name}: outsider got {response.status_code}"
        return

    user = UserFactory(roles=[principal])
    sign_in(client, user)
    response = _request(client, entry, entry.kwargs(user) if entry.kwargs else {})
    expected = _as_tuple(entry.ok) if entry.allows([principal]) else (entry.denied,)
    assert response.status_code in expected, (
        f"{url_name} as {principal}: expected {expected}, got {response.status_code}"
    )
