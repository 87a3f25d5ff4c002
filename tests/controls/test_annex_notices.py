"""A new annex version is announced before it takes effect: the notice period delays it, a reduction waits for the
customer's consent, an objection keeps the previous version in force; the customer answers by link or the DPO
records the answer."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from controls.exports import TOM_ANNEX
from controls.models import Control
from controls.models_annex import AnnexNotice, AnnexNoticeState, AnnexTerms
from controls.services import control_update
from controls.services_annex import annex_withdraw_objection, notice_token, version_in_force
from portal.accounts.roles import Role
from portal.core.inbox import inbox_for
from portal.exports.services import annex_publish
from portal.notifications.models import Notification
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _world(notice_days=30):
    customer = CustomerFactory(slug="acme", name="Acme Health GmbH", notice_contact_email="dpo@acme.example")
    AnnexTerms.objects.create(customer=customer, notice_days=notice_days)
    control = StatedControlFactory(reference="TOM-TRN-01", scc_category="protection_in_transmission",
                                   parameters={"tls_min_version": "1.3", "hsts_seconds": 31536000})
    dpo = UserFactory(roles=[Role.DPO])
    v1 = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    return customer, control, dpo, v1


def _publish(dpo, captured):
    with captured(execute=True):
        return annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)


def test_the_notice_period_delays_the_effective_date(django_capture_on_commit_callbacks, mailoutbox):
    _customer, control, dpo, v1 = _world(notice_days=30)
    today = timezone.localdate()
    assert v1.effective_on == today, "the first version applies from publication"
    control_update(control=control, actor=dpo, expected_version=control.version,
                   description=control.description + " Certificates are renewed automatically.")
    v2 = _publish(dpo, django_capture_on_commit_callbacks)
    assert v2.effective_on == today + timedelta(days=30)
    notice = AnnexNotice.objects.get(annex_version=v2)
    assert (notice.previous_number, notice.reductions, notice.state()) == (1, [], AnnexNoticeState.PENDING)
    assert version_in_force("acme") == v1
    [message] = [m for m in mailoutbox if "version 2" in m.subject]
    assert message.to == ["dpo@acme.example"]
    with translation.override("en"):  # the customer's contract language
        assert date_format(today + timedelta(days=30), "DATE_FORMAT") in message.subject
    assert "Until then version 1 stays in force" in " ".join(message.body.split())
    assert "Description: " in message.body and reverse("respond:annex", args=[notice_token(notice)]) in message.body
    with time_machine.travel(today + timedelta(days=29)):
        assert version_in_force("acme") == v1
    with time_machine.travel(today + timedelta(days=30)):
        assert version_in_force("acme") == v2


def test_a_weakened_parameter_is_a_reduction_that_waits_for_consent(client, django_capture_on_commit_callbacks,
                                                                     mailoutbox):
    _customer, control, dpo, v1 = _world(notice_days=14)
    control_update(control=control, actor=dpo, expected_version=control.version,
                   parameters={"tls_min_version": "1.2", "hsts_seconds": 31536000})
    v2 = _publish(dpo, django_capture_on_commit_callbacks)
    notice = AnnexNotice.objects.get(annex_version=v2)
    assert notice.reductions == [{"what": "weakened", "reference": "TOM-TRN-01", "title": control.title,
                                  "key": "tls_min_version", "before": "1.3", "after": "1.2"}]
    body = " ".join(mailoutbox[-1].body.split())
    assert "Minimum TLS version 1.3 → 1.2" in body and "takes effect only once you consent" in body
    later = timezone.localdate() + timedelta(days=20)
    with time_machine.travel(later):
        assert notice.state() == AnnexNoticeState.AWAITING_CONSENT
        assert version_in_force("acme") == v1, "a reduction never takes effect by the calendar alone"

    url = reverse("respond:annex", args=[notice_token(notice)])
    page = client.get(url).content.decode()
    assert "Minimum TLS version 1.3 → 1.2" in page and "I consent to the reductions listed" in page
    response = client.post(url, {"response": "consented", "by_name": "Greta Lindqvist"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.response == AnnexNotice.Response.CONSENTED and notice.response_via == "link"
    with time_machine.travel(later):
        assert version_in_force("acme") == v2


def test_a_removed_measure_and_a_lapsed_certificate_are_reductions(django_capture_on_commit_callbacks):
    from controls.models import Evidence

    _customer, control, dpo, _v1 = _world()
    certified = StatedControlFactory(reference="TOM-CRT-01", scc_category="certification_assurance")
    certificate = Evidence.objects.create(
        control=certified, kind=Evidence.Kind.NOTE, text="Certificate on file.", title="ISO certificate",
        record=Evidence.Record.CERTIFICATE, certificate_standard="ISO/IEC 27001:2022",
        certificate_issuer="Example Cert", certificate_number="C-1",
        valid_until=timezone.localdate() + timedelta(days=100))
    v2 = _publish(dpo, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.localdate() + timedelta(days=31)):
        assert version_in_force("acme") == v2
        Control.objects.filter(pk=control.pk).update(status=Control.Status.RETIRED)
        certificate.valid_until = timezone.localdate() - timedelta(days=1)
        certificate.save(update_fields=["valid_until"])
        v3 = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
        whats = sorted(r["what"] for r in AnnexNotice.objects.get(annex_version=v3).reductions)
        assert whats == ["lapsed", "removed"]


def test_an_objection_keeps_the_old_version_in_force_for_that_customer(client, django_capture_on_commit_callbacks):
    _customer, control, dpo, v1 = _world(notice_days=10)
    other = CustomerFactory(slug="zeta")
    control_update(control=control, actor=dpo, expected_version=control.version,
                   description=control.description + " Legacy clients are served through a separate gateway.")
    v2 = _publish(dpo, django_capture_on_commit_callbacks)
    notice = AnnexNotice.objects.get(annex_version=v2)
    url = reverse("respond:annex", args=[notice_token(notice)])
    assert client.post(url, {"response": "objected", "by_name": "Greta"}).status_code == 400, "reasons required"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"response": "objected", "by_name": "Greta", "note": "Gateway not assessed."})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.state() == AnnexNoticeState.OBJECTED
    after = timezone.localdate() + timedelta(days=40)
    with time_machine.travel(after):
        assert version_in_force("acme") == v1
    # The DPO is told, and the objection is a task in the DPO's inbox until it is resolved.
    assert Notification.objects.filter(reason="controls.annex_objection", recipient=dpo).exists()
    [task] = [i for i in inbox_for(dpo, timezone.localdate()) if "Acme Health GmbH" in i["title"]]
    assert "version 2" in task["title"]
    # Another customer's annex is not held back.
    annex_publish(kind_name=TOM_ANNEX, subject_key="zeta", actor=dpo)
    assert version_in_force(other.slug) is not None

    annex_withdraw_objection(notice=notice, actor=dpo, note="Agreed after the gateway's assessment.",
                             expected_version=notice.version)
    with time_machine.travel(after):
        assert version_in_force("acme") == v2
    assert not [i for i in inbox_for(dpo, timezone.localdate()) if "Acme Health GmbH" in i["title"]]


def test_the_dpo_records_an_answer_that_came_by_letter(signed_in, django_capture_on_commit_callbacks):
    _customer, _control, _dpo, v1 = _world()
    notice = AnnexNotice.objects.get(annex_version=v1)
    client, _ = signed_in(Role.DPO)
    url = reverse("customers:annex_notice", kwargs={"slug": "acme", "pk": notice.pk})
    response = client.post(url, {"response": "acknowledged", "by_name": "Greta Lindqvist",
                                 "expected_version": notice.version})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.response, notice.response_via) == (AnnexNotice.Response.ACKNOWLEDGED, "recorded")
    stale = client.post(url, {"response": "objected", "by_name": "Greta", "note": "Changed our mind.",
                              "expected_version": notice.version - 1})
    assert stale.status_code == 400 and "changed while you were editing" in stale.content.decode()
    page = client.get(reverse("customers:detail", args=["acme"])).content.decode()
    assert "Version 1 is in force for this customer." in page


def test_an_unknown_reply_link_is_a_404(client):
    assert client.get(reverse("respond:annex", args=["nope"])).status_code == 404
