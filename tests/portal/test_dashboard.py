from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def _controls(n, **fields):
    for _ in range(n):
        ControlFactory(**fields)


def test_a_dpo_sees_the_programme_counts_and_their_own_reviews_due(signed_in):
    client, dpo = signed_in(Role.DPO)
    today = timezone.localdate()
    own = ControlFactory(owner=dpo, reference="TOM-OWN-01", status=Control.Status.IMPLEMENTED,
                         next_review_due=today - timedelta(days=3))
    ControlFactory(status=Control.Status.NEEDS_ATTENTION, next_review_due=today + timedelta(days=10))
    ControlFactory(status=Control.Status.RETIRED, next_review_due=today - timedelta(days=90))
    EvidenceFactory(control=own, valid_until=today + timedelta(days=5))

    html = client.get(reverse("portal:dashboard")).content.decode()

    assert "Control programme" in html
    assert "<strong>2</strong> controls in force" in html
    assert "<strong>1</strong> need attention" in html
    assert "<strong>1</strong> reviews overdue" in html  # the retired one does not count
    assert "<strong>1</strong> evidence items expire" in html
    assert "Review TOM-OWN-01" in html and "overdue by 3 days" in html  # in the task inbox


def test_an_employee_sees_no_programme_panel(signed_in):
    client, _ = signed_in(Role.EMPLOYEE)
    ControlFactory()
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "Control programme" not in html


def test_the_dashboard_runs_the_same_number_of_queries_for_few_and_many_controls(signed_in):
    client, dpo = signed_in(Role.DPO)
    _controls(3, owner=dpo)
    client.get(reverse("portal:dashboard"))  # the first request after sign-in also stamps the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:dashboard"))
    _controls(40, owner=dpo)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:dashboard"))
    assert len(few) == len(many) <= 19  # session and user, the panels, one query per task source, one for the trends
