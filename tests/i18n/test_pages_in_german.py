"""Every page of the authorization matrix, opened by a German-speaking user, shows no English sentence.

The English sentences are those of the English catalogue (locale/en): a page that still printed one of
them would have missed a translation tag, or the German catalogue an entry.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC
from tests.authz.test_matrix import ENTRIES
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.i18n.po import catalogue

_PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|&\w+;")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _english_sentences() -> set[str]:
    """Runs of three or more words from the English catalogue that the German one does not share."""
    german = {e.msgid: " ".join(e.translations) for e in catalogue("de")}
    sentences = set()
    for entry in catalogue("en"):
        for text in entry.translations:
            for fragment in _PLACEHOLDER_OR_TAG.split(text):
                fragment = " ".join(fragment.split()).strip(" .,;:·()–-")
                if len(_WORD.findall(fragment)) >= 3 and fragment not in german.get(entry.msgid, ""):
                    sentences.add(fragment)
    return sentences


ENGLISH = _english_sentences()
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "data-confirm"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """Text a German reader sees: not scripts or styles, and not what is marked as another language
    (lang="en" on a document's own title, the language switch's "English")."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang") or ""
        hidden = tag in ("script", "style") or (tag != "html" and bool(lang) and not lang.startswith("de"))
        if not (hidden or self._hidden()):
            self.parts.extend(value for name, value in attrs.items() if name in VISIBLE_ATTRIBUTES and value)
        if tag not in VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str) -> list[str]:
    return sorted(s for s in ENGLISH if s in text)


PAGES = sorted(name for name, entry in ENTRIES.items() if entry.method == "get")


def test_the_english_catalogue_gives_enough_sentences_to_compare_with():
    assert len(ENGLISH) > 300
    assert "Nothing was imported" in ENGLISH


def test_the_comparison_finds_an_english_sentence_left_on_a_page():
    assert english_in(visible_text("<p>Nothing was imported.</p>"))
    assert not english_in(visible_text("<p>Jede Zeile wird geprüft</p><script>Nothing was imported</script>"))
    assert not english_in(visible_text('<p>Titel: <span lang="en">Nothing was imported</span></p>'))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PAGES)
def test_the_page_renders_in_german_for_a_german_user(client, url_name):
    entry = ENTRIES[url_name]
    if entry.owner_role:
        role = entry.owner_role
    elif entry.allowed in (EVERY_VERIFIED_USER, PUBLIC):
        role = Role.EMPLOYEE.value
    else:
        role = entry.allowed[0]
    user = UserFactory(roles=[role], language="de")
    sign_in(client, user)
    url = reverse(url_name, kwargs=entry.kwargs(user) if entry.kwargs else {})
    response = client.get(url, follow=True)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        pytest.skip(f"{url_name} answers {response.status_code} {response['Content-Type']}, not a page")
    html = response.content.decode()
    if "<html" in html:  # a whole page; a fragment for htmx has no <html> of its own
        assert '<html lang="de">' in html, url_name
    assert english_in(visible_text(html)) == [], url_name
