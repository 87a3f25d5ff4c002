"""The API's orjson renderer writes exactly the bytes DRF's JSONRenderer writes."""

import datetime
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from portal.core.renderers import OrjsonRenderer

# JSON without floats (both write the shortest round-trip form, but spell exponents differently: 1e+16, 1e16).
_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
            | st.text(alphabet=st.characters(codec="utf-8")) | st.sampled_from(["\u2028", "a\u2029b", "</script>"]))
_documents = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=5)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_any_document_is_written_byte_for_byte_as_drf_writes_it(document):
    assert OrjsonRenderer().render(document) == JSONRenderer().render(document)


def test_values_drf_encodes_itself_are_written_as_drf_writes_them():
    document = {
        "when": datetime.datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 11, 28), "at": datetime.time(9, 30, 15, 123456),
        "amount": Decimal("12.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "label": gettext_lazy("Control review"), "raw": b"bytes", "pairs": {1, 2},
    }
    assert OrjsonRenderer().render(document) == JSONRenderer().render(document)


def test_what_orjson_cannot_write_takes_drfs_path():
    for document in ({"big": 2**80}, {1: "integer key"}, {"floats": [1e16, 0.1]}):
        assert OrjsonRenderer().render(document) == JSONRenderer().render(document)


def test_an_indented_response_is_drfs():
    context = {"indent": 2}
    assert OrjsonRenderer().render({"a": [1]}, "application/json", context) == JSONRenderer().render(
        {"a": [1]}, "application/json", context)
