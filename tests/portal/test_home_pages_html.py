"""Each role's home page, with every card, panel and chart filled, is valid HTML (the matrix renders the home page
only as an employee with nothing to show)."""

import json
import subprocess
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from portal.accounts.roles import Role
from portal.core.services import metrics_snapshot_take
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory, CustomerFactory, EvidenceFactory
from tests.factories import UserFactory
from tests.incidents.factories import open_case
from tests.portal.test_html_valid import _checker
from tests.training.factories import AssignmentFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_of_every_role_is_valid_html_with_its_parts_filled(tmp_path):
    checker = _checker()
    today = timezone.localdate()
    users = {role: UserFactory(roles=[role]) for role in (Role.DPO, Role.AUDITOR, Role.SECURITY_OFFICER,
                                                          Role.INCIDENT_RESPONDER, Role.EMPLOYEE)}
    for user in users.values():
        control = ControlFactory(owner=user, next_review_due=today - timedelta(days=2), tags=["zutrittskontrolle"],
                                 status=Control.Status.NEEDS_ATTENTION)
        EvidenceFactory(control=control, valid_until=today + timedelta(days=3))
        AssignmentFactory(user=ProfileFactory(user=user).user, due_date=today - timedelta(days=1))
    open_case(users[Role.INCIDENT_RESPONDER], customers=[CustomerFactory()])
    for back in range(5):
        metrics_snapshot_take(day=today - timedelta(days=back))
    pages = {}
    for role, user in users.items():
        client = sign_in(Client(), user)
        response = client.get(reverse("portal:dashboard"))
        assert response.status_code == 200
        path = tmp_path / f"home-{role.replace(' ', '-')}.html"
        path.write_text(response.content.decode())
        pages[str(path)] = role

    result = subprocess.run([*checker, "--format", "json", "--errors-only", *sorted(pages)],
                            capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [f"{pages.get(m.get('url', '').removeprefix('file:'), m.get('url'))} line {m.get('lastLine')}: "
              f"{m.get('message')} [{m.get('extract', '').strip()}]" for m in messages if m.get("type") == "error"]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
