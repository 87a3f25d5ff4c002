"""{{ "2026-03-02"|as_date }}: a date a document's content keeps as ISO text, shown in the reader's format
(02.03.2026 in German, 2 Mar 2026 in English); {{ "2026-03"|as_date:"YEAR_MONTH_FORMAT" }} for a month (März 2026)."""

from datetime import date, datetime

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def as_date(value, format_name: str = "DATE_FORMAT"):
    if isinstance(value, str):
        text = value[:10] if len(value) != 7 else f"{value}-01"  # "2026-03": a month
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return value
    if isinstance(value, (date, datetime)):
        return formats.date_format(value, format_name)
    return value
