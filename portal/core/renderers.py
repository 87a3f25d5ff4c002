"""A form renderer that builds the common widgets in Python instead of through template includes.

Django renders each input, and each <option> of a select, through its own template include. On a
list page with a filter bar that costs more than the rest of the page. This renderer produces the
same markup as Django's templates for inputs, selects and textareas (the widget context is still
built by Django), and falls back to the templates for everything else.
"""

from html import escape

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import mark_safe

_W = "django/forms/widgets/"
INPUT_TEMPLATES = {
    f"{_W}{name}.html"
    for name in ("input", "text", "email", "password", "hidden", "number", "date", "datetime", "time", "url",
                 "search", "tel", "color", "checkbox")
}
SELECT_TEMPLATE = f"{_W}select.html"
OPTION_TEMPLATE = f"{_W}select_option.html"
TEXTAREA_TEMPLATE = f"{_W}textarea.html"


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


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_escape(str(widget["value"]))}"'
    return (f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
            f'{value}{_attrs(widget["attrs"])}>')


def _option(value, label, attrs: str) -> str:
    # Each included option template ends with a newline; keep the output byte-identical.
    return f'\n  <option value="{_escape(str(value))}"{attrs}>{_escape(label)}</option>\n'


def _select(widget: dict) -> str:
    out = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                raise _Fallback
            out.append(_option(option["value"], option["label"], _attrs(option["attrs"])))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget: dict) -> str:
    body = _escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{body}</textarea>'


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


class _Fallback(Exception):
    pass


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and widget.get("template_name") == template_name:
            try:
                if template_name in INPUT_TEMPLATES:
                    return mark_safe(_input(widget))  # noqa: S308 - every part escaped above
                if template_name == SELECT_TEMPLATE:
                    return mark_safe(_select(widget))  # noqa: S308 - every part escaped above
                if template_name == TEXTAREA_TEMPLATE:
                    return mark_safe(_textarea(widget))  # noqa: S308 - every part escaped above
            except _Fallback:
                pass
        return super().render(template_name, context, request=request)



