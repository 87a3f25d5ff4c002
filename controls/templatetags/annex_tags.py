"""Template helpers of the TOM annex PDF and pages."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def css_string(value) -> str:
    """A value as a quoted CSS string (for string-set) that cannot end a <style> element; the template prints it
    with autoescape off, since a style element is raw text where HTML entities would be printed as they are."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return f'"{text}"'


@register.filter
def iso_date(value):
    """An ISO date string from a snapshot as a date, for the |date filter; "" stays empty."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return value


@register.filter
def parameter_rows(parameters) -> list[tuple[str, str]]:
    """A control's parameters as (label, value with its unit), in the active language."""
    from controls.parameters import described

    return described(parameters or {})


@register.filter
def history_rows(changes) -> list[dict]:
    """An audit event's changes as rows with readable labels and values (see portal.audit.registry)."""
    from portal.audit.registry import field_label, field_value

    rows = []
    for field, change in (changes or {}).items():
        if isinstance(change, dict) and set(change) == {"before", "after"}:
            rows.append({"label": field_label(field), "before": field_value(field, change["before"]),
                         "after": field_value(field, change["after"]), "pair": True})
        else:
            rows.append({"label": field_label(field), "value": field_value(field, change)})
    return rows
