"""No snake_case parameter key reaches a reader: not in the annex, the register's pages, the history, the change
summaries, the change notices or the API schema's descriptions. The test walks the catalogue's keys."""

import json

import pytest
from django.urls import reverse

from controls.exports import TOM_ANNEX
from controls.models import Control
from controls.services import control_update
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.exports import storage
from portal.exports.services import annex_publish
from tests.controls.factories import CustomerFactory
from tests.controls.test_parameters import catalogue_parameter_keys
from tests.exports.conftest import pdf_text

pytestmark = pytest.mark.django_db


def _leaks(text: str) -> list[str]:
    return [key for key in catalogue_parameter_keys() if key in text]


def _descriptions(node) -> list[str]:
    """Every title, description and summary in an OpenAPI document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("title", "description", "summary") and isinstance(value, str):
                found.append(value)
            else:
                found += _descriptions(value)
    elif isinstance(node, list):
        for value in node:
            found += _descriptions(value)
    return found


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_page_pdf_notice_or_api_description_contains_a_raw_parameter_key(
    stated_catalogue, signed_in, mailoutbox, django_capture_on_commit_callbacks, language
):
    assert len(catalogue_parameter_keys()) > 40
    CustomerFactory(slug="acme", notice_contact_email="dpo@acme.example")
    client, dpo = signed_in(Role.DPO, language=language)
    with django_capture_on_commit_callbacks(execute=True):
        annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    tls = Control.objects.get(reference="TOM-TRN-01")
    control_update(control=tls, actor=dpo, expected_version=tls.version,
                   parameters={**tls.parameters, "tls_min_version": "1.2", "hsts_seconds": 63072000})
    logs = Control.objects.get(reference="TOM-LOG-02")
    control_update(control=logs, actor=dpo, expected_version=logs.version,
                   parameters={**logs.parameters, "retention_months": 6})

    outputs = {}
    # The annex page with its change summary, before publishing version 2.
    outputs["annex page"] = client.get(reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX,
                                                                              "subject": "acme"})).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        v2 = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    outputs["annex PDF"] = pdf_text(storage.read_document(v2.file_path, purpose=storage.version_purpose(v2)))
    outputs["notices"] = "\n".join(m.body for m in mailoutbox)
    for control in Control.objects.exclude(parameters={}):
        outputs[control.reference] = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    outputs["register"] = client.get(reverse("controls:list")).content.decode()
    for event in AuditEvent.objects.filter(action="control.updated"):
        page = client.get(reverse("audit:event_detail", args=[event.seq]))
        outputs[f"audit event {event.seq}"] = page.content.decode()
    schema = json.loads(client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").content)
    outputs["API schema"] = "\n".join(_descriptions(schema))

    assert "Minimum TLS version" in outputs["TOM-TRN-01"] or "Minimale TLS-Version" in outputs["TOM-TRN-01"]
    assert "1.3 → 1.2" in outputs["notices"]
    leaks = {where: _leaks(text) for where, text in outputs.items() if _leaks(text)}
    assert not leaks
