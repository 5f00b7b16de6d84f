"""Records produced by the parsers, and the error type they raise.

Pure Python: no Django. The lead's importer stores :class:`ParsedObservation` records as
``Observation`` rows inside one transaction; the parsers never return partial results
(any problem raises :class:`ParseError`).

Numbers are :class:`decimal.Decimal`, built from the exact source text (or from JSON numbers
parsed as ``Decimal``, or from the ``repr`` of a spreadsheet float), so counts match the source
exactly and no binary-float rounding creeps in. ``Decimal("58085.0") == Decimal(58085)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, NamedTuple

from cyberbeeld.common.errors import ImportRefused, RowError

PeriodKind = Literal["year", "halfyear", "quarter", "month"]
Status = Literal["provisional", "definitive"]
DimensionKind = Literal["area", "period", "margin", "other"]

_CBS_PERIOD_PART: dict[str, str] = {"year": "JJ", "halfyear": "HJ", "quarter": "KW", "month": "MM"}


class Period(NamedTuple):
    """A normalised period: ``Period("year", 2012, 0)`` for CBS ``2012JJ00``,
    ``Period("month", 2012, 3)`` for ``2012MM03``, ``Period("quarter", 2012, 1)`` for ``2012KW01``.

    ``number`` is 0 for years, 1–2 for half years, 1–4 for quarters and 1–12 for months.
    Being a tuple it hashes and sorts cheaply; :attr:`code` gives the CBS code back.
    """

    kind: PeriodKind
    year: int
    number: int = 0

    @property
    def code(self) -> str:
        """The CBS StatLine period code, e.g. ``2012JJ00``, ``2012KW01``, ``2012MM03``."""
        return f"{self.year:04d}{_CBS_PERIOD_PART[self.kind]}{self.number:02d}"

    def __str__(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}-H{self.number}"


@dataclass(frozen=True, slots=True)
class ParsedObservation:
    """One value: indicator (measure) × area × period × other dimensions.

    ``dimensions`` holds the dimensions other than area and period (for CBS tables e.g.
    ``{"SoortMisdrijf": "3.7.4"}``), keyed by dimension name, values stripped of CBS padding.
    Identical dimension mappings are shared between records (do not mutate them).
    ``value`` is ``None`` only when the caller asked for ``keep_missing=True`` and the source cell
    was empty or a CBS symbol ('.', 'x', '-', …).
    ``status`` is ``None`` when the source does not say (the caller decides the default).
    ``source_row`` is the 1-based line number in a CSV file (header = line 1), the sheet row in
    an XLSX file, or the 1-based record number in a JSON file.
    """

    source_table: str
    measure_code: str
    area: str
    period: Period
    dimensions: Mapping[str, str]
    value: Decimal | None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    se: Decimal | None = None
    n: int | None = None
    status: Status | None = None
    source_row: int = 0

    @property
    def key(self) -> tuple[str, str, Period, tuple[tuple[str, str], ...]]:
        """The identity of the observation within one table (used for duplicate detection)."""
        return (self.measure_code, self.area, self.period, tuple(sorted(self.dimensions.items())))


@dataclass(frozen=True, slots=True)
class CodeItem:
    """One entry of a dimension code list (CBS ``Key``/``Title``/``Description``/``Status``)."""

    key: str
    title: str
    description: str = ""
    status: Status | None = None


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    key: str
    title: str
    kind: DimensionKind
    codes: Mapping[str, CodeItem] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MeasureInfo:
    """A measure (CBS topic) with its title and unit from ``DataProperties``/``MeasureCodes``."""

    key: str
    title: str
    unit: str = ""
    decimals: int | None = None
    datatype: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class TableMetadata:
    identifier: str
    title: str
    format: str
    source: str
    modified: str = ""
    short_title: str = ""
    measures: Mapping[str, MeasureInfo] = field(default_factory=dict)
    dimensions: Mapping[str, DimensionInfo] = field(default_factory=dict)
    encoding: str = ""
    delimiter: str = ""
    decimal_separator: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedTable:
    """The complete, validated result of parsing one file or directory."""

    metadata: TableMetadata
    observations: tuple[ParsedObservation, ...]
    rows_read: int = 0
    cells_read: int = 0
    missing_cells: int = 0

    def __len__(self) -> int:
        return len(self.observations)


@dataclass(frozen=True)
class Problem(RowError):
    """One thing wrong with the input, in Dutch with an English alternative: the common
    :class:`~cyberbeeld.common.errors.RowError`, with the parsers' names for its parts."""

    @classmethod
    def at(cls, file: str, row: int | None, column: str | None, nl: str, en: str) -> Problem:
        return cls(nl=nl, en=en, file=file, row=row, field=column)

    @property
    def column(self) -> str | None:
        return self.field

    @property
    def reason_nl(self) -> str:
        return self.nl

    @property
    def reason_en(self) -> str:
        return self.en

    def location_nl(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"rij {self.row}")
        if self.column is not None:
            parts.append(f"kolom '{self.column}'")
        return ", ".join(parts)

    def location_en(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    @property
    def message_nl(self) -> str:
        loc = self.location_nl()
        return f"{loc}: {self.reason_nl}" if loc else self.reason_nl

    @property
    def message_en(self) -> str:
        loc = self.location_en()
        return f"{loc}: {self.reason_en}" if loc else self.reason_en

    def __str__(self) -> str:
        return f"{self.message_nl} / {self.message_en}"


class ParseError(ImportRefused):
    """The input could not be parsed; ``problems`` (= ``errors``) lists every problem found (up to a cap),
    in file order, the first one first. ``str(error)`` is a one-line summary naming the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], truncated: bool = False):
        if not problems:
            raise ValueError("ParseError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.truncated = truncated
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = ""
        if more or truncated:
            plus = "+" if truncated else ""
            suffix = f" (en nog {more}{plus} andere problemen / and {more}{plus} more problems)"
        name = (first.file or "").rsplit("/", 1)[-1]
        super().__init__(list(self.problems))
        self.args = (f"{name}: {first}{suffix}",)  # str(): the one-line summary, in both languages

    def __reduce__(self) -> tuple[type[ParseError], tuple[tuple[Problem, ...], bool]]:
        return (type(self), (self.problems, self.truncated))  # picklable (task queues, processes)

    @property
    def first(self) -> Problem:
        return self.problems[0]

    def report(self) -> str:
        """All problems, one per line (for a log or an import-batch record)."""
        lines = [str(p) for p in self.problems]
        if self.truncated:
            lines.append("… (meer problemen weggelaten / more problems omitted)")
        return "\n".join(lines)


class Problems:
    """Collects problems while parsing; :meth:`raise_if_any` raises one :class:`ParseError`."""

    def __init__(self, file: str, cap: int = 100) -> None:
        self.file = file
        self.cap = cap
        self.items: list[Problem] = []
        self.truncated = False

    def add(self, row: int | None, column: str | None, nl: str, en: str) -> None:
        if len(self.items) >= self.cap:
            self.truncated = True
            return
        self.items.append(Problem.at(self.file, row, column, nl, en))

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.cap

    def fail(self, row: int | None, column: str | None, nl: str, en: str) -> ParseError:
        """Add a fatal problem and return the error to raise (``raise problems.fail(...)``)."""
        self.add(row, column, nl, en)
        return ParseError(self.items, self.truncated)

    def raise_if_any(self) -> None:
        if self.items:
            raise ParseError(self.items, self.truncated)
