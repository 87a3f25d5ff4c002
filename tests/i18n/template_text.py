"""Find text in a Django template that a reader would see but that no translation tag covers."""

import re

_LETTERS = re.compile(r"[^\W\d_]{2,}")
# Attributes whose values are read (or read aloud) by people.
VISIBLE_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "data-confirm", "label")
_ATTRIBUTE = re.compile(r"""\s({})\s*=\s*(["'])(.*?)\2""".format("|".join(VISIBLE_ATTRIBUTES)), re.S)
# Names and codes that read the same in every language.
NOT_WORDS = {"Annex", "CSV", "XLSX", "PDF", "SHA", "HSM", "UTC"}
_BLOCK_TRANSLATE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
_VERBATIM_STYLE = re.compile(r"<(script|style)\b.*?</\1>|{%\s*block style\s*%}.*?{%\s*endblock\s*%}", re.S | re.I)
_TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[A-Za-z/!][^>]*>", re.S)
_ENTITY = re.compile(r"&#?\w+;")
# A filter's literal argument that ends up on the page: {{ x|default:"none" }}, {{ flag|yesno:"yes,no" }}.
_FILTER_LITERAL = re.compile(r"""\|\s*(?:default|default_if_none|yesno)\s*:\s*(["'])(.*?)\1""")


def _words(text: str) -> list[str]:
    return [w for w in _LETTERS.findall(text) if w not in NOT_WORDS]


def untranslated_text(source: str) -> list[str]:
    """Each piece of visible text (or visible attribute value) outside {% translate %} / {% blocktranslate %}."""
    source = _BLOCK_TRANSLATE.sub(" ", source)
    source = _COMMENT_BLOCK.sub(" ", source)
    source = _VERBATIM_STYLE.sub(" ", source)
    source = _HTML_COMMENT.sub(" ", source)
    # (a code such as default:'en' is not text: words have a capital or a space)
    found = [m.group(2) for m in _FILTER_LITERAL.finditer(source)
             if _words(m.group(2)) and (" " in m.group(2) or m.group(2)[:1].isupper())]
    # Template tags and variables go, translated or not: their literals are checked by makemessages.
    source = _TEMPLATE_SYNTAX.sub(" ", source)
    source = _ENTITY.sub(" ", source)
    for tag in _TAG.findall(source):
        for _name, _quote, value in _ATTRIBUTE.findall(" " + tag[1:]):
            if _words(value):
                found.append(value.strip())
    for text in _TAG.split(source):
        text = " ".join(text.split())
        if _words(text):
            found.append(text)
    return found
