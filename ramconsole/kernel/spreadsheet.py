"""CSV output that spreadsheets cannot turn into formulas."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Every CSV a person downloads from the console starts with the UTF-8 byte order mark: without it
# Excel reads the file in the machine's ANSI code page and garbles Chinese names. Its lines end in
# CRLF (RFC 4180; the csv module's default), and its booleans are spelled as RAM spells them in the
# credential report (RAM-API.md §7.9), whatever the column.
BOM = "\ufeff"
TRUE, FALSE = "TRUE", "FALSE"


def flag(value: bool) -> str:
    return TRUE if value else FALSE


def safe_cell(value: object) -> str:
    """Prefix cells a spreadsheet would evaluate with a quote; a lone `-` ("never") stays as it is."""
    if isinstance(value, bool):
        return flag(value)
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and text != "-":
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield a downloadable CSV for a streaming response: the BOM and the header, then the rows."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
