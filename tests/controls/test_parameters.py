"""Parameters read as a reader expects them: a label, a unit, and weakening detected by its direction."""

import pytest
import yaml
from django.utils import translation

from controls.catalogue_loader import CATALOGUE_FILE
from controls.parameters import PARAMETERS, described, humanise_key, is_weakened, label, value_text


def catalogue_parameters() -> dict[str, set]:
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    found: dict[str, set] = {}
    for control in data["controls"]:
        for key, value in (control.get("parameters") or {}).items():
            found.setdefault(key, set()).add(value)
    return found


def catalogue_parameter_keys() -> list[str]:
    """The catalogue's snake_case parameter keys: none of them may reach a reader. (A one-word key such as
    "scope" is an ordinary word that legal text uses too; test_parameters checks its label instead.)"""
    return sorted(key for key in catalogue_parameters() if "_" in key)


def test_every_parameter_of_the_catalogue_has_a_label_in_the_registry():
    assert set(catalogue_parameters()) - set(PARAMETERS) == set()


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_label_or_value_of_the_catalogue_reads_as_a_field_name(language):
    with translation.override(language):
        for key, values in catalogue_parameters().items():
            assert "_" not in label(key), key
            for value in values:
                assert "_" not in value_text(key, value), (key, value)


def test_values_carry_their_unit():
    with translation.override("en"):
        assert described({"tls_min_version": "1.3", "hsts_seconds": 31536000}) == [
            ("HSTS", "1 year"), ("Minimum TLS version", "1.3")]
        assert value_text("rpo_minutes", 15) == "15 minutes"
        assert value_text("rto_hours", 1) == "1 hour"
        assert value_text("pass_mark_percent", 80) == "80 %"
        assert value_text("sms_allowed", False) == "No"
        assert value_text("forwarding_delay_seconds", 90) == "90 seconds"
        assert value_text("forwarding_delay_seconds", 120) == "2 minutes"
        assert value_text("frequency", "quarterly") == "quarterly"


def test_values_and_labels_are_german_in_a_german_document():
    with translation.override("de"):
        assert label("tls_min_version") == "Minimale TLS-Version"
        assert value_text("hsts_seconds", 31536000) == "1 Jahr"
        assert value_text("rpo_minutes", 15) == "15 Minuten"
        assert value_text("frequency", "quarterly") == "vierteljährlich"
        assert value_text("mfa_required", True) == "Ja"


def test_an_unknown_key_is_spaced_out_and_capitalised():
    assert humanise_key("log_forwarding_sla") == "Log forwarding sla"
    assert label("badge-colour") == "Badge colour"


@pytest.mark.parametrize(("key", "before", "after"), [
    ("tls_min_version", "1.3", "1.2"),
    ("retention_months", 12, 6),  # a shorter log retention
    ("critical_hours", 72, 96),  # a longer patch window
    ("frequency", "weekly", "monthly"),
    ("mfa_required", True, False),
    ("sms_allowed", False, True),
    ("copies", 3, 2),
])
def test_a_weaker_value_is_a_reduction(key, before, after):
    assert is_weakened(key, before, after)
    assert not is_weakened(key, after, before)


@pytest.mark.parametrize(("key", "before", "after"), [
    ("cipher", "AES-256-GCM", "ChaCha20-Poly1305"),  # free text: a change, not a reduction
    ("retention_days", 35, 30),  # backups kept shorter: better for erasure, worse for restore
    ("unknown_key", 1, 2),
    ("tls_min_version", "1.3", "latest"),  # cannot be compared
    ("frequency", "weekly", "weekly"),
])
def test_a_change_that_cannot_be_ranked_is_not_a_reduction(key, before, after):
    assert not is_weakened(key, before, after)
