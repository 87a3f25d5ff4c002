from datetime import date

import pytest
import time_machine

from controls import services
from controls.models import Control
from portal.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _create(**fields) -> Control:
    return services.control_create(
        actor=UserFactory(roles=[Role.DPO]), reference=fields.pop("reference", "NEW-01"), title="Offsite copies",
        description="Nightly copies leave the building.", scc_category="system_configuration", **fields,
    )


@time_machine.travel("2026-05-31 10:00 +02:00", tick=False)
def test_a_new_control_is_first_reviewed_one_cadence_after_it_is_added():
    control = _create(review_cadence_months=3)

    assert control.next_review_due == date(2026, 8, 31)
    assert Control.objects.get(pk=control.pk).next_review_due == date(2026, 8, 31)


@time_machine.travel("2026-01-31 10:00 +01:00", tick=False)
def test_the_first_review_date_falls_on_the_last_day_of_a_shorter_month():
    assert _create(review_cadence_months=1).next_review_due == date(2026, 2, 28)


def test_a_review_date_given_on_creation_is_kept():
    assert _create(next_review_due=date(2027, 1, 15)).next_review_due == date(2027, 1, 15)


def test_a_control_created_retired_gets_no_review_date():
    assert _create(status=Control.Status.RETIRED).next_review_due is None


@time_machine.travel("2026-05-31 10:00 +02:00", tick=False)
def test_the_control_form_without_a_date_schedules_the_first_review(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post("/controls/new/", {
        "reference": "NEW-02", "title": "Offsite copies", "description": "Nightly copies leave the building.",
        "scc_category": "system_configuration", "kind": "technical", "status": "planned", "review_cadence_months": "6",
        "next_review_due": "", "applies_to_all_services": "on", "parameters": "", "tags": "", "owner": "",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Control.objects.get(reference="NEW-02").next_review_due == date(2026, 11, 30)
