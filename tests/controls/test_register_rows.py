"""The register's rows, built in Python: escaped, with the empty row spanning the columns shown, and no
text kept from one request (and language) to the next."""

from datetime import date

import pytest
from django.core.paginator import Paginator
from django.utils import translation

from controls.models import Control
from controls.templatetags.register_rows import COLUMNS, control_rows
from tests.controls.factories import ControlFactory


def _page(controls):
    return Paginator(controls, 50).page(1)


@pytest.mark.parametrize("selectable", [True, False])
def test_the_empty_row_spans_every_column_shown(selectable):
    html = control_rows(_page([]), selectable=selectable, today=date(2026, 3, 1))
    assert f'colspan="{len(COLUMNS) + selectable}"' in html
    assert "No controls match these filters." in html


@pytest.mark.django_db
def test_a_row_escapes_the_controls_text_and_links_to_its_page():
    control = ControlFactory(reference="TOM-X-01", title="<script>alert(1)</script>",
                             next_review_due=date(2026, 2, 1), status=Control.Status.IMPLEMENTED)
    html = control_rows(_page([control]), selectable=True, today=date(2026, 3, 1))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'href="/controls/{control.pk}/"' in html and 'aria-label="Select TOM-X-01"' in html
    assert "overdue" in html


@pytest.mark.django_db
def test_dates_follow_the_language_of_each_request():
    control = ControlFactory(next_review_due=date(2026, 3, 5))
    page = _page([control])
    with translation.override("en"):
        english = control_rows(page, selectable=False, today=date(2026, 1, 1))
    with translation.override("de"):
        german = control_rows(page, selectable=False, today=date(2026, 1, 1))
    assert "5 Mar 2026" in english
    assert ">05.03.2026</time>" in german


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_every_month_reads_as_the_date_filter_writes_it_in_the_language_s_date_format(language):
    from django.template.defaultfilters import date as date_filter

    controls = [ControlFactory(next_review_due=date(2026, month, month + 9)) for month in range(1, 13)]
    with translation.override(language):
        html = control_rows(_page(controls), selectable=False, today=date(2026, 1, 1))
        for control in controls:
            assert f">{date_filter(control.next_review_due, 'DATE_FORMAT')}</time>" in html
