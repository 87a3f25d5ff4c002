"""The incident panel of the dashboard: open cases and their clocks, for those who work on cases (one query)."""

from incidents.selectors import statistics
from portal.core.dashboard import Panel, register


def _incidents(user) -> dict:
    return {"counts": statistics(user)}


register(Panel(
    name="incidents.clocks",
    template="incidents/partials/_dashboard_panel.html",
    context=_incidents,
    permission="incidents.view_incident",
    order=5,
))
