"""Encrypted files at rest: evidence, exports and anything else that must not sit on disk as plaintext.

Files live under settings.ANNEX_ENCRYPTED_FILES_DIR as stream envelopes (see crypto.py). Callers keep
the relative path, the plaintext SHA-256 and size, and the purpose they stored it under; the same
purpose is needed to read it back. Writes go to a temporary file that is renamed into place only
when complete, so a failure (oversize, disk full, crash) never leaves a partial file behind.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.conf import settings

from portal.security.crypto import DEFAULT_CHUNK_SIZE, DecryptingStream, encrypt_stream, envelope_key_id
from portal.security.errors import FileTooLarge, MalformedCiphertext
from portal.security.keys import KeyProvider


class StoredFile(NamedTuple):
    path: str  # relative to the encrypted file store
    sha256: str  # of the plaintext
    size: int  # plaintext bytes
    key_id: str


def encrypted_files_root() -> Path:
    return Path(settings.ANNEX_ENCRYPTED_FILES_DIR)


def _full_path(relative_path: str) -> Path:
    """The absolute path of a stored file; refuses anything that would leave the store."""
    root = encrypted_files_root().resolve()
    if not relative_path or os.path.isabs(relative_path):
        raise ValueError(f"{relative_path!r} is not a path inside the encrypted file store")
    full = (root / relative_path).resolve()
    if full == root or not full.is_relative_to(root):
        raise ValueError(f"{relative_path!r} is not a path inside the encrypted file store")
    return full


def _folder_for(purpose: str) -> str:
    namespace = re.sub(r"[^a-z0-9_-]", "", purpose.split(":", 1)[0].lower())
    return namespace[:40] or "files"


def _write_atomically(full: Path, write) -> None:
    """Call write(handle) on a 0600 temporary file beside `full`, then rename it into place."""
    full.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = full.with_name(f".{full.name}.{secrets.token_hex(4)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, full)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def store_encrypted(
    fileobj: BinaryIO,
    *,
    purpose: str,
    max_bytes: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    provider: KeyProvider | None = None,
) -> StoredFile:
    """Encrypt a file object (read from its current position to the end) into the store.

    Raises FileTooLarge, keeping nothing, when the plaintext exceeds max_bytes.
    """
    token = secrets.token_hex(16)
    relative = f"{_folder_for(purpose)}/{token[:2]}/{token}.enc"
    full = _full_path(relative)
    digest = hashlib.sha256()
    size = 0

    def observe(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise FileTooLarge(max_bytes)
        digest.update(chunk)

    key_ids = []

    def write(handle) -> None:
        key_ids.append(
            encrypt_stream(
                fileobj, handle, purpose=purpose, chunk_size=chunk_size, provider=provider, on_plaintext=observe
            )
        )

    _write_atomically(full, write)
    return StoredFile(path=relative, sha256=digest.hexdigest(), size=size, key_id=key_ids[0])


def store_encrypted_bytes(data: bytes, *, purpose: str, provider: KeyProvider | None = None) -> StoredFile:
    return store_encrypted(io.BytesIO(data), purpose=purpose, provider=provider)


def open_decrypted(path: str, *, purpose: str, provider: KeyProvider | None = None) -> DecryptingStream:
    """An iterator of authenticated plaintext chunks, ready for a StreamingHttpResponse.

    Opening checks the header and the key at once (FileNotFoundError, MalformedCiphertext,
    UnknownKeyError); tampering further in raises TamperedCiphertext when it is reached.
    """
    handle = open(_full_path(path), "rb")  # noqa: SIM115 - the stream owns the handle and closes it
    try:
        return DecryptingStream(handle, purpose=purpose, provider=provider)
    except BaseException:
        handle.close()
        raise


def read_decrypted(path: str, *, purpose: str, provider: KeyProvider | None = None) -> bytes:
    """The whole plaintext in memory: for small files only (use open_decrypted otherwise)."""
    stream = open_decrypted(path, purpose=purpose, provider=provider)
    try:
        return b"".join(stream)
    finally:
        stream.close()


def file_key_id(path: str) -> str:
    """The key id a stored file was encrypted with, read from its header."""
    with open(_full_path(path), "rb") as handle:
        head = handle.read(6 + 255)
    if len(head) < 6:
        raise MalformedCiphertext("not an Annex encrypted envelope")
    return envelope_key_id(head)


def reencrypt_file(path: str, *, purpose: str, provider: KeyProvider | None = None) -> str:
    """Re-encrypt a stored file under the current key, in place and atomically; returns the new key id.

    Every chunk is authenticated on the way, so a damaged file is left untouched and raises.
    """
    full = _full_path(path)
    key_ids = []

    def write(handle) -> None:
        stream = open_decrypted(path, purpose=purpose, provider=provider)
        try:
            key_ids.append(encrypt_stream(_IteratorReader(stream), handle, purpose=purpose, provider=provider))
        finally:
            stream.close()

    _write_atomically(full, write)
    return key_ids[0]


def delete_encrypted(path: str) -> bool:
    """Remove a stored file; False if it was already gone."""
    try:
        _full_path(path).unlink()
    except FileNotFoundError:
        return False
    return True


class _IteratorReader(io.RawIOBase):
    """A read-only file object over an iterator of byte chunks."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
