"""Every list filter and every API parameter, fuzzed: any value gives a page, a 400 or a 404, never a 500.

The number of cases each test ran is recorded in the JUnit report (`fuzz_cases`); `make test` prints the sum.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controls.api.services import api_token_issue
from portal.accounts.roles import Role
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What people and programs type into a filter: text of any kind (NUL and surrogates' neighbours included),
# numbers far past 64 bits, dates at the ends of the calendar, and the values the filter expects.
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.from_regex(r"\A[0-9]{19,40}\Z"),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["", "0", "-1", "true", "false", "yes", "9999-12-31", "0001-01-01", "\x00", "%", "_", "'", "..",
                     "reference", "-due", "implemented", "Admin", "auth.login", "user1@annex.test"]),
)

LIST_PAGES = {
    "controls:list": ["q", "category", "status", "owner", "customer", "overdue", "sort", "page"],
    "controls:export": ["q", "category", "status", "owner", "customer", "overdue", "sort", "format"],
    "accounts:user_list": ["q", "role", "active", "page"],
    "audit:event_list": ["actor", "action", "target_type", "target_id", "date_from", "date_to", "page"],
    "audit:export_csv": ["actor", "action", "target_type", "target_id", "date_from", "date_to"],
    "notifications:list": ["page"],
    "notifications:failed_list": ["page"],
}
API_LISTS = {
    "api:control-list": ["q", "category", "status", "owner", "overdue", "customer", "sort", "page", "page_size"],
    "api:evidence-list": ["control", "expired", "include_removed", "page", "page_size"],
}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _params(names):
    return st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names))


@pytest.mark.parametrize("url_name", sorted(LIST_PAGES))
def test_list_filters_answer_any_value_without_a_server_error(client, url_name, record_property):
    sign_in(client, UserFactory(roles=[Role.ADMIN]))
    ControlFactory()
    url = reverse(url_name)
    cases = []

    @FUZZ
    @given(params=_params(LIST_PAGES[url_name]))
    def check(params):
        response = client.get(url, params)
        cases.append(1)
        # An export refused for its filters sends the browser back to the list, which says why.
        assert response.status_code in (200, 302, 400), (params, response.status_code)
        if response.status_code == 400:
            assert b"error" in response.content  # the form says which filter and why

    check()
    record_property("fuzz_cases", len(cases))


@pytest.mark.parametrize("url_name", sorted(API_LISTS))
def test_api_parameters_answer_any_value_without_a_server_error(url_name, record_property):
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=UserFactory(roles=[Role.DPO]))}")
    ControlFactory()
    url = reverse(url_name)
    cases = []

    @FUZZ
    @given(params=_params(API_LISTS[url_name]))
    def check(params):
        response = api.get(url, params)
        cases.append(1)
        assert response.status_code in (200, 400, 404), (params, response.status_code)
        assert response["Content-Type"] == "application/json"
        if "" in params.values():
            assert response.status_code in (400, 404) or all(
                value or name in ("q", "customer", "page") for name, value in params.items())

    check()
    record_property("fuzz_cases", len(cases))


@pytest.mark.parametrize("base", ["/api/controls/", "/api/evidence/"])
def test_api_ids_in_the_path_answer_any_value_without_a_server_error(base, record_property):
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=UserFactory(roles=[Role.DPO]))}")
    cases = []

    @FUZZ
    @given(value=st.one_of(st.integers(min_value=-(10**40), max_value=10**40).map(str),
                           st.text(alphabet=st.characters(categories=["L", "N", "P"]), min_size=1, max_size=30)))
    def check(value):
        # Quoted, so a "?" or "#" in the value stays part of the path instead of starting a query or a fragment.
        response = api.get(f"{base}{quote(value, safe='')}/")
        cases.append(1)
        assert response.status_code == 404, (value, response.status_code)
        assert response["Content-Type"] == "application/json"

    check()
    record_property("fuzz_cases", len(cases))


def test_a_30_digit_owner_on_the_register_page_is_a_400_not_a_500(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.get(reverse("controls:list"), {"owner": "1" * 30})
    assert response.status_code == 400


def test_a_30_digit_control_on_the_evidence_api_is_a_400_not_a_500():
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=UserFactory(roles=[Role.DPO]))}")
    response = api.get(reverse("api:evidence-list"), {"control": "1" * 30})
    assert response.status_code == 400 and "control" in response.json()
