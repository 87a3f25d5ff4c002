"""Trend charts as SVG images, drawn by pygal on the server.

The same picture serves the home page (an <img> of its own URL, portal:trend_chart: no script, so the strict CSP
holds, and the page stays small on a phone) and the PDF programme report (a data URI; WeasyPrint draws SVG).
Each chart comes with its figures as a table for screen readers.
"""

import base64
import re
from datetime import date

import pygal
from django.utils import formats
from django.utils.translation import gettext as _
from pygal.style import Style

STYLE = Style(
    background="white", plot_background="white", foreground="#1b1f24", foreground_strong="#1b1f24",
    foreground_subtle="#c8ced6", font_family="DejaVu Sans, sans-serif", label_font_size=13,
    major_label_font_size=13, legend_font_size=15, title_font_size=13,
    colors=("#1f3a63", "#2e7d32", "#a5281b", "#b7791f", "#6b7280", "#5b21b6"),
)


# pygal writes its configuration as an inline script and describes every point for that script's tooltips. No
# script runs in an image or under the CSP: both are dead weight (a third of a 90-day chart), and gone.
_SCRIPT_AND_TOOLTIPS = re.compile(r"<script[^>]*>.*?</script>|<desc class=\"(?:value|x|y|label)[^\"]*\">[^<]*</desc>",
                                  re.DOTALL)


def trend_svg(*, kind: str, unit: str, days: list[date], series: list[tuple[str, list]]) -> str:
    """One trend drawn as SVG: a stacked area for the parts of a whole (kind "stacked"), else lines."""
    many = len(days) >= 20
    if kind == "stacked":
        chart_class, options = pygal.StackedLine, {"fill": True, "show_dots": not many}
    else:
        chart_class, options = pygal.Line, {"show_dots": not many}
    chart = chart_class(
        width=720, height=260, style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False,
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=4, x_label_rotation=0,
        show_minor_x_labels=False, truncate_legend=-1, truncate_label=-1, print_values=False,
        range=(0, 100) if unit == "%" else None, include_x_axis=True, **options,
    )
    labels = [formats.date_format(day, "SHORT_DATE_FORMAT") for day in days]
    chart.x_labels = labels
    step = max(1, len(labels) // 6)
    chart.x_labels_major = labels[::step]
    for label, values in series:
        chart.add(str(label), values)
    return _SCRIPT_AND_TOOLTIPS.sub("", chart.render(is_unicode=True))


def _svg(trend: dict) -> str:
    source = trend["source"]
    return trend_svg(kind=source.kind, unit=source.unit, days=trend["days"],
                     series=[(series["label"], series["values"]) for series in trend["series"]])


def bar_chart(labels: list[str], values: list[int], *, series: str) -> str:
    """One series of counts as bars (the training report's completions per month), as a data URI."""
    chart = pygal.Bar(
        width=720, height=260, style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False,
        show_legend=False, x_label_rotation=0, truncate_label=-1, print_values=False, include_x_axis=True,
        min_scale=1, max_scale=6, order_min=0,
    )
    chart.x_labels = labels
    chart.add(series, values)
    return data_uri(chart.render(is_unicode=True))


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def source_svg(trend: dict) -> str:
    """The chart of one trend from trends_for (portal.core.selectors)."""
    return _svg(trend)


def trend_charts(trends: list[dict]) -> list[dict]:
    """Each trend with its alternative text and its figures by day for the table (the picture has its own URL)."""
    charts = []
    for trend in trends:
        source = trend["source"]
        rows = [
            {"day": day, "values": [series["values"][i] for series in trend["series"]]}
            for i, day in enumerate(trend["days"])
        ]
        charts.append({
            "name": source.name,
            "title": source.title,
            "unit": source.unit,
            "labels": [series["label"] for series in trend["series"]],
            "rows": rows,
            "has_data": bool(rows),
            "alt": _("%(title)s over the last %(days)s days; the figures are in the table below the chart.")
            % {"title": source.title, "days": len(rows)},
        })
    return charts
