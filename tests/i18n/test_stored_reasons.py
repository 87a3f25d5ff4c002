"""The reasons Annex gives for a control needing attention are stored in English and shown in the reader's
language, on every page that shows them; a reason a person wrote shows as written."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from controls.annex_truth import blocking_reason, facts_for
from controls.attention_text import reason_text
from controls.dashboard import _control_findings
from controls.models import Control
from controls.models_annex import AttentionDecision
from controls.services_annex import attention_decision_record
from controls.services_status import control_refresh_status
from portal.accounts.roles import Role
from tests.controls.factories import ControlFactory, EvidenceFactory, StatedControlFactory
from tests.factories import UserFactory

TODAY = date(2026, 11, 29)

pytestmark = pytest.mark.django_db


@time_machine.travel(TODAY, tick=False)
def test_the_automatic_reason_is_stored_in_english_without_a_date_and_shown_in_german(signed_in):
    control = ControlFactory(status=Control.Status.IMPLEMENTED, next_review_due=date(2026, 11, 19))
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=1))
    control_refresh_status(control=control)
    control.refresh_from_db()
    assert control.attention_reason == "review overdue; all evidence has expired"

    client, _ = signed_in(Role.DPO, language="de")
    body = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    [notice] = re.findall(r'<p class="message message-warning" id="attention-reason">(.*?)</p>', body)
    assert notice.startswith(
        "Automatisch auf Handlungsbedarf gesetzt: Überprüfung überfällig; alle Nachweise sind abgelaufen.")


def test_a_reason_in_the_old_english_wording_shows_in_german_and_a_written_one_as_written():
    with translation.override("de"):
        assert reason_text("review overdue since 19 Nov 2026") == "Überprüfung überfällig"
        assert reason_text("review overdue since 01 Nov 2026; all evidence has expired") == (
            "Überprüfung überfällig; alle Nachweise sind abgelaufen")
        assert reason_text("Evidence expired; the auditor asked again") == "Evidence expired; the auditor asked again"
        assert reason_text("") == ""


@time_machine.travel(TODAY, tick=False)
def test_the_dashboard_finding_says_the_reason_and_the_overdue_date_in_german():
    ControlFactory(reference="TOM-BCK-01", status=Control.Status.NEEDS_ATTENTION, next_review_due=date(2026, 11, 19),
                   attention_reason="review overdue; all evidence has expired")
    ControlFactory(reference="TOM-BCK-02", status=Control.Status.NEEDS_ATTENTION, next_review_due=None,
                   attention_reason="review overdue since 19 Nov 2026")
    with translation.override("de"):
        findings = {f.reference: f.detail for f in _control_findings(TODAY, 10)}
    assert findings == {
        "TOM-BCK-01": "alle Nachweise sind abgelaufen; Überprüfung überfällig seit 19.11.2026",
        "TOM-BCK-02": "Überprüfung überfällig",
    }


def test_the_blocking_reason_and_the_decisions_page_show_the_stored_reason_in_german(signed_in):
    control = StatedControlFactory(reference="TOM-BCK-01", status=Control.Status.NEEDS_ATTENTION,
                                   attention_reason="all evidence has expired")
    without_reason = StatedControlFactory(reference="TOM-BCK-02", status=Control.Status.NEEDS_ATTENTION,
                                          attention_reason="")
    with translation.override("de"):
        assert blocking_reason(control, facts_for([control.pk])) == "Handlungsbedarf: alle Nachweise sind abgelaufen"
    dpo = UserFactory(roles=[Role.DPO])
    attention_decision_record(control=control, actor=dpo, justification="Restore test ran yesterday.")
    attention_decision_record(control=without_reason, actor=dpo, justification="Audited last week.")
    assert AttentionDecision.objects.get(control=without_reason).reason_at_decision == "needs attention"

    client, _ = signed_in(Role.DPO, step_up=True, language="de")
    body = client.get(reverse("controls:annex_decisions")).content.decode()
    assert "<td>alle Nachweise sind abgelaufen</td>" in body and "<td>Handlungsbedarf</td>" in body
    assert "all evidence has expired" not in body


def test_the_api_keeps_the_stored_reason_and_says_it_in_the_client_s_language():
    control = ControlFactory(status=Control.Status.NEEDS_ATTENTION, attention_reason="all evidence has expired")
    client = APIClient()
    client.force_authenticate(UserFactory(roles=[Role.AUDITOR]))
    for url in (reverse("api:control-list"), reverse("api:control-detail", args=[control.pk])):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="de").json()
        document = body["results"][0] if "results" in body else body
        assert document["attention_reason"] == "all evidence has expired"
        assert document["attention_reason_text"] == "alle Nachweise sind abgelaufen"


@time_machine.travel(TODAY, tick=False)
def test_the_control_history_gives_an_automatic_status_change_in_german(signed_in):
    control = ControlFactory(status=Control.Status.IMPLEMENTED, next_review_due=date(2026, 11, 19))
    control_refresh_status(control=control)

    client, _ = signed_in(Role.DPO, language="de")
    body = client.get(reverse("controls:detail", args=[control.pk])).content.decode()

    history = body[body.index('id="history-heading"'):]
    assert "<strong>Status</strong>: Umgesetzt → Handlungsbedarf" in history
    assert "<strong>Begründung</strong>: — → Überprüfung überfällig" in history
    assert "needs_attention" not in history and "review overdue" not in history
