"""The home page's parts, contributed by the apps (a backbone never imports a domain app).

An app lists them in `<app>/dashboard.py`, autodiscovered when the portal starts. There are two kinds:

- a **panel** is someone's own work (their controls, their cases, their training): built for the user on every
  request, with a fixed number of queries;
- a **posture card** is a figure of the whole programme (controls by status, breaches notified late, training
  completion...). Cards are shown to those who may see the programme's posture (`core.view_programme`: the DPO,
  administrators and auditors) and hold the card's own permission. A card does not depend on who looks at it, so
  the home page renders the cards once for everyone who sees the same ones, in each language, and keeps them for a
  minute (POSTURE_CACHE_SECONDS); the programme report prints the same figures, computed afresh.

Those who see the posture get the cards and the trends; the others get their panels. The task inbox
(portal.core.inbox) is everyone's.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, timezone
from django.utils.functional import lazy

POSTURE_PERMISSION = "core.view_programme"
POSTURE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable  # (user) -> dict
    permission: str | None = None  # "app_label.codename"; None = every verified user
    order: int = 100


@dataclass(frozen=True)
class Figure:
    """One number on a card, with the list behind it."""

    label: object  # translatable
    value: int | float | None  # None: not known (no data yet)
    url: str = ""
    tone: str = ""  # "bad", "warn", "ok" or ""
    unit: str = ""  # "%" for rates


@dataclass(frozen=True)
class Table:
    """A breakdown under a card's figures (by category, by department...)."""

    caption: object
    columns: tuple  # translatable headings; the first column is the row's label
    rows: list  # [(label, url, [numbers or None...])]
    units: tuple = ()  # per value column: "%" or ""

    @property
    def body(self) -> list:
        """The rows with each value paired with its column's unit, as the templates print them."""
        units = list(self.units)
        return [(label, url, [(value, units[i] if i < len(units) else "") for i, value in enumerate(values)])
                for label, url, values in self.rows]


@dataclass(frozen=True)
class Finding:
    """Something open that the programme report lists: a control that needs attention, a late notification..."""

    reference: str
    title: str
    detail: object = ""


@dataclass(frozen=True)
class CardData:
    figures: list[Figure]
    tables: list[Table] = field(default_factory=list)
    note: object = ""  # a line under the figures, e.g. "Last retention run: 3 May"


@dataclass(frozen=True)
class Card:
    name: str
    title: object
    compute: Callable[[date], CardData | None]  # None: the card does not apply here (e.g. no objectives in use)
    permission: str | None = None  # the card's own permission, besides core.view_programme
    order: int = 100
    findings: Callable[[date, int], list[Finding]] | None = None  # (today, limit): for the programme report


def _date_text(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# A date in a card's words, written in the reader's format when shown (cards are kept for everyone for a minute).
shown_date = lazy(_date_text, str)

_PANELS: dict[str, Panel] = {}
_CARDS: dict[str, Card] = {}


def register(part: Panel | Card) -> Panel | Card:
    (_CARDS if isinstance(part, Card) else _PANELS)[part.name] = part
    return part


def sees_posture(user, perms: set[str] | None = None) -> bool:
    perms = user.get_all_permissions() if perms is None else perms
    return POSTURE_PERMISSION in perms


def panels_for(user, perms: set[str] | None = None) -> list[dict]:
    perms = user.get_all_permissions() if perms is None else perms
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        if panel.permission is None or panel.permission in perms:
            shown.append({"name": panel.name, "template": panel.template, **panel.context(user)})
    return shown


def cards_visible(user, perms: set[str] | None = None) -> list[Card]:
    perms = user.get_all_permissions() if perms is None else perms
    if not sees_posture(user, perms):
        return []
    return [card for card in sorted(_CARDS.values(), key=lambda c: (c.order, c.name))
            if card.permission is None or card.permission in perms]


def posture_for(user, *, today: date | None = None, perms: set[str] | None = None) -> list[dict]:
    """The cards this user may see, with their figures (each card's own few queries)."""
    today = today or timezone.localdate()
    shown = []
    for card in cards_visible(user, perms):
        data = card.compute(today)
        if data:
            shown.append({"name": card.name, "title": card.title, "data": data})
    return shown


def posture_key(user, perms: set[str] | None = None) -> str:
    """What the posture shown to `user` depends on besides the day and language: the cards they may see."""
    return ",".join(card.name for card in cards_visible(user, perms))


def findings_for(user, *, today: date, limit: int) -> list[dict]:
    """Every visible card's open findings, for the programme report (not cached: the report is made rarely)."""
    found = []
    for card in cards_visible(user):
        if card.findings is not None:
            found += [{"card": card.title, "finding": finding} for finding in card.findings(today, limit)]
    return found
