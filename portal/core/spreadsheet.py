"""Cells for CSV and XLSX files people open in a spreadsheet.

A cell starting with =, +, -, @, tab or carriage return is run as a formula by spreadsheet programs
(CSV injection); such text is written with a leading apostrophe, which keeps it text.
"""

import contextlib
from datetime import date

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unquote_cell(value: str) -> str:
    """The text as written before safe_cell (for files read back in, such as an import)."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


# Dates in the reader's convention, as real spreadsheet dates (sortable, filterable), not text.
DATE_FORMATS = {"de": "DD.MM.YYYY", "en": "DD/MM/YYYY"}
DATE_COLUMNS = ("next_review_due", "last_reviewed_on", "valid_from", "valid_until", "due_date")


def typed_cell(sheet, value, language: str):
    """An XLSX cell for `value`: a date gets the language's date format; numbers stay numbers."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMATS.get(language, "YYYY-MM-DD")
        return cell
    return value


def typed_cells(sheet, columns, row, language: str) -> list:
    """A row of a register sheet: ISO dates in the date columns become real dates, whole numbers numbers."""
    out = []
    for column, value in zip(columns, row, strict=False):
        if column in DATE_COLUMNS and isinstance(value, str) and value:
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        out.append(typed_cell(sheet, value, language))
    return out
