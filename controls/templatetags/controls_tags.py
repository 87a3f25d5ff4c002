from django import template
from django.utils.html import format_html

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
    aria = "ascending" if current == key else "descending" if current == f"-{key}" else None
    if aria:
        return format_html('<a href="{}{}" aria-sort="{}">{}{}</a>', prefix, target, aria, label, marker)
    return format_html('<a href="{}{}">{}</a>', prefix, target, label)
