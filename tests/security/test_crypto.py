import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.security.crypto import (
    DEFAULT_CHUNK_SIZE,
    DecryptingStream,
    decrypt_bytes,
    decrypt_text,
    encrypt_bytes,
    encrypt_stream,
    encrypt_text,
    envelope_key_id,
)
from portal.security.errors import MalformedCiphertext, TamperedCiphertext, UnknownKeyError
from portal.security.keys import LocalKeyringProvider

PURPOSE = "evidence:42"


def flip_bit(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def stream_encrypt(plaintext: bytes, *, purpose=PURPOSE, chunk_size=DEFAULT_CHUNK_SIZE, provider=None) -> bytes:
    target = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), target, purpose=purpose, chunk_size=chunk_size, provider=provider)
    return target.getvalue()


def stream_decrypt(envelope: bytes, *, purpose=PURPOSE, provider=None) -> bytes:
    return b"".join(DecryptingStream(io.BytesIO(envelope), purpose=purpose, provider=provider))


# --- Blobs and text -----------------------------------------------------------------------------


def test_bytes_round_trip_and_name_the_current_key(provider):
    envelope = encrypt_bytes(b"payroll export", purpose=PURPOSE)
    assert envelope.startswith(b"ANX\x01B")
    assert envelope_key_id(envelope) == "k1"
    assert b"payroll" not in envelope
    assert decrypt_bytes(envelope, purpose=PURPOSE) == b"payroll export"


def test_the_same_plaintext_encrypts_differently_each_time(provider):
    assert encrypt_bytes(b"same", purpose=PURPOSE) != encrypt_bytes(b"same", purpose=PURPOSE)


def test_text_round_trips_as_base64(provider):
    sealed = encrypt_text("Name: Jürgen Weiß, born 1970", purpose="field:incidents.incident.description:7")
    assert sealed.isascii()
    assert "Jürgen" not in sealed
    assert decrypt_text(sealed, purpose="field:incidents.incident.description:7") == "Name: Jürgen Weiß, born 1970"


def test_a_flipped_bit_anywhere_in_a_blob_is_detected(provider):
    envelope = encrypt_bytes(b"breach of customer records", purpose=PURPOSE)
    header_end = 6 + len("k1")
    for position in [header_end, header_end + 5, header_end + 12, len(envelope) - 20, len(envelope) - 1]:
        with pytest.raises(TamperedCiphertext):
            decrypt_bytes(flip_bit(envelope, position), purpose=PURPOSE)


def test_a_blob_cannot_be_opened_for_another_purpose(provider):
    envelope = encrypt_bytes(b"evidence of customer A", purpose="evidence:1")
    with pytest.raises(TamperedCiphertext, match="another purpose"):
        decrypt_bytes(envelope, purpose="evidence:2")


def test_a_blob_relabelled_with_another_key_id_fails(provider):
    provider.add_key()
    envelope = encrypt_bytes(b"secret", purpose=PURPOSE)  # under k2
    relabelled = envelope.replace(b"k2", b"k1", 1)
    with pytest.raises(TamperedCiphertext):
        decrypt_bytes(relabelled, purpose=PURPOSE)


def test_a_blob_naming_an_unknown_key_is_refused(provider):
    envelope = encrypt_bytes(b"secret", purpose=PURPOSE).replace(b"k1", b"k7", 1)
    with pytest.raises(UnknownKeyError, match="k7"):
        decrypt_bytes(envelope, purpose=PURPOSE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an Annex"),
        (b"plain text", "not an Annex"),
        (b"ANX\x09B\x02k1" + bytes(40), "unsupported envelope version 9"),
        (b"ANX\x01B\x09k1", "cut short"),
        (b"ANX\x01S\x02k1" + bytes(40), "not a blob"),
    ],
)
def test_something_that_is_not_a_blob_is_refused_clearly(provider, data, message):
    with pytest.raises(MalformedCiphertext, match=message):
        decrypt_bytes(data, purpose=PURPOSE)


def test_a_blob_cut_before_its_tag_is_refused(provider):
    envelope = encrypt_bytes(b"", purpose=PURPOSE)
    with pytest.raises(TamperedCiphertext):
        decrypt_bytes(envelope[:-1], purpose=PURPOSE)


def test_ciphertext_stays_readable_after_a_rotation(provider):
    old = encrypt_bytes(b"written under k1", purpose=PURPOSE)
    assert provider.add_key() == "k2"
    new = encrypt_bytes(b"written under k2", purpose=PURPOSE)
    assert (envelope_key_id(old), envelope_key_id(new)) == ("k1", "k2")
    assert decrypt_bytes(old, purpose=PURPOSE) == b"written under k1"
    assert decrypt_bytes(new, purpose=PURPOSE) == b"written under k2"


def test_an_empty_purpose_is_refused(provider):
    with pytest.raises(ValueError, match="purpose"):
        encrypt_bytes(b"x", purpose="")


# --- Streams ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 128, 1000])
def test_streams_of_every_length_round_trip(provider, size):
    plaintext = bytes(range(256)) * (size // 256 + 1)
    plaintext = plaintext[:size]
    assert stream_decrypt(stream_encrypt(plaintext, chunk_size=64)) == plaintext


def test_a_stream_opens_only_for_its_own_purpose(provider):
    envelope = stream_encrypt(b"evidence for record 1", purpose="evidence:1")
    with pytest.raises(TamperedCiphertext):
        stream_decrypt(envelope, purpose="evidence:2")


def test_a_flipped_bit_in_a_stream_chunk_is_detected(provider):
    envelope = stream_encrypt(b"x" * 300, chunk_size=64)
    with pytest.raises(TamperedCiphertext, match="chunk 2"):
        stream_decrypt(flip_bit(envelope, len(envelope) - 150))


def test_a_flipped_bit_in_the_stream_header_is_detected(provider):
    envelope = stream_encrypt(b"x" * 300, chunk_size=64)
    salt_position = 6 + 2 + 4 + 3
    with pytest.raises(TamperedCiphertext, match="chunk 0"):
        stream_decrypt(flip_bit(envelope, salt_position))


def sealed_chunks(envelope: bytes, chunk_size: int) -> tuple[bytes, list[bytes]]:
    header_len = 6 + 2 + 4 + 16 + 7
    body = envelope[header_len:]
    step = chunk_size + 16
    return envelope[:header_len], [body[i : i + step] for i in range(0, len(body), step)]


def test_a_stream_truncated_at_a_chunk_boundary_is_detected(provider):
    envelope = stream_encrypt(b"y" * 256, chunk_size=64)
    header, chunks = sealed_chunks(envelope, 64)
    assert len(chunks) == 4
    with pytest.raises(TamperedCiphertext, match="chunk 2"):
        stream_decrypt(header + b"".join(chunks[:3]))


def test_a_stream_cut_inside_a_chunk_is_detected(provider):
    envelope = stream_encrypt(b"y" * 256, chunk_size=64)
    with pytest.raises(TamperedCiphertext):
        stream_decrypt(envelope[:-10])


def test_reordered_stream_chunks_are_detected(provider):
    envelope = stream_encrypt(bytes(range(200)), chunk_size=64)
    header, chunks = sealed_chunks(envelope, 64)
    chunks[0], chunks[1] = chunks[1], chunks[0]
    with pytest.raises(TamperedCiphertext, match="chunk 0"):
        stream_decrypt(header + b"".join(chunks))


def test_a_duplicated_stream_chunk_is_detected(provider):
    envelope = stream_encrypt(bytes(range(200)), chunk_size=64)
    header, chunks = sealed_chunks(envelope, 64)
    with pytest.raises(TamperedCiphertext):
        stream_decrypt(header + chunks[0] + b"".join(chunks))


def test_a_chunk_spliced_in_from_another_file_is_detected(provider):
    first = sealed_chunks(stream_encrypt(b"a" * 200, chunk_size=64), 64)
    second = sealed_chunks(stream_encrypt(b"b" * 200, chunk_size=64), 64)
    spliced = first[0] + first[1][0] + second[1][1] + b"".join(first[1][2:])
    with pytest.raises(TamperedCiphertext, match="chunk 1"):
        stream_decrypt(spliced)


def test_a_stream_naming_an_unknown_key_fails_before_any_plaintext(provider):
    envelope = stream_encrypt(b"z" * 100).replace(b"k1", b"k5", 1)
    with pytest.raises(UnknownKeyError):
        DecryptingStream(io.BytesIO(envelope), purpose=PURPOSE)


def test_a_stream_header_with_an_absurd_chunk_size_is_refused(provider):
    envelope = bytearray(stream_encrypt(b"z" * 100))
    envelope[8:12] = (2**31).to_bytes(4, "big")
    with pytest.raises(MalformedCiphertext, match="chunk size"):
        DecryptingStream(io.BytesIO(bytes(envelope)), purpose=PURPOSE)


def test_a_blob_is_not_accepted_as_a_stream(provider):
    with pytest.raises(MalformedCiphertext, match="not a stream"):
        DecryptingStream(io.BytesIO(encrypt_bytes(b"x" * 100, purpose=PURPOSE)), purpose=PURPOSE)


def test_a_stream_stays_readable_after_a_rotation(provider):
    envelope = stream_encrypt(b"old evidence" * 1000)
    provider.add_key()
    assert stream_decrypt(envelope) == b"old evidence" * 1000


# --- Properties ---------------------------------------------------------------------------------

_PROVIDER = None


def fixed_provider(tmp_path_factory):
    global _PROVIDER
    if _PROVIDER is None:
        _PROVIDER = LocalKeyringProvider(tmp_path_factory.mktemp("prop") / "keyring.json")
    return _PROVIDER


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), purpose=st.text(min_size=1, max_size=40))
def test_any_bytes_round_trip_as_a_blob(tmp_path_factory, data, purpose):
    keys = fixed_provider(tmp_path_factory)
    envelope = encrypt_bytes(data, purpose=purpose, provider=keys)
    assert decrypt_bytes(envelope, purpose=purpose, provider=keys) == data
    with pytest.raises(TamperedCiphertext):
        decrypt_bytes(envelope, purpose=purpose + "x", provider=keys)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048), chunk_size=st.integers(min_value=16, max_value=300))
def test_any_bytes_round_trip_as_a_stream_with_any_chunk_size(tmp_path_factory, data, chunk_size):
    keys = fixed_provider(tmp_path_factory)
    envelope = stream_encrypt(data, chunk_size=chunk_size, provider=keys)
    assert stream_decrypt(envelope, provider=keys) == data
    expected_chunks = max(1, -(-len(data) // chunk_size))
    assert len(envelope) == 6 + 2 + 4 + 16 + 7 + len(data) + 16 * expected_chunks


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=600), cut=st.integers(min_value=1))
def test_any_shortened_stream_is_refused(tmp_path_factory, data, cut):
    keys = fixed_provider(tmp_path_factory)
    envelope = stream_encrypt(data, chunk_size=64, provider=keys)
    shortened = envelope[: len(envelope) - 1 - cut % (len(envelope) - 1)]
    with pytest.raises((TamperedCiphertext, MalformedCiphertext)):
        stream_decrypt(shortened, provider=keys)
