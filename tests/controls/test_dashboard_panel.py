from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from controls.dashboard import SOON_DAYS, _counts
from controls.models import Control
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory

pytestmark = pytest.mark.django_db
S = Control.Status


def test_the_programme_counts_match_a_count_of_every_control():
    today = timezone.localdate()
    soon = today + timedelta(days=SOON_DAYS)
    dates = [None, today - timedelta(days=40), today - timedelta(days=1), today, soon, soon + timedelta(days=1)]
    for n, status in enumerate(S):
        for m, due in enumerate(dates):
            for _ in range((n + m) % 3 + 1):
                ControlFactory(status=status, next_review_due=due)

    everything = list(Control.objects.all())
    live = [c for c in everything if c.status != S.RETIRED]
    expected = {
        "total": len(live),
        "overdue": sum(1 for c in live if c.next_review_due and c.next_review_due < today),
        "due_soon": sum(1 for c in live if c.next_review_due and today <= c.next_review_due <= soon),
        **{s.value: sum(1 for c in everything if c.status == s)
           for s in (S.NEEDS_ATTENTION, S.VERIFIED, S.IMPLEMENTED, S.PLANNED)},
    }
    assert _counts(Control.objects.all(), today, soon) == expected
    assert expected["overdue"] and expected["due_soon"] and expected["total"] < len(everything)


def test_the_dashboard_shows_the_counts(signed_in):
    client, _dpo = signed_in(Role.DPO)
    ControlFactory(status=S.NEEDS_ATTENTION, next_review_due=timezone.localdate() - timedelta(days=3))
    ControlFactory(status=S.RETIRED, next_review_due=timezone.localdate() - timedelta(days=3))

    page = client.get(reverse("portal:dashboard")).content.decode()

    assert "<strong>1</strong> <span>controls in force</span>" in page
    assert "<strong>1</strong> <span>reviews overdue</span>" in page
