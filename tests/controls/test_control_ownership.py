"""Security officers change and review only the controls they own; another officer is refused."""

import pytest
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def others_control():
    return ControlFactory(owner=UserFactory(roles=[Role.SECURITY_OFFICER]), title="Theirs")


def test_another_officer_may_read_the_control(signed_in, others_control):
    client, _ = signed_in(Role.SECURITY_OFFICER)
    response = client.get(reverse("controls:detail", args=[others_control.pk]))
    assert response.status_code == 200
    assert "Record review" not in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_officer_may_not_edit_the_control(signed_in, others_control, method):
    client, _ = signed_in(Role.SECURITY_OFFICER)
    response = getattr(client, method)(reverse("controls:edit", args=[others_control.pk]), {"title": "Mine now"})
    assert response.status_code == 403
    others_control.refresh_from_db()
    assert others_control.title == "Theirs"


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_officer_may_not_review_the_control(signed_in, others_control, method):
    client, _ = signed_in(Role.SECURITY_OFFICER)
    response = getattr(client, method)(reverse("controls:review", args=[others_control.pk]), {
        "outcome": "ineffective", "notes": "x", "reviewed_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 403
    others_control.refresh_from_db()
    assert others_control.status == Control.Status.IMPLEMENTED


def test_an_auditor_may_read_but_not_edit(signed_in, others_control):
    client, _ = signed_in(Role.AUDITOR)
    assert client.get(reverse("controls:detail", args=[others_control.pk])).status_code == 200
    assert client.get(reverse("controls:edit", args=[others_control.pk])).status_code == 403
