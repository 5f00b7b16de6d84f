"""Shared machinery: options, the observation builder (duplicates, progress), code lists."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .model import CodeItem, ParsedObservation, ParsedTable, Period, Problems, Status, TableMetadata
from .readers import json_records, load_json, read_csv
from .values import AreaLookup, CellError, DecimalSeparator, parse_status

ProgressCallback = Callable[[int, int | None], None]
PROGRESS_EVERY = 10_000


@dataclass
class Options:
    """Options accepted by :func:`cyberbeeld.indicators.parsers.parse` (all optional).

    area_lookup:  name → area code (mapping or callable), for files that name areas instead of
                  coding them (the areas app provides it).
    area:         the area of every row when the file has no area column/dimension (e.g. "NL01"
                  for national files); CBS tables without a regional dimension default to NL01.
    measure:      the measure code when the file has no indicator column (wide and tidy layouts);
                  default: the value column's header (tidy) or the file name stem (wide).
    code_lists:   dimension name → CBS code list file (CSV/JSON with Key/Title) or a mapping
                  title → key, used to turn titles back into codes (labelled extracts, tidy files).
    dimension_columns: column → dimension name for extra columns of a tidy file.
    ignore_columns: columns to skip entirely.
    decimal:      ',' or '.'; default: detected (see ``values.detect_decimal``).
    delimiter:    CSV delimiter; default: detected from the header line.
    sheet:        XLSX sheet name or index (default: the first sheet).
    keep_missing: also return records with value None for missing cells (default: skip them;
                  ``ParsedTable.missing_cells`` counts them).
    on_progress:  called as ``on_progress(done_rows, total_rows_or_None)``.
    max_errors:   cap on the number of problems collected before giving up (default 100).
    source_table: overrides the table identifier written into every record.
    """

    area_lookup: AreaLookup | None = None
    area: str | None = None
    measure: str | None = None
    code_lists: Mapping[str, str | Path | Mapping[str, str]] = field(default_factory=dict)
    dimension_columns: Mapping[str, str] = field(default_factory=dict)
    ignore_columns: tuple[str, ...] = ()
    decimal: DecimalSeparator | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    keep_missing: bool = False
    on_progress: ProgressCallback | None = None
    max_errors: int = 100
    source_table: str | None = None


OPTION_NAMES = frozenset(Options.__dataclass_fields__)


def duplicate_problem(first_row: int) -> tuple[str, str]:
    return (
        f"dubbele sleutel: deze combinatie van indicator, gebied, periode en dimensies staat al in rij {first_row}",
        f"duplicate key: this combination of indicator, area, period and dimensions is already in row {first_row}",
    )


class Builder:
    """Collects observations, rejects duplicate keys, reports progress."""

    def __init__(self, source_table: str, problems: Problems, options: Options, total: int | None) -> None:
        self.source_table = source_table
        self.problems = problems
        self.on_progress = options.on_progress
        self.keep_missing = options.keep_missing
        self.total = total
        self.observations: list[ParsedObservation] = []
        self._seen: dict[tuple[str, str, Period, tuple[tuple[str, str], ...]], int] = {}
        self._dims: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self.decimal: DecimalSeparator = "."
        self.missing = 0
        self.rows = 0
        self.cells = 0
        self._next_progress = PROGRESS_EVERY

    def dims(self, values: Mapping[str, str]) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
        """Intern a dimension mapping: returns its key and a shared dict."""
        key = tuple(sorted(values.items()))
        shared = self._dims.get(key)
        if shared is None:
            shared = self._dims[key] = dict(key)
        return key, shared

    def add(
        self,
        measure: str,
        area: str,
        period: Period,
        dims: tuple[tuple[tuple[str, str], ...], dict[str, str]],
        value: Decimal | None,
        ci_low: Decimal | None,
        ci_high: Decimal | None,
        se: Decimal | None,
        n: int | None,
        status: Status | None,
        row: int,
        column: str | None = None,
    ) -> None:
        if value is None and not self.keep_missing:
            self.missing += 1
            return
        key = (measure, area, period, dims[0])
        first = self._seen.get(key)
        if first is not None:
            nl, en = duplicate_problem(first)
            self.problems.add(row, column, nl, en)
            return
        self._seen[key] = row
        self.observations.append(
            ParsedObservation(
                self.source_table, measure, area, period, dims[1], value, ci_low, ci_high, se, n, status, row
            )
        )

    def row_done(self) -> None:
        self.rows += 1
        if self.on_progress is not None and self.rows >= self._next_progress:
            self._next_progress += PROGRESS_EVERY
            self.on_progress(self.rows, self.total)

    def finish(self, metadata: TableMetadata) -> ParsedTable:
        if not self.problems and not self.observations and not self.missing:
            self.problems.add(None, None, "het bestand bevat geen gegevensrijen", "the file holds no data rows")
        self.problems.raise_if_any()
        if self.on_progress is not None:
            self.on_progress(self.rows, self.rows)
        return ParsedTable(metadata, tuple(self.observations), self.rows, self.cells, self.missing)


# --- code lists ----------------------------------------------------------------------------


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def load_records(path: Path, problems: Problems) -> list[dict[str, Any]]:
    """Records of a CBS metadata/code-list file (CSV with a header, or OData/plain JSON)."""
    if path.suffix.lower() == ".json":
        recs = json_records(load_json(path, problems))
        if recs is None:
            raise problems.fail(None, None, "JSON bevat geen lijst met records", "JSON holds no list of records")
        return recs
    rows = read_csv(path, problems)
    out = []
    for _, cells in rows.rows:
        if not any(c.strip() for c in cells):
            continue
        out.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(rows.header)})
    return out


def code_items(records: list[dict[str, Any]]) -> dict[str, CodeItem]:
    """CBS code list (v3 ``Key``/``Title``/``Description``/``Status``; v4 ``Identifier``…) →
    key (stripped of padding) → :class:`CodeItem`."""
    items: dict[str, CodeItem] = {}
    for rec in records:
        key = _s(rec.get("Key", rec.get("Identifier"))).strip()
        if not key:
            continue
        status: Status | None
        try:
            status = parse_status(rec.get("Status"))
        except CellError:
            status = None
        items[key] = CodeItem(key, _s(rec.get("Title")).strip(), _s(rec.get("Description")).strip(), status)
    return items


_LEADING_NUMBER = re.compile(r"^\d+(?:\.\d+)*\s+")
_TRAILING_QUALIFIER = re.compile(r"\s*\((?:overig|overige)\)$")


class CodeMapper:
    """Maps a dimension cell (a key, padded key or title) to its key.

    With a code list: the key or title must be in it (case-insensitive title match; a title
    without its leading classification number also matches when that is unambiguous, so
    'Bedrog' finds '12 Bedrog' and 'Cybercrime' finds '3.7.4 Cybercrime'), else a problem.
    Without one: the stripped text is kept as is.
    """

    def __init__(self, dimension: str, codes: Mapping[str, CodeItem] | Mapping[str, str] | None) -> None:
        self.dimension = dimension
        self.known = codes is not None and len(codes) > 0
        self._map: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        if codes:
            for k, v in codes.items():
                if isinstance(v, CodeItem):
                    self._map[k] = k
                    self._map.setdefault(v.title, k)
                    self._folded.setdefault(v.title.casefold(), k)
                else:  # title → key mapping
                    key = str(v).strip()
                    self._map[key] = key
                    self._map.setdefault(str(k).strip(), key)
                    self._folded.setdefault(str(k).strip().casefold(), key)
        self._bare: dict[str, str | None] = {}
        for title, key in list(self._folded.items()):
            bare = _LEADING_NUMBER.sub("", title)
            if bare != title and bare not in self._folded:
                self._bare[bare] = None if bare in self._bare and self._bare[bare] != key else key
        # 'Misdrijven WvSr' (a CBS extract) is '4 Misdrijven WvSr (overig)' in the code list; only when unambiguous
        self._short: dict[str, str | None] = {}
        for title, key in list(self._folded.items()):
            bare = _LEADING_NUMBER.sub("", title)
            short = _TRAILING_QUALIFIER.sub("", bare)
            if short != bare:
                self._short[short] = None if short in self._short and self._short[short] != key else key
        self._cache: dict[object, str] = {}

    def __call__(self, cell: object) -> str:
        try:
            return self._cache[cell]
        except (KeyError, TypeError):
            pass
        text = _s(cell).strip()
        if isinstance(cell, float) and cell.is_integer():
            text = str(int(cell))
        if not self.known:
            if not text:
                raise CellError(f"waarde voor {self.dimension} ontbreekt", f"value for {self.dimension} is missing")
            result = text
        else:
            folded = text.casefold()
            found = self._map.get(text) or self._folded.get(folded) or self._bare.get(folded)
            if found is None and folded not in self._bare:
                found = self._short.get(folded)
            if found is None:
                t = text if len(text) <= 40 else text[:39] + "…"
                raise CellError(
                    f"'{t}' staat niet in de codelijst van {self.dimension}",
                    f"'{t}' is not in the code list of {self.dimension}",
                )
            result = found
        self._cache[cell] = result
        return result


def resolve_code_list(
    spec: str | Path | Mapping[str, str], problems: Problems
) -> Mapping[str, CodeItem] | Mapping[str, str]:
    if isinstance(spec, Mapping):
        return spec
    path = Path(spec)
    if not path.exists():
        raise problems.fail(None, None, f"codelijst {path} bestaat niet", f"code list {path} does not exist")
    return code_items(load_records(path, problems))


def header_key(name: str) -> str:
    """Normalise a column header for alias matching: lower case, spaces/dashes → '_'."""
    return re.sub(r"[\s\-/.]+", "_", name.strip().lower()).strip("_")


IGNORED_HEADER = re.compile(r"^(?:unnamed:?[_ ]?\d+|index|level_\d+|)$", re.I)
