"""CountedPaginator: pages of one queryset, counted from a plainer one holding the same rows."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from portal.accounts.models import User
from portal.core.pagination import CountedPaginator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_count_comes_from_the_plain_queryset_without_a_grouped_subquery():
    UserFactory.create_batch(7)
    annotated = User.objects.annotate(groups_held=Count("groups")).order_by("pk")
    paginator = CountedPaginator(annotated, 3, counted=User.objects.all())
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(3)
    assert paginator.count == User.objects.count() and paginator.num_pages == 3 and len(page.object_list) >= 1
    count_sql = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(count_sql) == 1 and "GROUP BY" not in count_sql[0].upper()
