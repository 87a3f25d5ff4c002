"""Labels of a document written in the contract's language, and in its second language when it is bilingual.

`{% both _("Address") %}` (the `_()` puts the text in the catalogue) or `{% both doc.title %}` (an English text kept
in a snapshot): the text in the active language, then, in a bilingual document (`second_language` in the context),
the same text in the second language, as the TOM annex prints its headings.
"""

from django import template
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


def _in(text, language: str) -> str:
    with translation.override(language):
        return str(text) if isinstance(text, Promise) else gettext(str(text))


@register.simple_tag(takes_context=True)
def both(context, text, inline: bool = False) -> str:
    """`inline`: "Betroffene Personen / Data subjects" in running text, rather than the second language beneath."""
    first = _in(text, translation.get_language())
    second_language = context.get("second_language")
    if not second_language:
        return first
    second = _in(text, second_language)
    if inline:
        return first if second == first else f"{first} / {second}"
    return format_html('{}<span class="second" lang="{}">{}</span>', first, second_language, second)


@register.filter
def as_date(value: str):
    """An ISO date kept in a snapshot ("2026-04-01") as a date, for the |date filter; anything else unchanged."""
    from datetime import date

    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
