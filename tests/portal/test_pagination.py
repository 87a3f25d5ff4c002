"""window: a page of a long list, read without counting it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_window_reads_one_row_more_than_it_shows_and_never_counts():
    from portal.core.pagination import window

    UserFactory.create_batch(7)
    users = User.objects.order_by("pk")
    every = list(users.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        first = window(users, 3, "1")
    assert [u.pk for u in first.object_list] == every[:3] and first.has_next and not first.has_previous
    assert len(queries) == 1 and "COUNT(" not in queries.captured_queries[0]["sql"].upper()
    assert "LIMIT 4" in queries.captured_queries[0]["sql"]
    last = window(users, 3, 3)
    assert [u.pk for u in last.object_list] == every[6:] and not last.has_next and last.has_previous
    assert (last.start_index(), last.end_index(), last.previous_page_number()) == (7, 7, 2)
    exactly_full = window(users, 7, 1)
    assert len(exactly_full.object_list) == 7 and not exactly_full.has_next and not exactly_full.has_other_pages


@pytest.mark.parametrize("typed", [None, "", "two", "0", "-1", "10001", "1e3", "99"])
def test_a_window_at_a_page_that_is_not_one_shows_the_first(typed):
    from portal.core.pagination import window

    UserFactory.create_batch(4)
    page = window(User.objects.order_by("pk"), 3, typed)
    assert page.number == 1 and len(page.object_list) == 3 and page.has_next


def test_an_empty_list_gives_an_empty_first_window():
    from portal.core.pagination import window

    page = window(User.objects.none(), 3, 1)
    assert page.object_list == [] and page.start_index() == 0 and page.end_index() == 0 and not page.has_next
