"""CSV output that spreadsheets cannot turn into formulas."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Prefix cells a spreadsheet would evaluate with a quote; a lone `-` ("never") stays as it is."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES) and text != "-":
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield CSV lines for a streaming response."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
