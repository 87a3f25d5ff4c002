"""The live clock of an obligation in a template: {% clock obligation now as c %}, {% countdown deadline now as c %}."""

from django import template

from incidents import clock_text

register = template.Library()


@register.simple_tag
def clock(obligation, now) -> dict:
    """{'state': due|overdue|none|filed|not_required|withdrawn|waiting, 'text': ..., 'urgent': bool}."""
    return clock_text.live_clock(obligation, now)


@register.simple_tag
def countdown(deadline, now) -> dict:
    """A case's nearest deadline: {'state': due|overdue|none, 'text': 'due in 5 h 20 min', 'urgent': bool}."""
    return clock_text.countdown(deadline, now)
