"""Evidence, status automation, import rollback and the API query count on PostgreSQL (stage 2 of make test)."""

import io
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from controls.models import Control, Evidence
from controls.services_evidence import evidence_add
from controls.services_register import control_register_import
from controls.services_status import controls_refresh_status
from portal.accounts.roles import Role
from portal.accounts.tokens import api_token_create
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory, EvidenceFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_evidence_constraints_hold_in_the_database():
    assert connection.vendor == "postgresql"
    control = ControlFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(control=control, kind=Evidence.Kind.FILE, title="No file")
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(control=control, kind=Evidence.Kind.NOTE, title="x", text="y",
                                valid_from=today, valid_until=today - timedelta(days=1))


def test_an_encrypted_upload_and_the_status_sweep_on_postgresql():
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, status=Control.Status.VERIFIED)
    EvidenceFactory(control=control, valid_until=timezone.localdate() - timedelta(days=1))
    assert len(controls_refresh_status().changes) == 1
    evidence_add(control=control, actor=owner, kind=Evidence.Kind.FILE, title="Report",
                 upload=io.BytesIO(b"%PDF-1.7\n%%EOF\n"), filename="r.pdf")
    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED


def test_the_import_writes_nothing_when_a_row_fails_in_the_database(monkeypatch):
    dpo = UserFactory(roles=[Role.DPO])
    events = AuditEvent.objects.count()
    header = "reference,title,description,scc_category,status\n"
    rows = "".join(f"TOM-PG-{i:02d},Measure {i},Specific text.,events_logging,implemented\n" for i in range(3))
    from controls import services_register

    real = services_register.control_create

    def create_then_fail(**kwargs):
        if kwargs["reference"] == "TOM-PG-02":
            Control.objects.create(reference="TOM-PG-00", title="dup", description="d", scc_category="events_logging")
        return real(**kwargs)

    monkeypatch.setattr(services_register, "control_create", create_then_fail)
    with pytest.raises(IntegrityError):
        control_register_import(actor=dpo, data=(header + rows).encode())
    assert not Control.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_list_api_query_count_does_not_grow_on_postgresql():
    user = UserFactory(roles=[Role.AUDITOR])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)}")
    url = reverse("api:control-list") + "?page_size=1000"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    Control.objects.bulk_create([Control(reference=f"PG-A-{i:04d}", title="t", description="d",
                                         scc_category="events_logging") for i in range(10)])
    small = count()
    Control.objects.bulk_create([Control(reference=f"PG-B-{i:04d}", title="t", description="d",
                                         scc_category="events_logging") for i in range(990)])
    assert count() == small < 10
