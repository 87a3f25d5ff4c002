"""Where rendered documents are kept: the encrypted file store of portal.security.

Every export and every published annex goes through these three functions, so the store (local
disk or S3-compatible storage behind portal.security) can change without touching the jobs.
"""

from collections.abc import Iterator
from typing import BinaryIO

from portal.security.storage import StoredFile, delete_encrypted, open_decrypted, store_encrypted


def store_document(fileobj: BinaryIO, *, purpose: str) -> StoredFile:
    """Encrypt a rendered document into the store; written to a temporary file and renamed when complete."""
    fileobj.seek(0)
    return store_encrypted(fileobj, purpose=purpose)


def open_document(path: str, *, purpose: str) -> Iterator[bytes]:
    """Authenticated plaintext chunks of a stored document, for a streaming response."""
    return open_decrypted(path, purpose=purpose)


def read_document(path: str, *, purpose: str) -> bytes:
    stream = open_decrypted(path, purpose=purpose)
    try:
        return b"".join(stream)
    finally:
        stream.close()


def delete_document(path: str) -> None:
    delete_encrypted(path)


def job_purpose(job) -> str:
    return f"exports:job:{job.pk}"


def version_purpose(version) -> str:
    return f"exports:annex:{version.snapshot_sha256}"
