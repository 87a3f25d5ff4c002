import pytest

from portal.accounts.demo import DEMO_INVITEE, seed_users
from portal.accounts.models import Invitation, User
from portal.audit.models import AuditAction
from tests.accounts.conftest import events

pytestmark = pytest.mark.django_db


def test_seeding_twice_leaves_one_account_per_role_and_one_pending_invitation():
    seed_users()
    seed_users()
    assert User.objects.filter(email__endswith="@demo.annex.test").count() == 7
    assert User.objects.get(email="dsb@demo.annex.test").language == "de"
    [invitation] = Invitation.objects.all()
    assert invitation.email == DEMO_INVITEE[0] and invitation.is_pending()
    assert len(events(AuditAction.USER_INVITED)) == 1
