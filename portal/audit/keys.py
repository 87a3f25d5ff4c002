"""The keys that make the audit chain unforgeable without the key provider.

Every event's link is HMAC-SHA256(link key, prev_hash || canonical event), and every checkpoint is signed with
HMAC-SHA256(checkpoint key, canonical checkpoint). Both keys are derived with HKDF-SHA256 from one pinned key of
the key provider (settings.ANNEX_AUDIT_KEY_ID): a key outside rotation, never current for encryption and never
retired, because every event it chained must stay verifiable. Nothing of it is in the database, so someone who
can write the database cannot recompute a link after editing, reordering or cutting events.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from portal.security.errors import UnknownKeyError
from portal.security.keys import PinnedKeyProvider, get_key_provider

LINK_INFO = b"annex audit chain link v1"
CHECKPOINT_INFO = b"annex audit checkpoint v1"


@lru_cache(maxsize=32)
def _derive(raw: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)


def _raw_key(key_id: str, *, create: bool) -> bytes:
    provider = get_key_provider()
    try:
        return provider.key(key_id)
    except UnknownKeyError:
        if create and isinstance(provider, PinnedKeyProvider):
            return provider.add_pinned_key(key_id)
        raise


def writing_key_id() -> str:
    return settings.ANNEX_AUDIT_KEY_ID


def link_key(key_id: str, *, create: bool = False) -> bytes:
    """The HMAC key of event links made under `key_id`; UnknownKeyError if the provider lacks it."""
    return _derive(_raw_key(key_id, create=create), LINK_INFO)


def checkpoint_key(key_id: str, *, create: bool = False) -> bytes:
    return _derive(_raw_key(key_id, create=create), CHECKPOINT_INFO)


def keyed_link(key: bytes, prev_hash: str, canonical: bytes) -> str:
    return hmac.digest(key, prev_hash.encode() + canonical, "sha256").hex()


class LinkHasher:
    """keyed_link() under one key for many events: HMAC-SHA256 as RFC 2104 defines it, with the two padded-key
    states computed once, so each event costs two hash copies instead of a new HMAC (the verifier's hot loop;
    a property test holds it to keyed_link)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes):
        block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __call__(self, prev_hash: str, canonical: bytes) -> str:
        inner = self._inner.copy()
        inner.update(prev_hash.encode() + canonical)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def sign(key: bytes, payload: bytes) -> str:
    return hmac.digest(key, payload, "sha256").hex()


def signature_matches(key: bytes, payload: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(key, payload), signature)

