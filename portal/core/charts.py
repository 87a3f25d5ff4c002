"""Trend charts as SVG images, drawn by pygal on the server.

The same picture serves the dashboard (an <img> with a data URI: no script, so the strict CSP holds) and the
PDF programme report (WeasyPrint draws SVG). Each chart comes with its figures as a table for screen readers.
"""

import base64

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


def _svg(trend: dict) -> str:
    source = trend["source"]
    chart_class = pygal.StackedBar if source.kind == "stacked" else pygal.Line
    chart = chart_class(
        width=720, height=260, style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False,
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=4, show_dots=len(trend["days"]) < 20,
        x_label_rotation=0, show_minor_x_labels=False, truncate_legend=-1, truncate_label=-1, print_values=False,
        range=(0, 100) if source.unit == "%" else None, include_x_axis=True,
    )
    labels = [formats.date_format(day, "SHORT_DATE_FORMAT") for day in trend["days"]]
    chart.x_labels = labels
    step = max(1, len(labels) // 6)
    chart.x_labels_major = labels[::step]
    for series in trend["series"]:
        chart.add(str(series["label"]), series["values"])
    return chart.render(is_unicode=True)


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


def trend_charts(trends: list[dict]) -> list[dict]:
    """Each trend with its chart as a data URI, its alternative text and its figures by day for the table."""
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
            "image": data_uri(_svg(trend)) if rows else "",
            "alt": _("%(title)s over the last %(days)s days; the figures are in the table below the chart.")
            % {"title": source.title, "days": len(rows)},
        })
    return charts
