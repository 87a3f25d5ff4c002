"""PlainSelect: an opt-in select widget for long lists of choices read from the database.

Forms render through Django's own form renderer (its widget templates, so an override of one is honoured);
only a field that asks for PlainSelect takes this path.
"""

from html import escape

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe


def _escape(value) -> str:
    """Django's conditional_escape without its lazy-string wrapper, which costs more than the escaping
    on a select of a few hundred options: safe strings pass through, everything else is escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_escape(name)}")
        else:
            parts.append(f' {_escape(name)}="{_escape(str(value))}"')
    return "".join(parts)


def _option(value, label, attrs: str) -> str:
    # Each included option template ends with a newline; keep the output byte-identical.
    return f'\n  <option value="{_escape(str(value))}"{attrs}>{_escape(label)}</option>\n'


class PlainChoices(BaseChoiceIterator):
    """Choices already in Django's canonical form, a list of (value, label) pairs read from the database.

    Assigning a plain list to a field's or widget's `choices` makes Django re-normalise every pair
    (about 0.4 ms for a few hundred people); wrapped in this iterator they are taken as they are.
    """

    def __init__(self, pairs: list[tuple]):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


class PlainSelect(forms.Select):
    """A select whose PlainChoices are rendered straight from the pairs.

    Django builds an option dictionary per choice (attributes, index, template name) before any
    renderer sees it; for a filter of a few hundred people that is most of the filter bar's cost. The
    markup is the same as Django's select template gives (a test compares them); other choices, and
    grouped ones, take Django's path.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = self.choices
        if not isinstance(choices, PlainChoices) or any(isinstance(label, list | tuple) for _, label in choices.pairs):
            return super().render(name, value, attrs=attrs, renderer=renderer)
        chosen = self.format_value(value)
        out = [f'<select name="{_escape(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>']
        found = False
        for option_value, label in choices.pairs:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in chosen
            found = found or selected
            out.append(_option(option_value, label, " selected" if selected else ""))
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 - every part escaped above
