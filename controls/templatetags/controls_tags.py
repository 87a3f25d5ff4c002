from django import template
from django.utils.html import format_html

from controls.attention_text import reason_text

register = template.Library()


@register.simple_tag
def sort_link(key: str, label: str, current: str, query: str):
    """A column heading that sorts by `key`, and by `-key` when already sorted ascending by it."""
    descending = current == key
    target = f"-{key}" if descending else key
    marker = ""
    if current == key:
        marker = " ▲"
    elif current == f"-{key}":
        marker = " ▼"
    prefix = f"?{query}&sort=" if query else "?sort="
    return format_html('<a href="{}{}">{}{}</a>', prefix, target, label, marker)


@register.simple_tag
def aria_sort(key: str, current: str):
    """The aria-sort attribute of the column heading (the <th>, where ARIA allows it) sorted by `key`."""
    if current in (key, f"-{key}"):
        return format_html(' aria-sort="{}"', "ascending" if current == key else "descending")
    return ""


@register.filter
def attention_reason(value: str) -> str:
    """{{ control.attention_reason|attention_reason }}: Annex's own reasons in the reader's language."""
    return reason_text(value)
