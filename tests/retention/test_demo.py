import pytest

from controls import demo as controls_demo
from portal.accounts.demo import seed_users
from portal.notifications.models import Notification
from portal.retention import demo, engine
from portal.retention.models import LegalHold, Offboarding, RetentionPolicy

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_register_a_run_to_preview_a_hold_and_a_customer_in_offboarding_and_is_idempotent():
    seed_users()
    controls_demo.seed()
    demo.seed()
    policies = RetentionPolicy.objects.count()
    assert policies >= 8 and RetentionPolicy.objects.filter(covers_customer_data=True).count() == 3
    offboarding = Offboarding.objects.get()
    assert offboarding.subject_key == "contoso-retail" and offboarding.choice == "return"
    assert [s.is_confirmed for s in offboarding.steps.order_by("position")] == [True, False, False]
    assert LegalHold.objects.filter(released_at__isnull=True).count() == 1
    notices = {row.target.name: row for row in engine.preview()}["notifications.notices"]
    assert notices.due >= 5 and notices.held >= 2 and notices.to_handle >= 3

    snapshot = (RetentionPolicy.objects.count(), Notification.objects.count(), LegalHold.objects.count())
    controls_demo.seed()
    demo.seed()
    assert (RetentionPolicy.objects.count(), Notification.objects.count(), LegalHold.objects.count()) == snapshot
    assert Offboarding.objects.count() == 1
