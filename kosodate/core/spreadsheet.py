"""Text into spreadsheets and CSV without letting it run as a formula (CSV/Excel injection)."""

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def set_text(cell: Cell, value: str) -> None:
    """A string cell even when the text starts with "=": Excel shows it and never evaluates it."""
    cell.value = value
    cell.data_type = "s"


def csv_escape(value: str) -> str:
    """A leading quote keeps Excel from reading the text as a formula (OWASP's advice for CSV)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
