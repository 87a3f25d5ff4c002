"""The authorization matrix: every URL pattern, every HTTP method, every kind of visitor, the expected outcome.

URL names come from the resolver, so a new page without an entry in tests/authz/<area>.py fails
`test_every_url_pattern_has_a_matrix_entry`, and no page can skip its permission check. Each method a view
accepts is checked for every visitor; every other method must be refused (405). Views that need a fresh second
factor are found from the views themselves (require_recent_mfa) and each one is shown to send a signed-in,
verified user without one to the step-up page, changing nothing; the test sign-in grants no step-up unless asked.
"""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.authz
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
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


HTTP_METHODS = ["get", "head", "post", "put", "patch", "delete", "options", "trace"]


def _request(client, entry: Access, kwargs: dict, method: str | None = None):
    url = reverse(entry.url_name, kwargs=kwargs)
    method = method or entry.method
    if method == "post":
        return client.post(url, entry.data() if entry.data else {})
    return client.generic(method.upper(), url)


def _as_tuple(value) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,)


def _role_for(entry: Access) -> str:
    """The role of the object's owner: the principal who may use the view."""
    if entry.owner_role:
        return entry.owner_role
    if entry.allowed in (EVERY_VERIFIED_USER, PUBLIC):
        return Role.EMPLOYEE.value
    return entry.allowed[0]


CASES = [
    (name, method, principal)
    for name in sorted(ENTRIES)
    for method in ENTRIES[name].methods()
    for principal in PRINCIPALS
    if principal != "outsider" or ENTRIES[name].outsider is not None
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "method", "principal"), CASES)
def test_access(client, url_name, method, principal):
    entry = ENTRIES[url_name]
    owner_role = _role_for(entry)

    if principal == "anonymous":
        owner = UserFactory(roles=[owner_role])
        response = _request(client, entry, entry.kwargs(owner) if entry.kwargs else {}, method)
        expected = entry.anonymous
        if expected is not None and entry.allowed == PUBLIC:
            expected = entry.ok_for(method) if method != entry.method else entry.anonymous
        if expected is not None:
            assert response.status_code in _as_tuple(expected), (
                f"{url_name} {method}: anonymous got {response.status_code}")
        else:
            assert response.status_code == 302, f"{url_name} {method}: anonymous got {response.status_code}"
            assert response["Location"].startswith(reverse("accounts:login"))
        return

    if principal == "password-only":
        user = UserFactory(roles=[owner_role])
        sign_in(client, user, verified=False)
        response = _request(client, entry, entry.kwargs(user) if entry.kwargs else {}, method)
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
        sign_in(client, outsider, step_up=entry.step_up)
        response = _request(client, entry, kwargs, method)
        assert response.status_code == entry.outsider, f"{url_name} {method}: outsider got {response.status_code}"
        return

    user = UserFactory(roles=[principal])
    sign_in(client, user, step_up=entry.step_up)
    response = _request(client, entry, entry.kwargs(user) if entry.kwargs else {}, method)
    expected = _as_tuple(entry.ok_for(method)) if entry.allows([principal]) else (entry.denied,)
    assert response.status_code in expected, (
        f"{url_name} {method} as {principal}: expected {expected}, got {response.status_code}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(ENTRIES))
def test_every_method_the_view_does_not_accept_is_refused(client, url_name):
    """The methods in the matrix are all a view takes: PUT, DELETE, TRACE... (and HEAD, unless listed) get 405."""
    entry = ENTRIES[url_name]
    user = UserFactory(roles=[_role_for(entry)])
    if entry.allowed != PUBLIC:
        sign_in(client, user, step_up=True)
    kwargs = entry.kwargs(user) if entry.kwargs else {}
    accepted = {}
    for method in HTTP_METHODS:
        if method not in entry.methods():
            status = _request(client, entry, kwargs, method).status_code
            if status != 405:
                accepted[method] = status
    assert not accepted, f"{url_name} accepts methods the matrix does not list: {accepted}"


def _view_needs_step_up(callback) -> bool:
    while callback is not None:
        if getattr(callback, "requires_recent_mfa", False):
            return True
        callback = getattr(callback, "__wrapped__", None)
    return False


STEP_UP_VIEWS = sorted(name for name, pattern in _walk(get_resolver().url_patterns)
                       if name in ENTRIES and _view_needs_step_up(pattern.callback))


def test_the_matrix_names_every_view_that_needs_a_step_up():
    declared = sorted(name for name, entry in ENTRIES.items() if entry.step_up)
    assert declared == STEP_UP_VIEWS
    assert len(STEP_UP_VIEWS) >= 20


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "method"),
                         [(name, method) for name in STEP_UP_VIEWS for method in ENTRIES[name].methods()])
def test_a_view_that_needs_a_step_up_sends_a_verified_user_without_one_to_it_and_changes_nothing(
        client, url_name, method):
    entry = ENTRIES[url_name]
    role = _role_for(entry)
    user = UserFactory(roles=[role])
    sign_in(client, user, step_up=False)
    kwargs = entry.kwargs(user) if entry.kwargs else {}
    events = AuditEvent.objects.count()

    response = _request(client, entry, kwargs, method)

    assert response.status_code == 302, f"{url_name} {method}: got {response.status_code} without a step-up"
    assert response["Location"].startswith(reverse("accounts:mfa_step_up")), response["Location"]
    assert AuditEvent.objects.count() == events, f"{url_name} {method} wrote to the audit trail before the step-up"
