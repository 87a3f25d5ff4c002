"""Dashboard panels contributed by the domain apps (a backbone never imports a domain app).

An app lists its panels in `<app>/dashboard.py`, autodiscovered when the portal starts. Each panel
says who may see it and builds its context with a fixed number of queries, whatever the data size.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable  # (user) -> dict
    permission: str | None = None  # "app_label.codename"; None = every verified user
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    _PANELS[panel.name] = panel
    return panel


def panels_for(user) -> list[dict]:
    perms = user.get_all_permissions()
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        if panel.permission is None or panel.permission in perms:
            shown.append({"name": panel.name, "template": panel.template, **panel.context(user)})
    return shown
