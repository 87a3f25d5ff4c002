"""Live figures that other apps show on a control's page (training shows its completion rate on the awareness
control). Controls never imports those apps: each registers a provider here from its own AppConfig.ready().

A provider takes the control and returns (label, value, url) tuples, or nothing for a control it has no figure for;
it must run a fixed, small number of queries.
"""

from collections.abc import Callable

Provider = Callable[[object], list[tuple[str, str, str]]]

_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> Provider:
    _PROVIDERS[name] = provider
    return provider


def facts_for(control) -> list[tuple[str, str, str]]:
    facts = []
    for name in sorted(_PROVIDERS):
        facts.extend(_PROVIDERS[name](control) or [])
    return facts
