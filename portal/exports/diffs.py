"""A version diff as a reader sees it: labels instead of snapshot keys, values as text.

content_diff() (rendering.py) compares snapshots by key; its result is stored on the version. This module
turns it into rows of "label: before -> after" for the annex page and the change notices, so no snapshot
key ("art32_points", "tls_min_version") reaches a reader. A list of {"label", "text"} entries (a measure's
parameters) is compared entry by entry.
"""

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {
    "title": _("Title"),
    "description": _("Description"),
    "kind": _("Kind"),
    "art32_points": _("GDPR Art. 32(1) points"),
    "parameters": _("Parameters"),
    "statement": _("Statement"),
    "performed_by": _("Performed by"),
    "translation_missing": _("Translation out of date"),
    "planned_for": _("Planned for"),
    "applicable": _("Applies"),
    "not_applicable": _("Not applicable"),
    "excluded": _("Left out for this customer"),
    "planned": _("Planned measures"),
    "parties": _("Parties"),
    "services": _("Services in scope"),
    "instrument": _("Which annex"),
    "certifications": _("Certifications"),
    "tests": _("Periodic tests"),
    "assistance": _("Assistance to the controller"),
    "planned_measures": _("Planned measures shown"),
    "measure_count": _("Number of measures"),
    "contract_reference": _("Contract / DPA reference"),
    "processor": _("Processor"),
    "subject_label": _("Customer"),
    "lead_in": _("Lead-in"),
    "annex_title": _("Annex title"),
    "language": _("Contract language"),
    "languages": _("Languages"),
    "subprocessor_measures": _("Measures of sub-processors"),
}


def field_label(field: str) -> str:
    languages = dict(settings.LANGUAGES)
    if field in languages:
        return gettext("%(language)s version") % {"language": gettext(languages[field])}
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    words = " ".join(field.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _is_labelled_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and "label" in v and "text" in v for v in value)


def value_text(value) -> str:
    """A snapshot value as text: lists joined, labelled entries as "label: text", nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if _is_labelled_list(value):
        return "; ".join(f"{v['label']}: {v['text']}" for v in value)
    if isinstance(value, list):
        return "; ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        if "title" in value:
            return str(value["title"])
        return "; ".join(f"{field_label(k)}: {value_text(v)}" for k, v in value.items()
                         if not isinstance(v, dict | list))
    return str(value)


def _rows(field: str, before, after, prefix: str = "") -> list[dict]:
    label = f"{prefix}{field_label(field)}"
    if _is_labelled_list(before or []) and _is_labelled_list(after or []):
        old = {v["label"]: v["text"] for v in before or []}
        new = {v["label"]: v["text"] for v in after or []}
        return [{"label": f"{label}: {name}", "before": old.get(name, "—"), "after": new.get(name, "—")}
                for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
    if isinstance(before, dict) and isinstance(after, dict) and "title" not in before:
        rows = []
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                rows += _rows(key, before.get(key), after.get(key), prefix=f"{label} · ")
        return rows
    return [{"label": label, "before": value_text(before), "after": value_text(after)}]


def readable_diff(diff: dict) -> dict:
    """The stored diff with labelled rows for every changed field."""
    changed = []
    for item in diff.get("changed", []):
        rows = []
        for field in item.get("fields", []):
            rows += _rows(field, item.get("before", {}).get(field), item.get("after", {}).get(field))
        changed.append({"reference": item["reference"], "title": item.get("title", ""), "rows": rows})
    return {
        "added": diff.get("added", []),
        "removed": diff.get("removed", []),
        "changed": changed,
        "sections": [{"title": s.get("title", ""), "fields": [field_label(f) for f in s.get("fields", [])]}
                     for s in diff.get("sections", [])],
        "details": [field_label(f) for f in diff.get("details", [])],
    }
