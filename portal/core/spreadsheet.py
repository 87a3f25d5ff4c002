"""Cells for CSV and XLSX files people open in a spreadsheet.

A cell starting with =, +, -, @, tab or carriage return is run as a formula by spreadsheet programs
(CSV injection); such text is written with a leading apostrophe, which keeps it text.
"""

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
