"""German (and any other) versions of the TOM catalogue's texts: control titles, measure descriptions,
category statements and service names, kept in the `tom_catalogue` gettext domain
(locale/<language>/LC_MESSAGES/tom_catalogue.po, compiled like the django domain).

The catalogue's English text is the message id. A control edited locally in English no longer matches
its entry, so its German version is missing rather than stale: the annex then flags the German version
as out of date and prints the English text instead of an outdated translation.
"""

import gettext as gettext_module
from functools import cache

from django.conf import settings

DOMAIN = "tom_catalogue"
SOURCE_LANGUAGE = "en"


@cache
def _translations(language: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(DOMAIN, localedir=str(settings.LOCALE_PATHS[0]), languages=[language],
                                      fallback=True)


def catalogue_text(language: str, text: str) -> str | None:
    """`text` in `language`, or None when the catalogue has no version of exactly this text."""
    if language == SOURCE_LANGUAGE or not text:
        return text
    translated = _translations(language).gettext(text)
    return translated if translated != text else None
