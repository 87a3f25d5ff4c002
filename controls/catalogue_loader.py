"""Loading the TOM catalogue (controls/catalogue/tom_catalogue.yaml) into the inventory.

Each loaded control remembers a fingerprint of its catalogue-managed fields (`catalogue_hash`).
On the next load:
- catalogue entry unchanged                      -> nothing happens;
- catalogue changed, control not edited locally  -> the control is updated;
- catalogue changed and the control edited locally (its fields no longer match its fingerprint),
  or a locally created control with the same reference -> a conflict is reported, nothing overwritten.
Status, owner and review dates are the organisation's own and never come from the catalogue.
Every write goes through the control services (controls/services.py), as a person's would: a new control gets
its first review date one cadence ahead, each control and each category statement its own audit event.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from controls.audit_actions import ControlAction
from controls.categories import category_ids
from controls.models import (
    ART32_POINTS,
    CategoryStatement,
    Control,
    Service,
    reference_validator,
    validate_parameters,
)
from controls.services import (
    CATALOGUE_ACTOR_LABEL,
    category_statement_set_from_catalogue,
    control_create_from_catalogue,
    control_update_from_catalogue,
)
from portal.audit.services import audit_record

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue" / "tom_catalogue.yaml"
MANAGED_FIELDS = (
    "title", "description", "scc_category", "art32_points", "kind", "parameters", "review_cadence_months", "tags",
)
REQUIRED_KEYS = {"reference", "title", "description", "scc_category", "kind"}


class CatalogueError(ValueError):
    """The catalogue file itself is invalid; nothing is loaded."""


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    statements_changed: list[str] = field(default_factory=list)
    services_changed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.statements_changed or self.services_changed)


def fingerprint(values: dict) -> str:
    blob = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def read_catalogue(path: Path = CATALOGUE_FILE) -> dict:
    """Parse and validate the file; every error is collected and raised together."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"Cannot read {path}: {exc}") from exc
    errors: list[str] = []
    known_categories = set(category_ids())
    services = {s["slug"] for s in data.get("services", [])}
    controls = data.get("controls", [])
    references = [c.get("reference") for c in controls]
    seen: set[str] = set()
    for i, c in enumerate(controls, start=1):
        ref = c.get("reference") or f"control #{i}"
        missing = REQUIRED_KEYS - set(c)
        if missing:
            errors.append(f"{ref}: missing {', '.join(sorted(missing))}")
            continue
        if ref in seen:
            errors.append(f"{ref}: reference used twice")
        seen.add(ref)
        try:
            reference_validator(ref)
            validate_parameters(c.get("parameters") or {})
        except ValidationError as exc:
            errors.append(f"{ref}: {' '.join(exc.messages)}")
        if c["scc_category"] not in known_categories:
            errors.append(f"{ref}: unknown SCC category {c['scc_category']!r}")
        if not set(c.get("art32_points") or []) <= set(ART32_POINTS):
            errors.append(f"{ref}: Art. 32(1) points must be among a-d")
        if c["kind"] not in Control.Kind.values:
            errors.append(f"{ref}: kind must be one of {', '.join(Control.Kind.values)}")
        for slug in c.get("services") or []:
            if slug not in services:
                errors.append(f"{ref}: unknown service {slug!r}")
        for other in c.get("related") or []:
            if other not in references or other == ref:
                errors.append(f"{ref}: related control {other!r} is not in the catalogue")
    statements = {s.get("id"): s for s in data.get("categories", [])}
    for cat in known_categories - set(statements):
        errors.append(f"category {cat}: no statement (each of the 17 categories needs one)")
    for cat, s in statements.items():
        if cat not in known_categories:
            errors.append(f"category {cat}: not an SCC category")
        elif not (s.get("statement") or "").strip():
            errors.append(f"category {cat}: statement is empty")
    covered = {c["scc_category"] for c in controls if "scc_category" in c}
    for cat in known_categories - covered:
        if statements.get(cat, {}).get("applicable", True):
            errors.append(f"category {cat}: no control and not marked as not applicable")
    if errors:
        raise CatalogueError("The catalogue is invalid:\n  " + "\n  ".join(errors))
    return data


def folded(text: str) -> str:
    """A text as the inventory stores it: a folded YAML scalar's lines and runs of spaces become single spaces."""
    return " ".join(text.split())


def _entry_values(entry: dict, related: set[str]) -> dict:
    values = {
        "title": entry["title"].strip(),
        "description": folded(entry["description"]),
        "scc_category": entry["scc_category"],
        "art32_points": sorted(set(entry.get("art32_points") or [])),
        "kind": entry["kind"],
        "parameters": dict(entry.get("parameters") or {}),
        "review_cadence_months": int(entry.get("review_cadence_months") or 12),
        "tags": list(entry.get("tags") or []),
        "services": sorted(entry.get("services") or []),
        "related": sorted(related),
    }
    return values


def _current_values(control: Control, *, services=None, related=None) -> dict:
    """The managed fields as the catalogue states them; `services` and `related` when already read."""
    values = {name: getattr(control, name) for name in MANAGED_FIELDS}
    values["art32_points"] = sorted(values["art32_points"])
    values["services"] = sorted(s.slug for s in (control.services.all() if services is None else services))
    values["related"] = sorted(r.reference for r in (control.related.all() if related is None else related))
    return values


def _related_closure(controls: list[dict]) -> dict[str, set[str]]:
    """Related links are symmetrical in the database, so compare against the symmetric closure."""
    closure: dict[str, set[str]] = {c["reference"]: set() for c in controls}
    for c in controls:
        for other in c.get("related") or []:
            closure[c["reference"]].add(other)
            closure[other].add(c["reference"])
    return closure


def control_is_locally_edited(control: Control, *, services=None, related=None) -> bool:
    """A catalogue control whose managed fields differ from what was last loaded.

    A page that has read the control's services and related controls passes them, so they are not read again.
    """
    if not control.catalogue_hash:
        return False
    return fingerprint(_current_values(control, services=services, related=related)) != control.catalogue_hash


@transaction.atomic
def load_catalogue(*, actor=None, dry_run: bool = False, path: Path = CATALOGUE_FILE) -> LoadReport:
    """Bring the inventory in line with the catalogue file; `dry_run` reports and rolls everything back."""
    data = read_catalogue(path)
    report = LoadReport()

    services: dict[str, Service] = {}
    for s in data.get("services", []):
        service, created = Service.objects.get_or_create(slug=s["slug"], defaults={"name": s["name"]})
        if not created and service.name != s["name"]:
            service.name = s["name"]
            service.save(update_fields=["name"])
            report.services_changed.append(s["slug"])
        elif created:
            report.services_changed.append(s["slug"])
        services[s["slug"]] = service

    for s in data.get("categories", []):
        wanted = {"applicable": bool(s.get("applicable", True)), "statement": folded(s["statement"])}
        new_hash = fingerprint(wanted)
        row = CategoryStatement.objects.filter(scc_category=s["id"]).first()
        if row is not None:
            if row.catalogue_hash == new_hash:
                continue
            current = fingerprint({"applicable": row.applicable, "statement": row.statement})
            if row.catalogue_hash and current != row.catalogue_hash and current != new_hash:
                report.conflicts[f"category {s['id']}"] = ["statement"]
                continue
        category_statement_set_from_catalogue(scc_category=s["id"], catalogue_hash=new_hash, actor=actor, **wanted)
        report.statements_changed.append(s["id"])

    entries = data.get("controls", [])
    closure = _related_closure(entries)
    existing = {
        c.reference: c
        for c in Control.objects.filter(reference__in=closure).prefetch_related("services", "related")
    }
    # Every control is judged on what was read before any write: creating a control links its related controls
    # back to it (the relation is symmetrical), which must not make them look edited locally.
    to_create, to_update = [], []
    for entry in entries:
        ref = entry["reference"]
        wanted = _entry_values(entry, closure[ref])
        new_hash = fingerprint(wanted)
        control = existing.get(ref)
        if control is None:
            to_create.append((ref, wanted, new_hash))
            continue
        if control.catalogue_hash == new_hash:
            report.unchanged.append(ref)
            continue
        current = _current_values(control)
        current_hash = fingerprint(current)
        if control.catalogue_hash != current_hash and current_hash != new_hash:
            report.conflicts[ref] = [n for n in wanted if current[n] != wanted[n]]
            continue
        to_update.append((ref, wanted, new_hash))

    def stated(wanted: dict) -> dict:
        """The catalogue's values as the control services take them; a related control not created yet is linked
        when it is (the link goes both ways)."""
        return {**{n: wanted[n] for n in MANAGED_FIELDS}, "applies_to_all_services": not wanted["services"],
                "services": [services[slug] for slug in wanted["services"]],
                "related": [existing[r] for r in wanted["related"] if r in existing]}

    for ref, wanted, new_hash in to_create:
        existing[ref] = control_create_from_catalogue(actor=actor, catalogue_hash=new_hash, reference=ref,
                                                      **stated(wanted))
        report.created.append(ref)
    for ref, wanted, new_hash in to_update:
        control_update_from_catalogue(control=existing[ref], actor=actor, catalogue_hash=new_hash, **stated(wanted))
        report.updated.append(ref)

    if report.changed:
        audit_record(
            action=ControlAction.CONTROL_CATALOGUE_LOADED, actor=actor, actor_label=CATALOGUE_ACTOR_LABEL,
            target_type="controls.catalogue", target_id=str(data.get("version", "")),
            target_label=f"TOM catalogue {data.get('version', '')}",
            changes={"created": report.created, "updated": report.updated,
                     "conflicts": sorted(report.conflicts), "statements": report.statements_changed},
        )
    if dry_run:
        transaction.set_rollback(True)
    return report
