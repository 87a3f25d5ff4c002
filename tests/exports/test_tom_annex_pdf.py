import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from controls.categories import scc_categories
from controls.exports import NO_MEASURE_REASON, TOM_ANNEX
from controls.models import CategoryStatement, Control
from controls.models_annex import AnnexTerms
from controls.models_subprocessors import ProcessorDetails, SubProcessorTerms
from controls.selectors import customer_applicable_controls
from portal.exports.services import annex_publish
from tests.controls.factories import CustomerFactory, ServiceFactory, StatedControlFactory
from tests.controls.test_parameters import catalogue_parameter_keys
from tests.exports.conftest import artifacts_dir, pdf_text
from tests.factories import UserFactory

README_IMAGE = Path(settings.BASE_DIR) / "docs" / "img" / "tom-annex-page1.png"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _page_texts(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.mark.django_db
def test_the_published_annex_has_every_category_in_order_every_measure_the_version_hash_and_page_numbers(
    stated_catalogue, tmp_path
):
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory(name="Acme Health GmbH", slug="acme-health", contract_reference="DPA-2025-017",
                               notice_contact_name="Greta Lindqvist", notice_contact_email="privacy@acme.example",
                               breach_notice_hours=24)
    customer.services.set([hosting])
    SubProcessorTerms.objects.create(customer=customer, controller_address="Nordweg 2, 20095 Hamburg")
    ProcessorDetails.objects.create(pk=1, name=settings.ORGANISATION_NAME, address="Friedrichstraße 68, Berlin",
                                    dpo_name="Dana Protection", dpo_contact="dpo@processor.example",
                                    security_contact="security@processor.example")
    AnnexTerms.objects.create(customer=customer, instrument=AnnexTerms.Instrument.SCC_2021_914,
                              module=AnnexTerms.Module.MODULE_2)
    dpo = UserFactory(roles=["DPO"])
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="acme-health", actor=dpo)

    output = tmp_path / "annex.pdf"
    call_command("export_tom_annex", customer="acme-health", output=str(output))
    data = output.read_bytes()
    text = pdf_text(data)

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

    page_texts = _page_texts(data)
    first = page_texts[0]
    # Parties and scope on page 1.
    for fact in ("Friedrichstraße 68, Berlin", "Dana Protection", "security@processor.example",
                 "Nordweg 2, 20095 Hamburg", "Greta Lindqvist <privacy@acme.example>", "DPA-2025-017",
                 "Annex II to the standard contractual clauses for the transfer of personal data to third countries",
                 "Module Two: transfer controller to processor", "Managed application hosting", "Effective date",
                 "Next scheduled review", "data importer(s)"):
        assert fact in first, fact
    # The running footer is on the following pages, never in the body of page 1.
    footer = "Acme Health GmbH · Version 1 · SHA-256"
    assert footer not in first
    assert all(footer in page for page in page_texts[1:])
    # Assistance, certifications and tests with their facts, the customer's own breach deadline.
    assert "at the latest 24 hours after becoming aware of it" in text
    assert "the details of a contact point where more information concerning the personal data breach" in text
    assert "ISO/IEC 27001:2022" in text and "Example Certification GmbH" in text and "ISMS-0417" in text
    assert "TOM-PEN-01" in text.split("Periodic test")[-1]
    # The signature block shares its page with the end of the annex's content.
    [signature_page] = [page for page in page_texts if "For the processor:" in page]
    before_signature = signature_page.split("This annex forms part")[0]
    assert len(before_signature.split()) > 30, "the signature block is orphaned on its own page"
    assert not any(key in text for key in catalogue_parameter_keys())

    # Look at it: page 1 and a middle page as images, for the test artifacts and the README.
    assert shutil.which("pdftoppm"), "poppler-utils provides pdftoppm"
    middle = len(page_texts) // 2 + 1
    for page, name in ((1, "tom-annex-page1"), (middle, "tom-annex-middle")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(page), "-l", str(page),
                        str(output), str(artifacts_dir() / name)], check=True)
    first_page = artifacts_dir() / "tom-annex-page1.png"
    assert first_page.stat().st_size > 10_000
    assert (artifacts_dir() / "tom-annex-middle.png").stat().st_size > 10_000
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
