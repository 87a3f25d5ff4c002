"""The posture cards, the home page's queries and the programme's figures on PostgreSQL: its own SQL for the
aggregates (a boolean has no MAX there), JSON lookups and date arithmetic."""

import pytest

from tests.portal.test_dashboard import (  # noqa: F401 - collected here to run on PostgreSQL
    test_a_control_owner_sees_their_own_controls_and_not_the_programme,
    test_a_responder_sees_their_open_cases_nearest_deadline_first_with_a_countdown,
    test_the_dpo_home_page_runs_the_same_queries_for_a_small_and_a_large_programme,
)
from tests.portal.test_posture_cards import (  # noqa: F401 - collected here to run on PostgreSQL
    test_a_published_annex_overstates_the_register_once_a_measure_it_states_is_set_back_to_planned,
    test_reviews_overdue_and_due_and_evidence_expiring_are_counted_and_their_lists_hold_the_same_controls,
    test_the_controls_card_breaks_down_by_the_german_control_objectives_once_controls_carry_them,
    test_the_controls_card_counts_the_status_mix_and_the_coverage_by_category,
    test_the_incident_card_counts_open_cases_their_clocks_and_this_years_breaches_on_time_and_late,
    test_the_objective_tag_filter_lists_the_controls_filed_under_it,
    test_the_retention_card_counts_policy_reviews_due_and_names_the_last_run,
    test_the_sub_processor_card_counts_changes_waiting_on_customers_and_open_objections,
    test_the_training_card_shows_completion_overall_and_by_department_with_the_overdue_count,
)

pytestmark = pytest.mark.django_db
