"""canonical_bytes writes exactly the bytes of the whole event through the canonical JSON encoder."""

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.audit.models import canonical_bytes, canonical_changes, normalise_ip


def _reference(seq, created_at, actor_id, actor_label, action, target_type, target_id, target_label, changes, ip,
               user_agent, request_id) -> bytes:
    """The definition: the whole event as one sorted-key compact JSON object."""
    if not isinstance(created_at, str):
        created_at = created_at.astimezone(UTC).isoformat(timespec="microseconds")
    event = {"seq": seq, "created_at": created_at, "actor_id": actor_id, "actor_label": actor_label,
             "action": action, "target_type": target_type, "target_id": target_id, "target_label": target_label,
             "changes": changes, "ip": normalise_ip(ip), "user_agent": user_agent, "request_id": request_id}
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)  # any character a column can hold
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]))
events = st.tuples(
    st.integers(min_value=1, max_value=2**62),
    times | times.map(lambda t: t.astimezone(UTC).isoformat(timespec="microseconds")),
    st.none() | st.integers(min_value=1, max_value=2**31),
    text, text, text,
    text | st.integers(),  # a target id written before it was stored as text
    text,
    json_values,
    st.none() | st.sampled_from(["192.0.2.10", "::ffff:192.0.2.10", "2001:db8::1", "not an address", ""]),
    text, text,
)


@settings(max_examples=400, deadline=None)
@given(events)
def test_canonical_bytes_equal_the_whole_event_through_the_encoder(event):
    assert canonical_bytes(*event) == _reference(*event)


@settings(max_examples=300, deadline=None)
@given(events, st.sampled_from([{}, {"indent": 2}, {"separators": (", ", ": ")}, {"ensure_ascii": True}]))
def test_changes_read_as_stored_json_text_give_the_same_bytes(event, spelling):
    """The verifier reads `changes` as the database's JSON text, in whatever spelling it keeps it."""
    stored = json.dumps(event[8], **spelling)
    event = list(event)
    event[8] = json.loads(stored)
    from_text = [*event[:8], canonical_changes(stored), *event[9:]]
    assert canonical_bytes(*from_text) == _reference(*event)
    from_text[2] = True  # a value of another type: the whole event through the encoder
    assert canonical_bytes(*from_text) == _reference(*from_text[:8], event[8], *from_text[9:])


def test_long_changes_read_as_stored_json_text_are_written_afresh_and_still_match():
    changes = {"note": "ü" * 600, "items": list(range(50))}
    event = [1, "2026-11-27T12:00:00.000000+00:00", None, "a", "b", "t", "1", "l", changes, None, "", ""]
    from_text = [*event[:8], canonical_changes(json.dumps(changes, indent=1)), *event[9:]]
    assert canonical_bytes(*from_text) == _reference(*event)


def test_values_of_other_types_take_the_encoder_and_still_match():
    event = [7, datetime(2026, 11, 27, 12, 0, tzinfo=UTC), True, "Ann", "x", "t", 3.5, "label", {"b": 1, "a": [1, 2]},
             None, "agent", "req"]
    assert canonical_bytes(*event) == _reference(*event)
    assert canonical_bytes(*event).startswith(b'{"action":"x","actor_id":true,')


def test_strings_are_escaped_as_json_and_not_ascii_escaped():
    event = [1, "2026-11-27T12:00:00.000000+00:00", None, 'Zoë "Q" \\ \n\t\x00', "a", "t", "1", "ü", {}, None, "", ""]
    out = canonical_bytes(*event)
    assert out == _reference(*event)
    assert '"actor_label":"Zoë \\"Q\\" \\\\ \\n\\t\\u0000"'.encode() in out


@settings(max_examples=200, deadline=None)
@given(key=st.binary(min_size=1, max_size=100), prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
       canonical=st.binary(max_size=2000))
def test_the_verifiers_link_hasher_is_the_writers_hmac(key, prev, canonical):
    from portal.audit.keys import LinkHasher, keyed_link

    assert LinkHasher(key)(prev, canonical) == keyed_link(key, prev, canonical)
