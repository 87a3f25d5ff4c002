"""The retention register and its messages read as German sentences for a German reader."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from portal.retention.dashboard import _findings

pytestmark = pytest.mark.django_db


def test_the_register_says_where_a_period_starts_in_one_german_phrase(signed_in, policy):
    policy("customer-records", 12, counts_from="contract_end")
    client, _ = signed_in("DPO", language="de")
    page = client.get(reverse("retention:policy_list")).content.decode()
    assert '<span class="hint">ab: Vertragsende</span>' in page
    assert "vertragsende" not in page


def test_adding_one_suggested_policy_says_so_in_the_singular(signed_in, policy, monkeypatch):
    from portal.retention import services

    monkeypatch.setattr(services, "policies_add_defaults", lambda actor: [policy("audit-trail", 12)])
    client, _ = signed_in("DPO", language="de")
    response = client.post(reverse("retention:policies_add_defaults"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 Richtlinie mit ihrer vorgeschlagenen Frist angelegt; überprüfen Sie sie."]


def test_an_overdue_policy_review_is_dated_in_the_reader_s_format(policy):
    policy("notifications", 6, next_review_due=date(2026, 11, 19))
    with translation.override("de"):
        [finding] = _findings(date(2026, 11, 29), 10)
    assert finding.detail == "Überprüfung überfällig seit 19.11.2026"
