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
