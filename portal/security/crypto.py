"""AES-256-GCM encryption with a versioned envelope that names its key.

Two envelope kinds share one header: magic "ANX", version, kind, key id.

* Blob (kind "B") for values that fit in memory (field values, small documents):
    header | nonce (12 random bytes) | ciphertext + 16-byte tag
* Stream (kind "S") for files of any size, encrypted and decrypted in constant memory:
    header | chunk size (u32) | salt (16) | nonce prefix (7) | chunk 0 | chunk 1 | ... | last chunk
  Each file gets its own key, derived with HKDF-SHA256 from the provider's key, the random salt
  and the purpose. Chunk i is sealed with nonce = prefix | i (u32) | final flag (1 byte), and the
  chunk index and final flag are also in its associated data, so chunks cannot be reordered,
  dropped, duplicated or cut off at the end without the decryption failing (the STREAM
  construction of Hoang, Reyhanitabar, Rogaway and Vizár, as used by Tink).

The associated data of every blob and chunk covers the whole header and the caller's purpose
(e.g. "evidence:42"), so ciphertext moved to another record, or given another key id, fails to open.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.security.errors import MalformedCiphertext, TamperedCiphertext
from portal.security.keys import KeyProvider, get_key_provider

MAGIC = b"ANX"
VERSION = 1
KIND_BLOB = b"B"
KIND_STREAM = b"S"
NONCE_BYTES = 12
TAG_BYTES = 16
SALT_BYTES = 16
NONCE_PREFIX_BYTES = 7
DEFAULT_CHUNK_SIZE = 64 * 1024
MIN_CHUNK_SIZE = 16
MAX_CHUNK_SIZE = 8 * 1024 * 1024  # bounds the memory a crafted header can make a reader allocate
MAX_CHUNKS = 2**32
MAX_PURPOSE_BYTES = 1024
_HKDF_INFO = b"annex stream v1\x00"


def _purpose_bytes(purpose: str) -> bytes:
    if not isinstance(purpose, str) or not purpose:
        raise ValueError("purpose must be a non-empty string, e.g. 'evidence:42'")
    raw = purpose.encode("utf-8")
    if len(raw) > MAX_PURPOSE_BYTES:
        raise ValueError(f"purpose must be at most {MAX_PURPOSE_BYTES} bytes")
    return struct.pack(">H", len(raw)) + raw


def _header(kind: bytes, key_id: str) -> bytes:
    kid = key_id.encode("ascii")
    if not 0 < len(kid) < 256:
        raise ValueError("key id must be 1-255 ASCII characters")
    return MAGIC + bytes([VERSION]) + kind + bytes([len(kid)]) + kid


def _parse_header(data: bytes, *, kind: bytes) -> tuple[str, int]:
    """(key_id, header length) of an envelope of the given kind, or MalformedCiphertext."""
    if len(data) < 6 or data[:3] != MAGIC:
        raise MalformedCiphertext("not an Annex encrypted envelope")
    if data[3] != VERSION:
        raise MalformedCiphertext(f"unsupported envelope version {data[3]}")
    if data[4:5] != kind:
        expected = "blob" if kind == KIND_BLOB else "stream"
        raise MalformedCiphertext(f"envelope is not a {expected}")
    end = 6 + data[5]
    if data[5] == 0 or len(data) < end:
        raise MalformedCiphertext("envelope header is cut short")
    try:
        return data[6:end].decode("ascii"), end
    except UnicodeDecodeError:
        raise MalformedCiphertext("envelope key id is not ASCII") from None


def envelope_key_id(data: bytes) -> str:
    """The key id a blob or stream header names, without decrypting anything."""
    kind = bytes(data[4:5])
    return _parse_header(bytes(data), kind=kind if kind in (KIND_BLOB, KIND_STREAM) else KIND_BLOB)[0]


# --- Blobs -------------------------------------------------------------------------------------


def encrypt_bytes(plaintext: bytes, *, purpose: str, provider: KeyProvider | None = None) -> bytes:
    """Seal bytes under the current key; only the same purpose opens them again."""
    key_id, key = (provider or get_key_provider()).current_key()
    header = _header(KIND_BLOB, key_id)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, bytes(plaintext), header + nonce + _purpose_bytes(purpose))
    return header + nonce + sealed


def decrypt_bytes(envelope: bytes, *, purpose: str, provider: KeyProvider | None = None) -> bytes:
    """Open a blob made by encrypt_bytes; TamperedCiphertext if anything about it was changed."""
    envelope = bytes(envelope)
    key_id, offset = _parse_header(envelope, kind=KIND_BLOB)
    if len(envelope) < offset + NONCE_BYTES + TAG_BYTES:
        raise TamperedCiphertext("ciphertext is cut short")
    aad_tail = _purpose_bytes(purpose)
    key = (provider or get_key_provider()).key(key_id)
    nonce = envelope[offset : offset + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, envelope[offset + NONCE_BYTES :], envelope[: offset + NONCE_BYTES] + aad_tail)
    except InvalidTag:
        raise TamperedCiphertext(
            "ciphertext failed authentication: it was modified or belongs to another purpose"
        ) from None


def encrypt_text(value: str, *, purpose: str, provider: KeyProvider | None = None) -> str:
    """Seal text and return the envelope as base64 (what a text column stores)."""
    return base64.b64encode(encrypt_bytes(value.encode("utf-8"), purpose=purpose, provider=provider)).decode("ascii")


def decrypt_text(value: str, *, purpose: str, provider: KeyProvider | None = None) -> str:
    return decrypt_bytes(text_envelope(value), purpose=purpose, provider=provider).decode("utf-8")


def text_envelope(value: str) -> bytes:
    """The binary envelope inside a base64 text value."""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise MalformedCiphertext("encrypted text is not base64") from None


# --- Streams -----------------------------------------------------------------------------------


def _stream_key(key: bytes, salt: bytes, purpose_aad: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO + purpose_aad).derive(key)
    return AESGCM(derived)


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Read exactly `size` bytes unless the source ends first (reads may return less)."""
    parts, remaining = [], size
    while remaining:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _chunk_nonce_and_aad(prefix: bytes, header_aad: bytes, index: int, final: bool) -> tuple[bytes, bytes]:
    position = struct.pack(">IB", index, 1 if final else 0)
    return prefix + position, header_aad + position


def encrypt_stream(
    source: BinaryIO,
    target: BinaryIO,
    *,
    purpose: str,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    provider: KeyProvider | None = None,
    on_plaintext=None,
) -> str:
    """Encrypt `source` into `target` chunk by chunk and return the key id used.

    `on_plaintext(chunk)` sees each plaintext chunk on the way (hashing, size limits); if it
    raises, encryption stops and the exception propagates.
    """
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE}")
    key_id, key = (provider or get_key_provider()).current_key()
    purpose_aad = _purpose_bytes(purpose)
    salt, prefix = os.urandom(SALT_BYTES), os.urandom(NONCE_PREFIX_BYTES)
    header = _header(KIND_STREAM, key_id) + struct.pack(">I", chunk_size) + salt + prefix
    aead = _stream_key(key, salt, purpose_aad)
    header_aad = header + purpose_aad
    target.write(header)
    current = _read_full(source, chunk_size)
    index = 0
    while True:
        following = _read_full(source, chunk_size) if len(current) == chunk_size else b""
        final = not following
        if on_plaintext is not None:
            on_plaintext(current)
        nonce, aad = _chunk_nonce_and_aad(prefix, header_aad, index, final)
        target.write(aead.encrypt(nonce, current, aad))
        if final:
            return key_id
        index += 1
        if index >= MAX_CHUNKS:
            raise ValueError("stream is too long for its chunk size")
        current = following


class DecryptingStream:
    """Plaintext chunks of a stream envelope, each authenticated before it is yielded.

    The header is checked and the key looked up when this object is created, so a missing key or
    a foreign file fails before a response starts. Tampering in a later chunk, or a cut-off end,
    raises TamperedCiphertext when that point is reached. close() closes the source.
    """

    def __init__(self, source: BinaryIO, *, purpose: str, provider: KeyProvider | None = None):
        self._source = source
        fixed = _read_full(source, 6)
        if len(fixed) < 6:
            raise MalformedCiphertext("not an Annex encrypted envelope")
        header = fixed + _read_full(source, fixed[5] + 4 + SALT_BYTES + NONCE_PREFIX_BYTES)
        key_id, header_len = _parse_header(header, kind=KIND_STREAM)
        if len(header) < header_len + 4 + SALT_BYTES + NONCE_PREFIX_BYTES:
            raise MalformedCiphertext("stream header is cut short")
        self.key_id = key_id
        (chunk_size,) = struct.unpack(">I", header[header_len : header_len + 4])
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise MalformedCiphertext(f"stream chunk size {chunk_size} is out of range")
        salt = header[header_len + 4 : header_len + 4 + SALT_BYTES]
        self._prefix = header[header_len + 4 + SALT_BYTES :]
        purpose_aad = _purpose_bytes(purpose)
        self._aead = _stream_key((provider or get_key_provider()).key(key_id), salt, purpose_aad)
        self._header_aad = header + purpose_aad
        self._sealed_size = chunk_size + TAG_BYTES
        self._iterator = self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        current = _read_full(self._source, self._sealed_size)
        index = 0
        while True:
            following = _read_full(self._source, self._sealed_size) if len(current) == self._sealed_size else b""
            final = not following
            if len(current) < TAG_BYTES:
                raise TamperedCiphertext("stream is cut short")
            nonce, aad = _chunk_nonce_and_aad(self._prefix, self._header_aad, index, final)
            try:
                plaintext = self._aead.decrypt(nonce, current, aad)
            except InvalidTag:
                raise TamperedCiphertext(
                    f"chunk {index} failed authentication: the file was modified, reordered, cut short "
                    "or belongs to another purpose"
                ) from None
            if plaintext:
                yield plaintext
            if final:
                return
            index += 1
            if index >= MAX_CHUNKS:
                raise TamperedCiphertext("stream has more chunks than any Annex envelope can")
            current = following

    def __iter__(self) -> DecryptingStream:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        self._iterator.close()
        self._source.close()
