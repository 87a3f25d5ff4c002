import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from controls.categories import scc_categories
from controls.exports import NO_MEASURE_REASON, TOM_ANNEX
from controls.models import CategoryStatement, Control
from controls.selectors import customer_applicable_controls
from portal.exports.services import annex_publish
from tests.controls.factories import CustomerFactory, ServiceFactory, StatedControlFactory
from tests.exports.conftest import artifacts_dir, pdf_text
from tests.factories import UserFactory

README_IMAGE = Path(settings.BASE_DIR) / "docs" / "img" / "tom-annex-page1.png"


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.django_db
def test_the_published_annex_has_every_category_in_order_every_measure_the_version_hash_and_page_numbers(
    catalogue, tmp_path
):
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory(name="Acme Health GmbH", slug="acme-health", contract_reference="DPA-2025-017")
    customer.services.set([hosting])
    dpo = UserFactory(roles=["DPO"])
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="acme-health", actor=dpo)

    output = tmp_path / "annex.pdf"
    call_command("export_document", kind=TOM_ANNEX, subject="acme-health", output=str(output))
    text = pdf_text(output.read_bytes())

    positions = [text.find(_squash(category.wording)) for category in scc_categories()]
    missing_headings = [c.wording for c, p in zip(scc_categories(), positions, strict=True) if p < 0]
    assert not missing_headings
    assert positions == sorted(positions), "the 17 categories must appear in their published order"
    references = list(customer_applicable_controls(customer).values_list("reference", flat=True))
    assert len(references) > 10
    missing = [ref for ref in references if ref not in text]
    assert not missing
    assert "Version 1" in text and "Acme Health GmbH" in text and "DPA-2025-017" in text
    assert settings.ORGANISATION_NAME in text
    assert version.snapshot_sha256 in text
    pages = re.search(r"Page 1 of (\d+)", text)
    assert pages and int(pages.group(1)) > 2
    assert f"Page {pages.group(1)} of {pages.group(1)}" in text

    # Look at it: page 1 as an image, for the test artifacts and the README.
    assert shutil.which("pdftoppm"), "poppler-utils provides pdftoppm"
    prefix = artifacts_dir() / "tom-annex"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(output), str(prefix)], check=True)
    first_page = sorted(artifacts_dir().glob("tom-annex-*1.png"))[0]
    assert first_page.stat().st_size > 10_000
    # The README's picture is refreshed on request only, so a test run leaves the working tree clean.
    if not README_IMAGE.exists() or os.environ.get("ANNEX_UPDATE_DOC_IMAGES"):
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first_page, README_IMAGE)


@pytest.mark.django_db
def test_a_category_without_a_measure_says_so_and_only_a_stated_reason_makes_it_not_applicable(tmp_path):
    StatedControlFactory(reference="TOM-ENC-77", scc_category="pseudonymisation_encryption")
    CategoryStatement.objects.create(scc_category="physical_security", applicable=False,
                                     statement="The processor runs no premises of its own; see its sub-processors.")
    output = tmp_path / "annex.pdf"
    call_command("export_document", kind=TOM_ANNEX, subject="all", output=str(output))
    text = pdf_text(output.read_bytes())
    assert "TOM-ENC-77" in text
    assert "Not applicable. The processor runs no premises of its own; see its sub-processors." in text
    assert text.count("Not applicable.") == 1
    # An empty category says that it is empty, never that other measures cover it.
    assert text.count(_squash(NO_MEASURE_REASON)) == 15
    assert "other categories protect" not in text
    assert "Draft" in text and "not a published version" in text


@pytest.mark.django_db
def test_a_customer_sees_only_its_measures_and_not_retired_or_excluded_ones(tmp_path):
    support = ServiceFactory(slug="support")
    other = ServiceFactory(slug="analytics")
    customer = CustomerFactory(slug="beta")
    customer.services.set([support])
    StatedControlFactory(reference="TOM-ALL-01")
    StatedControlFactory(reference="TOM-SUP-01", applies_to_all_services=False).services.set([support])
    StatedControlFactory(reference="TOM-ANA-01", applies_to_all_services=False).services.set([other])
    StatedControlFactory(reference="TOM-OLD-01", status=Control.Status.RETIRED)
    output = tmp_path / "annex.pdf"
    call_command("export_document", kind=TOM_ANNEX, subject="beta", output=str(output))
    text = pdf_text(output.read_bytes())
    assert "TOM-ALL-01" in text and "TOM-SUP-01" in text
    assert "TOM-ANA-01" not in text and "TOM-OLD-01" not in text


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_customer_and_writes_nothing(tmp_path):
    output = tmp_path / "annex.pdf"
    with pytest.raises(CommandError, match=r"has no subject .nobody."):
        call_command("export_document", kind=TOM_ANNEX, subject="nobody", output=str(output))
    assert not output.exists() and list(tmp_path.iterdir()) == []
