"""Audit actions and their labels, registered by the app that performs them.

The audit backbone never names a domain's actions. Each app lists its own in a
`TextChoices` class in `<app>/audit_actions.py` (autodiscovered when the portal starts) and
decorates it with `@register_actions`; the viewer's filter and every event's label read from
here. The action column has no `choices=`, so a new action never needs a migration.
"""

from django.db import models

_ACTIONS: dict[str, object] = {}


def register_actions(choices: type[models.TextChoices]) -> type[models.TextChoices]:
    """Register every action of `choices`; an action code may belong to one app only."""
    for value, label in choices.choices:
        owner = _ACTIONS.get(value)
        if owner is not None and owner is not label and str(owner) != str(label):
            raise ValueError(f"audit action {value!r} is registered twice with different labels")
        _ACTIONS[value] = label
    return choices


def action_label(code: str) -> str:
    """The label of an action code; an unknown code (an app since removed) shows as itself."""
    label = _ACTIONS.get(code)
    return str(label) if label is not None else code


def action_choices() -> list[tuple[str, object]]:
    return sorted(_ACTIONS.items())


# How a changed field reads in a history: its label and how its values are written. A domain registers the
# fields whose names or values mean nothing to a reader ("art32_points", a parameters object); any other
# field name is shown with its words spaced out.
_FIELDS: dict[str, tuple[object, object]] = {}


def register_field(name: str, label, formatter=None) -> None:
    """`label` (lazily translated) for the field `name`; `formatter(value) -> str` writes its values."""
    _FIELDS[name] = (label, formatter)


def field_label(name: str) -> str:
    entry = _FIELDS.get(name)
    if entry is not None:
        return str(entry[0])
    words = " ".join(name.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def field_value(name: str, value):
    """The value as its field's formatter writes it, or the value itself when the field has none."""
    entry = _FIELDS.get(name)
    if entry is not None and entry[1] is not None and value is not None:
        return entry[1](value)
    return value
