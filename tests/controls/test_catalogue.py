"""The TOM catalogue: complete against the seed statement, valid, and idempotent to load."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from controls.catalogue_loader import CATALOGUE_FILE, CatalogueError, load_catalogue, read_catalogue
from controls.categories import category_ids
from controls.models import CategoryStatement, Control
from controls.services import control_update
from portal.audit.models import AuditEvent
from tests.factories import UserFactory

SEED_FILE = Path(CATALOGUE_FILE).parent / "tom-seed.txt"

# Each measure named in the seed statement (as worded there) -> the text a control must carry for it.
SEED_MEASURES = {
    "TLS 1.3": "TLS 1.3",
    "AES-256": "AES-256",
    "hardware security modules": "hardware security modules",
    "AWS KMS": "AWS KMS",
    "multi-factor authentication": "multi-factor authentication",
    "role-based access": "role-based access",
    "automated logging": "logged automatically",
    "audit trails": "audit trails",
    "network segmentation": "network segmentation",
    "virtual private networks": "virtual private network",
    "Firewalls": "firewalls",
    "intrusion detection systems": "intrusion detection",
    "endpoint protection": "endpoint",
    "vulnerability assessments": "vulnerability assessments",
    "penetration testing": "penetration test",
    "patched promptly": "patched promptly",
    "redundant backup": "redundant encrypted backups",
    "training employees on data protection principles": "training on data protection principles",
    "incident response protocols": "incident response protocols",
    "refresher courses": "refresher courses",
    "incident response team": "incident response team",
    "containment and notification process": "containment and breach notification",
    "data retention policy": "data retention policy",
    "securely deleted or anonymized": "securely deleted",
    "anonymized": "anonymised",
    "biometric access controls": "biometric access control",
    "24/7 surveillance": "24/7 video surveillance",
    "continuous monitoring of systems for anomalies": "continuous monitoring of systems for anomalies",
}


@pytest.fixture
def loaded(db):
    load_catalogue()
    return list(Control.objects.all())


def _text(control: Control) -> str:
    params = " ".join(f"{k} {v}" for k, v in control.parameters.items())
    return f"{control.title} {control.description} {params}".lower()


def test_every_measure_quoted_is_named_in_the_seed_statement():
    seed = " ".join(SEED_FILE.read_text(encoding="utf-8").split()).lower()
    missing = [phrase for phrase in SEED_MEASURES if phrase.lower() not in seed]
    assert not missing


def test_every_measure_of_the_seed_statement_is_a_control(loaded):
    texts = [_text(c) for c in loaded]
    missing = [measure for measure, wording in SEED_MEASURES.items() if not any(wording.lower() in t for t in texts)]
    assert not missing, f"no control for: {missing}"


def test_every_control_has_one_of_the_17_category_ids(loaded):
    assert len(category_ids()) == 17
    assert loaded
    assert all(c.scc_category in category_ids() for c in loaded)


def test_every_category_is_covered_or_marked_not_applicable_with_a_reason(loaded):
    covered = {c.scc_category for c in loaded}
    statements = {s.scc_category: s for s in CategoryStatement.objects.all()}
    assert set(statements) == set(category_ids())
    for cat in category_ids():
        if cat not in covered:
            assert not statements[cat].applicable, cat
            assert len(statements[cat].statement) > 80, cat


def test_controls_are_described_specifically(loaded):
    for control in loaded:
        assert len(control.description) >= 120, control.reference
        assert control.art32_points == sorted(set(control.art32_points))


def test_rerunning_the_load_changes_nothing(loaded):
    before = {c.reference: (c.version, c.catalogue_hash) for c in Control.objects.all()}
    events = AuditEvent.objects.count()
    report = load_catalogue()
    assert not report.changed and not report.conflicts
    assert len(report.unchanged) == len(before)
    assert {c.reference: (c.version, c.catalogue_hash) for c in Control.objects.all()} == before
    assert AuditEvent.objects.count() == events


def test_the_command_says_when_there_is_nothing_to_change(loaded):
    out = StringIO()
    call_command("load_tom_catalogue", stdout=out)
    assert "Nothing to change" in out.getvalue()


def test_a_dry_run_reports_but_writes_nothing(db):
    out = StringIO()
    call_command("load_tom_catalogue", "--dry-run", stdout=out)
    assert "would have created" in out.getvalue()
    assert Control.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_first_load_writes_one_audit_event_per_control_and_a_summary(db):
    report = load_catalogue()
    assert AuditEvent.objects.filter(action="control.created").count() == len(report.created)
    assert AuditEvent.objects.filter(action="control.catalogue_loaded").count() == 1


def _edited_catalogue(tmp_path, reference: str, **changes) -> Path:
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    entry = next(c for c in data["controls"] if c["reference"] == reference)
    entry.update(changes)
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_catalogue_change_updates_a_control_not_edited_locally(loaded, tmp_path):
    path = _edited_catalogue(tmp_path, "TOM-TRN-01", parameters={"tls_min_version": "1.3", "hsts_seconds": 63072000})
    report = load_catalogue(path=path)
    assert report.updated == ["TOM-TRN-01"]
    control = Control.objects.get(reference="TOM-TRN-01")
    assert control.parameters["hsts_seconds"] == 63072000
    assert control.version == 2
    assert load_catalogue(path=path).changed is False


def test_a_local_edit_is_reported_as_a_conflict_and_kept(loaded, tmp_path):
    dpo = UserFactory(roles=["DPO"])
    control = Control.objects.get(reference="TOM-TRN-01")
    control_update(control=control, actor=dpo, expected_version=control.version, title="TLS 1.3 everywhere, locally")
    path = _edited_catalogue(tmp_path, "TOM-TRN-01", title="TLS 1.3 on every connection")
    out = StringIO()
    call_command("load_tom_catalogue", "--file", str(path), stdout=out)
    assert "conflict: TOM-TRN-01" in out.getvalue()
    assert Control.objects.get(reference="TOM-TRN-01").title == "TLS 1.3 everywhere, locally"


def test_local_edits_survive_a_rerun_of_an_unchanged_catalogue(loaded):
    dpo = UserFactory(roles=["DPO"])
    control = Control.objects.get(reference="TOM-BCK-01")
    control_update(control=control, actor=dpo, expected_version=control.version, review_cadence_months=3)
    report = load_catalogue()
    assert not report.changed and not report.conflicts
    assert Control.objects.get(reference="TOM-BCK-01").review_cadence_months == 3


def test_an_invalid_catalogue_is_refused_with_every_reason(db, tmp_path):
    path = _edited_catalogue(tmp_path, "TOM-ENC-01", scc_category="encryption", related=["TOM-NOPE-01"])
    with pytest.raises(CatalogueError) as excinfo:
        read_catalogue(path)
    message = str(excinfo.value)
    assert "unknown SCC category 'encryption'" in message
    assert "TOM-NOPE-01" in message
    assert Control.objects.count() == 0
