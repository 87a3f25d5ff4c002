"""Page 1 of a later annex version says which version it supersedes, when it takes effect and when it is reviewed
next; a long unbroken name wraps inside the page instead of running off it."""

import io
import re
import subprocess
from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from controls.exports import TOM_ANNEX
from controls.models_annex import AnnexTerms
from controls.services import add_months, control_update
from portal.exports import storage
from portal.exports.services import annex_publish
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _stored_pdf(version) -> bytes:
    return b"".join(storage.open_document(version.file_path, purpose=storage.version_purpose(version)))


def _first_page(data: bytes) -> str:
    return " ".join((PdfReader(io.BytesIO(data)).pages[0].extract_text() or "").split())


def test_version_2_says_on_page_1_which_version_it_supersedes_when_it_takes_effect_and_its_next_review():
    customer = CustomerFactory(slug="acme", name="Acme Health GmbH")
    AnnexTerms.objects.create(customer=customer, notice_days=30, review_months=6)
    control = StatedControlFactory(reference="TOM-ENC-01")
    dpo = UserFactory(roles=["DPO"])
    annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)
    control_update(control=control, actor=dpo, expected_version=control.version,
                   description=control.description + " Keys are rotated every year.")

    v2 = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=dpo)

    effective = timezone.localdate() + timedelta(days=30)
    assert v2.effective_on == effective
    first = _first_page(_stored_pdf(v2))
    with translation.override("en"):
        effective_text = formats.date_format(effective, "DATE_FORMAT")
        review_text = formats.date_format(add_months(effective, 6), "DATE_FORMAT")
    assert "Version 2 · supersedes version 1" in first
    assert f"Effective date {effective_text}" in first
    assert f"Next scheduled review {review_text}" in first


def test_a_long_unbroken_customer_name_wraps_inside_the_page():
    name = "Donaudampfschifffahrtselektrizitaetenhauptbetriebswerkbauunterbeamtengesellschaft" * 3
    CustomerFactory(slug="long-name", name=name)
    StatedControlFactory()
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="long-name", actor=UserFactory(roles=["DPO"]))
    result = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=_stored_pdf(version), capture_output=True,
                            check=True)
    pages = re.findall(rb'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', result.stdout, re.S)
    assert pages
    for width, body in pages:
        words = re.findall(rb'<word xMin="([\d.-]+)" yMin="[\d.-]+" xMax="([\d.-]+)"', body)
        outside = [(x0, x1) for x0, x1 in words if float(x0) < 0 or float(x1) > float(width)]
        assert not outside, "a word runs off the page"
    assert name[:30] in _first_page(_stored_pdf(version))
