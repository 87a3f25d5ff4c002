"""The control register's table rows, built in Python.

The register shows up to 50 rows on every list request. Through the template engine each row cost
about 0.2 ms of CPU, more than the rest of the page; here a row is one f-string over escaped values
(html.escape, the same mapping as Django's escape, without its lazy-string wrapper). This module is the
one place where the portal builds HTML in Python; everything else goes through templates.

Cells that repeat (a category, a status, a date) are memoised for one table only: their text depends
on the active language, so nothing is kept between requests.
"""

from html import escape

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from controls.categories import category_by_id
from controls.models import Control
from portal.core.links import cached_reverse

register = template.Library()

# The data columns of _control_table.html, after the selection box when there is one.
COLUMNS = ("reference", "title", "category", "status", "owner", "next review")


def _category_cell(category_id: str) -> str:
    category = category_by_id(category_id)
    if category is None:
        return escape(category_id)
    return f"{category.n}. {escape(truncatechars(category.title, 60))}"


def _status_cell(status: str) -> str:
    label = Control.Status(status).label if status in Control.Status.values else status
    return f'<span class="status status-{escape(status)}">{escape(str(label))}</span>'


class _Cells(dict):
    """One table's memo: key -> cell, made by `make(key)` the first time."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


@register.simple_tag
def control_rows(page, *, selectable: bool, today) -> SafeString:
    if not page.object_list:
        colspan = len(COLUMNS) + (1 if selectable else 0)
        empty = escape(gettext("No controls match these filters."))
        return mark_safe(f'<tr><td colspan="{colspan}">{empty}</td></tr>')  # noqa: S308 - escaped above
    categories, statuses = _Cells(_category_cell), _Cells(_status_cell)
    # The reader's DATE_FORMAT (28.11.2026, 28 Nov 2026), formatted once per distinct date of the table.
    dates = _Cells(lambda day: escape(formats.date_format(day, "DATE_FORMAT")))
    overdue = escape(gettext("overdue"))
    rows = []
    for control in page.object_list:
        pk, reference = control.pk, escape(control.reference)
        select = ""
        if selectable:
            label = escape(gettext("Select %(reference)s") % {"reference": control.reference})
            select = (f'<td><input type="checkbox" name="controls" value="{pk}" form="bulk-form" id="select-{pk}" '
                      f'aria-label="{label}"></td>')
        owner = escape(str(control.owner)) if control.owner_id else "—"
        due = control.next_review_due
        if due is None:
            due_cell = "—"
        elif due < today and control.status != Control.Status.RETIRED:
            due_cell = (f'<time datetime="{due.isoformat()}" class="status-bad">{dates[due]}</time>'
                        f' <span class="status-bad">{overdue}</span>')
        else:
            due_cell = f'<time datetime="{due.isoformat()}">{dates[due]}</time>'
        url = cached_reverse("controls:detail", args=[pk])
        rows.append(
            f'<tr>{select}<td><a href="{url}">{reference}</a></td><td>{escape(control.title)}</td>'
            f"<td>{categories[control.scc_category]}</td><td>{statuses[control.status]}</td>"
            f"<td>{owner}</td><td>{due_cell}</td></tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
