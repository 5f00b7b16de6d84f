"""Pure parsing layer of the indicator importers (no Django). Public API: see ``..parsers``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .cbs import parse_cbs_extract, parse_cbs_v3, parse_cbs_v4
from .common import OPTION_NAMES, Options
from .flat import parse_tidy, parse_wide
from .model import (
    CodeItem,
    DimensionInfo,
    MeasureInfo,
    ParsedObservation,
    ParsedTable,
    ParseError,
    Period,
    Problem,
    Problems,
    TableMetadata,
)
from .sniff import Format, sniff
from .values import parse_period

_PARSERS = {
    Format.CBS_ODATA3: parse_cbs_v3,
    Format.CBS_ODATA4: parse_cbs_v4,
    Format.CBS_EXTRACT: parse_cbs_extract,
    Format.WIDE: parse_wide,
    Format.TIDY: parse_tidy,
}


def parse(path: str | Path, *, format: Format | str | None = None, **options: Any) -> ParsedTable:
    """Parse a file or CBS table directory into a :class:`ParsedTable`.

    ``format`` overrides :func:`sniff`. ``options`` are the fields of :class:`Options`
    (area_lookup, area, measure, code_lists, dimension_columns, ignore_columns, decimal,
    delimiter, sheet, keep_missing, on_progress, max_errors, source_table).

    All or nothing: every row is checked and, if anything is wrong, one :class:`ParseError`
    lists all problems (up to ``max_errors``), the first one first; no partial result is returned.
    """
    p = Path(path)
    unknown = set(options) - OPTION_NAMES
    if unknown:
        raise TypeError(f"unknown parse option(s): {', '.join(sorted(unknown))}")
    if "ignore_columns" in options:
        options["ignore_columns"] = tuple(options["ignore_columns"])
    opts = Options(**options)
    fmt = Format(format) if format is not None else sniff(p)
    problems = Problems(str(p), cap=opts.max_errors)
    if not p.exists():
        raise problems.fail(None, None, f"{p} bestaat niet", f"{p} does not exist")
    return _PARSERS[fmt](p, opts, problems)


__all__ = [
    "CodeItem",
    "DimensionInfo",
    "Format",
    "MeasureInfo",
    "Options",
    "ParseError",
    "ParsedObservation",
    "ParsedTable",
    "Period",
    "Problem",
    "TableMetadata",
    "parse",
    "parse_period",
    "sniff",
]
