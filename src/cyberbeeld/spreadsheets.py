"""Spreadsheet exports (CSV, XLSX, ODS): the one place where cells are made safe to open.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by Excel and LibreOffice (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``). Following the OWASP guidance on CSV
injection, such a cell gets a leading single quote, so it is shown as the text it is. Only text is
escaped: genuine numbers (``int``, ``float``, ``Decimal``) stay number cells, also when negative.

Every export builds its rows through :func:`escape_row` (or :func:`dataset`). Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import tablib

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: Any) -> Any:
    """The value, with a leading ``'`` if it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def escape_row(row: Iterable[Any]) -> list[Any]:
    return [escape_formula(v) for v in row]


def dataset(headers: Sequence[str], rows: Iterable[Iterable[Any]], *, title: str | None = None) -> Any:
    """A ``tablib.Dataset`` whose every cell went through :func:`escape_formula`."""
    data = tablib.Dataset(headers=escape_row(headers), title=title)
    for row in rows:
        data.append(escape_row(row))
    return data
