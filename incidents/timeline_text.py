"""The lines Annex writes into a case's timeline, kept as messages so that each reader sees them in their own
language and time zone, whoever's request wrote them.

A message is JSON: a list of sentences, each {"m": msgid, "p": {name: value}}, where a value is plain text
(names, reasons: shown as written), {"t": msgid} (a label translated when shown) or {"dt": ISO 8601}
(a moment, shown in the reader's format and time zone). The entry's `text` keeps the same line in the
deployment's language for the API, exports and anything that reads the field directly.
"""

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext


def label(text) -> dict:
    """A value translated when shown (a phase, a channel, yes/no): a lazy translation or its English text."""
    with translation.override("en"):  # the English catalogue gives each source text back unchanged
        return {"t": str(text)}


def moment(value: datetime) -> dict:
    return {"dt": value.isoformat()}


def sentence(msgid: str, **params) -> dict:
    """One sentence: `msgid` is marked for translation where it is written (gettext_noop)."""
    return {"m": msgid, "p": params}


def _value(value) -> str:
    if isinstance(value, dict) and "t" in value:
        return gettext(value["t"]) if value["t"] else ""
    if isinstance(value, dict) and "dt" in value:
        return formats.date_format(timezone.localtime(datetime.fromisoformat(value["dt"])), "DATETIME_FORMAT")
    return str(value)


def render(message: list[dict]) -> str:
    """The message in the active language and time zone."""
    parts = []
    for part in message:
        text = gettext(part["m"])
        params = {name: _value(value) for name, value in part.get("p", {}).items()}
        parts.append(text % params if params else text)
    return " ".join(p for p in parts if p)


def render_default(message: list[dict]) -> str:
    """The message in the deployment's language (LANGUAGE_CODE), for the stored text."""
    with translation.override(settings.LANGUAGE_CODE):
        return render(message)
