import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

import incidents
from incidents.assessment import AssessmentInputError, assess
from tests.incidents.factories import ASSESSMENT_INPUT

REFERENCE = json.loads((Path(incidents.__file__).parent / "reference" / "enisa-breach-severity.json").read_text(
    encoding="utf-8"))

BASE = {
    "data_category": "simple", "context_adjustment": 0, "ease_of_identification": "maximum",
    "confidentiality": "none", "integrity": "none", "availability": "none", "malicious": False,
    "encrypted_unintelligible": False, "subsequent_measures": False, "subjects": 10,
}


def _input(**changes):
    return {**BASE, **changes}


# ENISA Annex 1 worked examples (reference/enisa-breach-severity.json): the category's basic score, adjusted
# in whole steps for the context, gives the DPC the example states. With EI = 1 and no circumstances the
# severity equals the DPC.
ANNEX_1 = [
    ("financial", -2, 1, "card details over ten years old, cards no longer valid"),
    ("financial", -1, 2, "online-shop data, not enough for transactions"),
    ("financial", 0, 3, "bank card data plus one year of purchases: no alteration"),
    ("financial", 1, 4, "full card details usable for fraud"),
    ("behavioural", -1, 1, "social network data already public"),
    ("behavioural", 0, 2, "one month of preferences: no alteration"),
    ("behavioural", 1, 3, "one year: a detailed profile"),
    ("behavioural", 2, 4, "messages exposing sexual life or health"),
    ("simple", 0, 1, "supermarket customer list"),
    ("simple", 3, 4, "list of undercover officers"),
    ("sensitive", -3, 1, "performed general blood tests"),
    ("sensitive", 0, 4, "actual test results"),
]


@pytest.mark.parametrize(("category", "adjustment", "dpc", "case"), ANNEX_1)
def test_the_data_processing_context_matches_the_enisa_worked_examples(category, adjustment, dpc, case):
    result = assess(_input(data_category=category, context_adjustment=adjustment))
    assert result.dpc == dpc, case
    assert result.score == Decimal(dpc)


def test_the_worked_examples_agree_with_the_reference_file():
    """Scores, levels and bands of the code are those of the ENISA reference kept with the app."""
    examples = {e["category"]: e for e in REFERENCE["dpc"]["annex_1_worked_examples"] if "cases" in e}
    base = {b["category"]: b["basic_score"] for b in REFERENCE["dpc"]["base_scores"]}
    stated = {(c, case["score"]) for c, e in examples.items() for case in e["cases"]}
    ours = {(category, dpc) for category, adjustment, dpc, _ in ANNEX_1 if category in examples}
    assert ours <= stated
    for category, adjustment, dpc, _ in ANNEX_1:
        assert base[category] + adjustment == dpc


def test_the_dpc_stays_within_one_to_four():
    assert assess(_input(data_category="sensitive", context_adjustment=3)).dpc == 4
    assert assess(_input(data_category="simple", context_adjustment=-3)).dpc == 1


@pytest.mark.parametrize(("score_input", "band"), [
    ({"ease_of_identification": "maximum"}, "low"),  # 1 x 1 = 1
    ({"data_category": "behavioural"}, "medium"),  # exactly 2: the higher band
    ({"data_category": "financial"}, "high"),  # 3
    ({"data_category": "sensitive"}, "very_high"),  # 4
    ({"data_category": "financial", "ease_of_identification": "significant", "confidentiality": "unknown_recipients",
      "malicious": True}, "high"),  # 3 x 0.75 + 0.5 + 0.5 = 3.25
])
def test_bands_put_a_boundary_score_in_the_higher_band(score_input, band):
    assert assess(_input(**score_input)).band == band


def test_circumstances_add_up():
    result = assess(_input(data_category="behavioural", ease_of_identification="limited",
                           confidentiality="known_recipients", integrity="altered_recoverable",
                           availability="permanent", malicious=True))
    assert result.score == Decimal("2") * Decimal("0.5") + Decimal("1.5")


def test_a_low_severity_breach_is_not_notified_to_the_authority():
    result = assess(_input())
    assert result.notify_supervisory_authority is False
    assert any("Art. 33(1)" in r for r in result.reasons)


def test_a_high_risk_breach_is_notified_and_communicated():
    result = assess(ASSESSMENT_INPUT)
    assert result.band == "very_high"
    assert result.notify_supervisory_authority is True
    assert result.communicate_to_data_subjects is True


def test_unintelligible_data_exempt_the_communication_under_art_34_3_a():
    result = assess(dict(ASSESSMENT_INPUT, encrypted_unintelligible=True))
    assert result.communicate_to_data_subjects is False
    assert any("34(3)(a)" in r for r in result.reasons)


def test_subsequent_measures_exempt_the_communication_under_art_34_3_b():
    result = assess(dict(ASSESSMENT_INPUT, subsequent_measures=True))
    assert result.communicate_to_data_subjects is False
    assert result.notify_supervisory_authority is True  # the authority is still told
    assert any("34(3)(b)" in r for r in result.reasons)


@pytest.mark.parametrize(("field", "value"), [
    ("data_category", "medical"), ("context_adjustment", 4), ("context_adjustment", True),
    ("ease_of_identification", 1), ("malicious", "yes"), ("subjects", -1), ("subjects", 1.5),
])
def test_invalid_values_name_their_field(field, value):
    with pytest.raises(AssessmentInputError) as refused:
        assess(_input(**{field: value}))
    assert refused.value.field == field


def _run(tmp_path, data, capsys):
    path = tmp_path / "breach.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    call_command("assess_breach", str(path))
    return json.loads(capsys.readouterr().out)


def test_assess_breach_prints_one_json_object(tmp_path, capsys):
    out = _run(tmp_path, ASSESSMENT_INPUT, capsys)
    assert set(out) == {"score", "band", "notify_supervisory_authority", "communicate_to_data_subjects", "reasons"}
    assert out["score"] == 4.0 and out["band"] == "very_high"
    assert out["notify_supervisory_authority"] is True and out["communicate_to_data_subjects"] is True
    assert all(isinstance(r, str) for r in out["reasons"])


@pytest.mark.parametrize("missing", sorted(BASE))
def test_assess_breach_rejects_a_missing_field_with_exit_2(tmp_path, capsys, missing):
    data = dict(BASE)
    del data[missing]
    path = tmp_path / "breach.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SystemExit) as exited:
        call_command("assess_breach", str(path))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert missing in captured.err and captured.out == ""


def test_assess_breach_rejects_malformed_json_with_exit_2(tmp_path, capsys):
    path = tmp_path / "breach.json"
    path.write_text("{not json")
    with pytest.raises(SystemExit) as exited:
        call_command("assess_breach", str(path))
    assert exited.value.code == 2


def test_the_method_constants_are_those_of_the_reference_file():
    from incidents import assessment

    assert {b["category"]: b["basic_score"] for b in REFERENCE["dpc"]["base_scores"]} == assessment.DATA_CATEGORIES
    assert [Decimal(str(level["score"])) for level in REFERENCE["ei"]["levels"]] == list(
        assessment.EASE_OF_IDENTIFICATION.values())
    elements = REFERENCE["cb"]["elements"]
    assert [Decimal(str(s["points"])) for s in elements["loss_of_confidentiality"]["scores"]] == list(
        assessment.CONFIDENTIALITY.values())
    assert [Decimal(str(s["points"])) for s in elements["loss_of_integrity"]["scores"]] == list(
        assessment.INTEGRITY.values())
    assert [Decimal(str(s["points"])) for s in elements["loss_of_availability"]["scores"]] == list(
        assessment.AVAILABILITY.values())
    assert Decimal(str(elements["malicious_intent"]["points"])) == assessment.MALICIOUS_POINTS
    bounds = {level["level"].lower().replace(" ", "_"): level["min_inclusive"]
              for level in REFERENCE["severity_levels"]}
    assert all(assessment.band_for(Decimal(str(v))) == band for band, v in bounds.items() if v is not None)
