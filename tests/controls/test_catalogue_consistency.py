"""The catalogue does not contradict itself: what it says about the end of the contract matches its backups,
it offers only what Art. 28(3)(g) GDPR allows, and it states data quality instead of declaring it not applicable."""

import re

from controls.catalogue_loader import read_catalogue

END_OF_CONTRACT_CATEGORIES = {"limited_retention", "portability_erasure"}
# Art. 28(3)(g): at the end of the services the processor deletes or returns the data; anonymisation is not one of
# the controller's choices there.
ANONYMISATION_AS_AN_ALTERNATIVE = re.compile(r"\b(delet\w*|eras\w*|return\w*)\s+(\w+\s+){0,2}or\s+(\w+\s+){0,1}anonymi",
                                             re.IGNORECASE)


def _catalogue():
    data = read_catalogue()
    return {c["reference"]: c for c in data["controls"]}, {s["id"]: s for s in data["categories"]}


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_backup_expiry_after_the_contract_ends_is_the_time_backups_are_kept():
    controls, categories = _catalogue()
    kept_days = controls["TOM-BCK-01"]["parameters"]["retention_days"]
    stating = [c for c in controls.values() if "backup_expiry_days" in (c.get("parameters") or {})]
    assert {c["reference"] for c in stating} >= {"TOM-RET-01", "TOM-ERA-01"}
    for control in stating:
        assert control["parameters"]["backup_expiry_days"] == kept_days, control["reference"]
        assert f"{kept_days} days" in _words(control["description"]), control["reference"]
    live_days = {c["parameters"]["after_contract_end_days"] for c in stating}
    assert len(live_days) == 1, "every measure gives the same deletion deadline after the contract ends"
    statement = _words(categories["limited_retention"]["statement"])
    assert f"within {live_days.pop()} days" in statement and f"{kept_days} days later" in statement


def test_no_end_of_contract_measure_offers_anonymisation_instead_of_return_or_deletion():
    controls, categories = _catalogue()
    texts = {cat: _words(categories[cat]["statement"]) for cat in END_OF_CONTRACT_CATEGORIES}
    for control in controls.values():
        if control["scc_category"] in END_OF_CONTRACT_CATEGORIES or "28(3)(g)" in control["description"]:
            params = " ".join(str(v) for v in (control.get("parameters") or {}).values())
            texts[control["reference"]] = _words(f"{control['title']}. {control['description']} {params}")
            assert "anonymi" not in params.lower(), control["reference"]
    offending = {where: text for where, text in texts.items() if ANONYMISATION_AS_AN_ALTERNATIVE.search(text)}
    assert not offending


def test_data_quality_is_stated_with_its_measures_not_marked_not_applicable():
    controls, categories = _catalogue()
    data_quality = categories["data_quality"]
    assert data_quality["applicable"] is True
    assert "not applicable" not in data_quality["statement"].lower()
    assert [c["reference"] for c in controls.values() if c["scc_category"] == "data_quality"]
