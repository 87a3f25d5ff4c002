import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from controls.catalogue_loader import load_catalogue


def artifacts_dir() -> Path:
    path = Path(os.environ.get("ANNEX_TEST_ARTIFACTS", "/tmp/annex-test")) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pdf_text(data: bytes) -> str:
    """The text of every page, with whitespace collapsed so wrapped headings read as one line."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def catalogue(db):
    """The processor's TOM catalogue as shipped, loaded into the control register."""
    return load_catalogue()


@pytest.fixture(autouse=True)
def _encrypted_store(settings, tmp_path):
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "encrypted"
    settings.ANNEX_KEYRING_FILE = tmp_path / "keyring.json"


@pytest.fixture
def stated_catalogue(db):
    """The catalogue as shipped, every measure implemented with evidence in date, a certificate and two tests."""
    from datetime import timedelta

    from django.utils import timezone

    from controls.models import Control, Evidence

    load_catalogue()
    today = timezone.localdate()
    Control.objects.update(status=Control.Status.IMPLEMENTED)
    Evidence.objects.bulk_create([
        Evidence(control=c, kind=Evidence.Kind.NOTE, title=f"Check of {c.reference}", text="Checked.")
        for c in Control.objects.all()])
    facts = {"TOM-CRT-01": {"record": Evidence.Record.CERTIFICATE, "certificate_standard": "ISO/IEC 27001:2022",
                            "certificate_scope": "Hosting and support services",
                            "certificate_issuer": "Example Certification GmbH", "certificate_number": "ISMS-0417"},
             "TOM-PEN-01": {"record": Evidence.Record.TEST},
             "TOM-BCK-02": {"record": Evidence.Record.TEST}}
    for reference, fields in facts.items():
        Evidence.objects.create(control=Control.objects.get(reference=reference), kind=Evidence.Kind.NOTE,
                                title=f"Record of {reference}", text="Report on file.",
                                valid_from=today - timedelta(days=40), valid_until=today + timedelta(days=300),
                                **fields)
    return Control.objects.count()
