"""The programme report's trends: each drawn as in the home page, and summed up in a small table."""

from datetime import date

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from portal.core.charts import data_uri, trend_svg

register = template.Library()

LOOK_BACK_DAYS = (89, 29, 0)  # the table's columns: 90 and 30 days ago, and the last day


@register.simple_tag
def trend_chart(trend: dict) -> str:
    """The trend of a report's content (JSON: days as ISO dates) as an SVG data URI."""
    days = [date.fromisoformat(day) for day in trend["days"]]
    return data_uri(trend_svg(kind=trend["kind"], unit=trend["unit"], days=days,
                              series=[(s["label"], s["values"]) for s in trend["series"]]))


def _shown(value, unit: str) -> str:
    return "—" if value is None else floatformat(value, "-1g") + unit


@register.simple_tag
def trend_summary(trend: dict) -> dict:
    """Each figure 90 and 30 days ago and on the last day with figures (or the nearest day after, if none)."""
    days = [date.fromisoformat(day) for day in trend["days"]]
    last = days[-1]
    picks = []
    for back in LOOK_BACK_DAYS:
        index = next((i for i, day in enumerate(days) if (last - day).days <= back), len(days) - 1)
        picks.append(index)
    unit = f" {trend['unit']}" if trend["unit"] else ""
    return {
        "days": [days[i] for i in picks],
        "rows": [(s["label"], [_shown(s["values"][i], unit) for i in picks]) for s in trend["series"]],
        "caption": _("%(title)s: the figures on three days of the last 90") % {"title": trend["title"]},
    }
