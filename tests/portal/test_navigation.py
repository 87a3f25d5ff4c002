"""The main navigation marks the page's own entry only: the one whose address is the longest prefix of it."""

import pytest

from portal.accounts.roles import Role
from portal.core.navigation import navigation_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _current(user, path: str) -> list[str]:
    return [str(item["label"]) for item in navigation_for(user, path) if item["active"]]


def test_the_training_report_is_not_also_my_training():
    dpo = UserFactory(roles=[Role.DPO])
    assert _current(dpo, "/training/report/") == ["Training report"]
    assert _current(dpo, "/training/assignments/3/") == ["My training"]
    assert _current(dpo, "/incidents/report/") == ["Report a breach"]
    assert _current(dpo, "/incidents/12/") == ["Incidents"]


def test_the_dashboard_is_current_only_on_itself():
    employee = UserFactory(roles=[Role.EMPLOYEE])
    assert _current(employee, "/") == ["Dashboard"]
    assert _current(employee, "/no-entry-here/") == []
