"""Parsers for indicator tables — the pure core of the importers (no Django).

``parse(path, **options) -> ParsedTable`` reads one file (or CBS table directory) and returns
every observation as a :class:`ParsedObservation`, plus :class:`TableMetadata` (title,
identifier, modified, measure titles and units, dimension code lists). ``sniff(path)`` tells
which layout a file holds:

* ``cbs-odata3`` — CBS StatLine OData v3: ``TableInfos``, ``DataProperties``, code lists and
  ``TypedDataSet``/``UntypedDataSet``/``data.csv``, as OData JSON, cbsodata JSON lists or the CSV
  files cbsodataR writes (names optionally prefixed ``<TABLEID>_``).
* ``cbs-odata4`` — CBS OData v4: ``Observations`` + ``MeasureCodes``/``Dimensions``/
  ``<Dim>Codes``/``Properties``, JSON or CSV.
* ``cbs-extract`` — a flat pandas/R extract whose dimension columns hold titles
  ("'s-Gravenhage (gemeente)", "Misdrijven, totaal", "2010"); titles go back to keys through the
  code lists next to the file and the caller's ``area_lookup``.
* ``wide`` — areas down, periods across, optional ``<period> ondergrens/bovengrens``,
  ``<period>_lo/_hi``, ``_se``, ``_n`` columns; CSV or XLSX.
* ``tidy`` — one observation per row: indicator, area, period, value, ci_low, ci_high, se, n,
  status (with Dutch aliases; also the police ``incident_type_code, year, incident_count``
  files); CSV, XLSX or JSON records.

Text files: UTF-8 (BOM or not), else cp1252; delimiter ',', ';', tab or '|' from the header;
decimal comma and thousands dots ('14.174', '1.234,5') detected per file (or ``decimal=``);
empty cells and the CBS symbols '.', '..', 'x', '-' (and NA/NaN) are missing values.

Values are ``Decimal`` (exact; counts match the source digit for digit). Periods are
:class:`Period` tuples (``Period("year", 2012, 0)``, ``.code == "2012JJ00"``). Areas are
normalised codes (``GM0935``, ``NL01`` — CBS ``NL00`` becomes ``NL01`` —, ``PV20``, ``RE01``,
``WK093501``, ``BU…``). Status is ``"provisional"``, ``"definitive"`` or ``None``.

Errors: :class:`ParseError` with ``problems`` = (file, row, column, reason NL, reason EN), all
of them up to ``max_errors``, first first; ``str(problem)`` reads
"rij 17, kolom '2019': 'abc' is geen getal / row 17, column '2019': 'abc' is not a number".
"""

from __future__ import annotations

from .parsing import (
    CodeItem,
    DimensionInfo,
    Format,
    MeasureInfo,
    Options,
    ParsedObservation,
    ParsedTable,
    ParseError,
    Period,
    Problem,
    TableMetadata,
    parse,
    parse_period,
    sniff,
)
from .parsing.values import normalise_area_code, parse_decimal

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
    "normalise_area_code",
    "parse",
    "parse_decimal",
    "parse_period",
    "sniff",
]
