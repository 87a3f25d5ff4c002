"""A customer's objection to a sub-processor change waits in the DPO's task inbox until it is resolved."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from controls import services_subprocessors as services
from portal.accounts.roles import Role
from tests.controls.factories_subprocessors import objected_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _objections(client):
    return [t for t in client.get(reverse("portal:dashboard")).context["inbox"]
            if str(t["kind"]) == "Sub-processor objection"]


@time_machine.travel(TODAY, tick=False)
def test_an_open_objection_is_in_the_dpos_inbox_until_it_is_resolved(signed_in):
    client, dpo = signed_in(Role.DPO)
    change, notice = objected_change(dpo)

    [task] = _objections(client)

    assert task["title"] == "Decide on the objection of Kanzlei Klein to “Mailer Inc. added”"
    assert task["url"] == reverse("subprocessors:change_detail", args=[change.pk]) + f"#notice-{notice.pk}"
    assert task["due"] == notice.takes_effect_on == TODAY + timedelta(days=notice.notice_days)
    assert client.get(task["url"]).status_code == 200

    services.notice_resolve_objection(notice=notice, actor=dpo, resolution="excluded", note="Kept on the old one.",
                                      expected_version=notice.version)
    assert _objections(client) == []


@time_machine.travel(TODAY, tick=False)
def test_a_withdrawn_change_takes_its_objections_out_of_the_inbox(signed_in):
    client, dpo = signed_in(Role.DPO)
    change, _notice = objected_change(dpo)
    services.subprocessor_change_withdraw(change=change, actor=dpo, reason="Staying with the current provider.")
    assert _objections(client) == []


@time_machine.travel(TODAY, tick=False)
def test_only_who_decides_on_objections_sees_them(signed_in):
    client, _officer = signed_in(Role.SECURITY_OFFICER)
    objected_change(UserFactory(roles=[Role.DPO]))
    assert _objections(client) == []
