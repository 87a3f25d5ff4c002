"""No template shows text outside a translation tag."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.template_text import untranslated_text

TEMPLATE_DIRS = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
# Partials named *_style.html hold only the CSS a PDF template includes into its <style>.
TEMPLATES = sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*")
                   if p.suffix in {".html", ".txt"} and not p.name.endswith("_style.html"))


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATE_DIRS[0])))
def test_the_template_has_no_visible_text_outside_a_translation_tag(path):
    assert untranslated_text(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("source", "found"), [
    ("<p>Hello {{ name }}</p>", ["Hello"]),
    ('<img alt="A chart">', ["A chart"]),
    ('<button data-confirm="Remove it?">{% translate "Remove" %}</button>', ["Remove it?"]),
    ("{% translate 'Saved' %} <b>{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}</b>", []),
    ("<style>.a { content: 'Text'; }</style>{# Comment #}<!-- note -->", []),
    ("<p>Annex · SHA-256 · CSV</p>", []),
    ('<td>{{ event.actor_label|default:"Not yet" }}</td>', ["Not yet"]),
    ("<dd lang=\"{{ languages.0|default:'en' }}\">", []),
    ('<td>{{ event.actor_label|default:_("system") }} {{ x|default:"—" }}</td>', []),
])
def test_the_check_finds_visible_text_and_only_that(source, found):
    assert untranslated_text(source) == found
