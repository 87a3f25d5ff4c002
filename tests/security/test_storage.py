import hashlib
import io
import os
import stat
import tracemalloc

import pytest
from django.http import StreamingHttpResponse

from portal.security.errors import FileTooLarge, TamperedCiphertext, UnknownKeyError
from portal.security.storage import (
    delete_encrypted,
    encrypted_files_root,
    file_key_id,
    open_decrypted,
    read_decrypted,
    reencrypt_file,
    store_encrypted,
    store_encrypted_bytes,
)

PURPOSE = "evidence:42"
PLAINTEXT = b"Firewall review 2025: rule set exported from fw-01, 312 rules, owner Jane Roe.\n" * 50


def all_stored_files():
    root = encrypted_files_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_stored_file_round_trips_with_hash_size_and_key_id(provider):
    stored = store_encrypted(io.BytesIO(PLAINTEXT), purpose=PURPOSE)
    assert stored.path.startswith("evidence/") and stored.path.endswith(".enc")
    assert stored.size == len(PLAINTEXT)
    assert stored.sha256 == hashlib.sha256(PLAINTEXT).hexdigest()
    assert stored.key_id == "k1"
    assert read_decrypted(stored.path, purpose=PURPOSE) == PLAINTEXT


def test_the_file_on_disk_is_ciphertext_only(provider):
    stored = store_encrypted(io.BytesIO(PLAINTEXT), purpose=PURPOSE)
    on_disk = (encrypted_files_root() / stored.path).read_bytes()
    assert on_disk.startswith(b"ANX\x01S")
    for needle in (b"Firewall", b"Jane Roe", b"fw-01", PLAINTEXT[:16]):
        assert needle not in on_disk
    assert stat.S_IMODE((encrypted_files_root() / stored.path).stat().st_mode) == 0o600


@pytest.mark.django_db  # closing a response signals request_finished, which touches connections
def test_open_decrypted_yields_chunks_for_a_streaming_response_that_closes_the_file(provider):
    stored = store_encrypted_bytes(PLAINTEXT, purpose=PURPOSE)
    stream = open_decrypted(stored.path, purpose=PURPOSE)
    response = StreamingHttpResponse(stream)
    assert b"".join(response.streaming_content) == PLAINTEXT
    response.close()
    assert stream._source.closed


def test_a_file_cannot_be_read_for_another_record(provider):
    stored = store_encrypted_bytes(PLAINTEXT, purpose="evidence:1")
    with pytest.raises(TamperedCiphertext):
        read_decrypted(stored.path, purpose="evidence:2")


def test_a_modified_file_on_disk_is_detected(provider):
    stored = store_encrypted_bytes(PLAINTEXT, purpose=PURPOSE)
    path = encrypted_files_root() / stored.path
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(TamperedCiphertext):
        read_decrypted(stored.path, purpose=PURPOSE)


def test_a_truncated_file_on_disk_is_detected(provider):
    stored = store_encrypted(io.BytesIO(os.urandom(200_000)), purpose=PURPOSE)
    path = encrypted_files_root() / stored.path
    path.write_bytes(path.read_bytes()[: 65536 + 16 + 35 + 2])
    with pytest.raises(TamperedCiphertext):
        read_decrypted(stored.path, purpose=PURPOSE)


def test_an_oversize_file_is_refused_and_nothing_is_left_behind(provider):
    with pytest.raises(FileTooLarge, match="1000 bytes"):
        store_encrypted(io.BytesIO(b"a" * 1001), purpose=PURPOSE, max_bytes=1000)
    assert all_stored_files() == []
    assert store_encrypted(io.BytesIO(b"a" * 1000), purpose=PURPOSE, max_bytes=1000).size == 1000


def test_a_read_failure_midway_leaves_no_partial_file(provider):
    class FailingUpload(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent > 300_000:
                raise OSError("connection reset by client")
            buffer[: len(buffer)] = b"x" * len(buffer)
            self.sent += len(buffer)
            return len(buffer)

    with pytest.raises(OSError, match="connection reset"):
        store_encrypted(FailingUpload(), purpose=PURPOSE)
    assert all_stored_files() == []


@pytest.mark.parametrize("path", ["../keys/keyring.json", "/etc/passwd", "", "evidence/../../outside.enc"])
def test_paths_outside_the_store_are_refused(provider, path):
    with pytest.raises(ValueError, match="not a path inside"):
        open_decrypted(path, purpose=PURPOSE)


def test_a_missing_file_fails_when_opened_not_midway_through_a_response(provider):
    with pytest.raises(FileNotFoundError):
        open_decrypted("evidence/ab/missing.enc", purpose=PURPOSE)


def test_a_file_under_a_retired_key_fails_when_opened(provider):
    stored = store_encrypted_bytes(PLAINTEXT, purpose=PURPOSE)
    provider.add_key()
    provider.retire_key("k1")
    with pytest.raises(UnknownKeyError, match="retired"):
        open_decrypted(stored.path, purpose=PURPOSE)


def test_reencrypting_a_file_moves_it_to_the_current_key_in_place(provider):
    stored = store_encrypted_bytes(PLAINTEXT, purpose=PURPOSE)
    provider.add_key()
    assert reencrypt_file(stored.path, purpose=PURPOSE) == "k2"
    assert file_key_id(stored.path) == "k2"
    assert read_decrypted(stored.path, purpose=PURPOSE) == PLAINTEXT
    assert len(all_stored_files()) == 1


def test_reencrypting_a_damaged_file_leaves_it_as_it_was(provider):
    stored = store_encrypted(io.BytesIO(os.urandom(150_000)), purpose=PURPOSE)
    path = encrypted_files_root() / stored.path
    data = bytearray(path.read_bytes())
    data[-50] ^= 0x01
    path.write_bytes(bytes(data))
    provider.add_key()
    with pytest.raises(TamperedCiphertext):
        reencrypt_file(stored.path, purpose=PURPOSE)
    assert path.read_bytes() == bytes(data)
    assert all_stored_files() == [path]


def test_deleting_a_stored_file_removes_it(provider):
    stored = store_encrypted_bytes(PLAINTEXT, purpose=PURPOSE)
    assert delete_encrypted(stored.path) is True
    assert delete_encrypted(stored.path) is False
    assert all_stored_files() == []


class PatternFile(io.RawIOBase):
    """`size` bytes of a repeating pattern, generated on the fly (no copy of the file in memory)."""

    def __init__(self, size: int):
        self.remaining = size

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.remaining)
        buffer[:count] = (b"0123456789abcdef" * (count // 16 + 1))[:count]
        self.remaining -= count
        return count


def test_a_large_file_is_stored_and_read_in_constant_memory(provider):
    size = 20 * 1024 * 1024
    provider.current_key()  # create the keyring outside the measurement
    tracemalloc.start()
    try:
        stored = store_encrypted(PatternFile(size), purpose=PURPOSE)
        _, store_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        total = 0
        stream = open_decrypted(stored.path, purpose=PURPOSE)
        for chunk in stream:
            total += len(chunk)
        stream.close()
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == total == size
    assert (encrypted_files_root() / stored.path).stat().st_size > size
    assert store_peak < 2 * 1024 * 1024, store_peak
    assert read_peak < 2 * 1024 * 1024, read_peak
