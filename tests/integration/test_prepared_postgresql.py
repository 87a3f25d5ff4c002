"""The PreparedQuery comparisons of tests/portal/test_prepared.py and test_prepared_uses.py (every prepared read
the application makes), on PostgreSQL: its own SQL, converters and column types (inet, jsonb, uuid)."""

import pytest

from tests.portal.test_prepared import (  # noqa: F401 - collected here to run on PostgreSQL
    control,
    test_a_plain_lookup_gives_the_orm_instance,
    test_a_small_integer_column_can_be_prepared,
    test_annotations_and_many_to_many_managers,
    test_first_gives_the_row_or_none,
    test_queries_that_cannot_be_prepared_fail_loudly,
    test_select_related_only_and_ordering_give_the_orm_rows,
    test_string_arguments_limits_and_json_match_the_orm,
    test_the_query_is_compiled_once_and_each_call_is_one_query,
    test_values_list_rows_and_flat_values_match_the_orm,
)
from tests.portal.test_prepared_uses import (  # noqa: F401 - collected here to run on PostgreSQL
    test_an_integer_beyond_64_bits_finds_nothing_as_through_the_orm,
    test_every_prepared_read_gives_what_its_orm_query_gives,
    test_prepared_reads_are_the_per_request_ones_and_the_control_page,
    world,
)

pytestmark = pytest.mark.django_db
