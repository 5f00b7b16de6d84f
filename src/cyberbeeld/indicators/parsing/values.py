"""Cell-level conversions: numbers, periods, area codes, status. Pure, cached where it pays.

Each converter raises :class:`CellError` (a Dutch and an English reason) on bad input; the
format parsers turn that into a :class:`~.model.Problem` with the row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Literal

from cyberbeeld.common.errors import Invalid

from .model import Period, PeriodKind, Status

DecimalSeparator = Literal[",", "."]

#: Cells that mean "no value": empty, and the CBS symbols '.' (unknown/unreliable/secret),
#: 'x' (secret), '-' (nil — CBS uses it for "nihil"; we follow the import rule and treat it as
#: missing rather than zero), '..', '?', plus what pandas/R write for NaN/NA.
MISSING: frozenset[str] = frozenset(
    {"", ".", "..", "-", "x", "X", "?", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None"}
)


class CellError(Invalid):
    code = "cell"

    def __init__(self, nl: str, en: str) -> None:
        super().__init__(nl, en)
        self.args = (en,)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def not_a_number(text: object) -> CellError:
    t = _clip(str(text))
    return CellError(f"'{t}' is geen getal", f"'{t}' is not a number")


# --- numbers -------------------------------------------------------------------------------

_NL_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|[+-]?,\d+")
_EN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+(?:[eE][+-]?\d+)?")
_SPACES = str.maketrans("", "", " \u00a0\u202f'")


def parse_decimal(cell: object, decimal: DecimalSeparator = ".") -> Decimal | None:
    """Parse one numeric cell; ``None`` for a missing value (see :data:`MISSING`).

    ``decimal=","`` (Dutch): '14.174' → 14174, '12,5' → 12.5, '1.234,5' → 1234.5.
    ``decimal="."``: '14174', '12.5', '1,234.5', '1e-3'. Both accept a leading '+'/'-' or a
    Unicode minus, spaces or non-breaking spaces as thousands separators and a trailing '%'.
    Spreadsheet numbers (int/float) are taken as they are (floats through ``repr``).
    """
    if cell is None:
        return None
    if isinstance(cell, str):
        s = cell.strip()
        if s in MISSING:
            return None
    elif isinstance(cell, bool):
        raise not_a_number(cell)
    elif isinstance(cell, Decimal):
        if not cell.is_finite():
            return None if cell.is_nan() else _raise(not_a_number(cell))
        return cell
    elif isinstance(cell, int):
        return Decimal(cell)
    elif isinstance(cell, float):
        if cell != cell:  # NaN
            return None
        if cell in (float("inf"), float("-inf")):
            raise not_a_number(cell)
        return Decimal(repr(cell))
    else:
        raise not_a_number(cell)
    # fast paths: plain numbers ('14174', '12.5', '-3'; Dutch '12,5'), no separators or spaces
    if "_" not in s and " " not in s:
        fast: str | None = None
        if decimal == ".":
            if "," not in s:
                fast = s
        elif "." not in s and s.count(",") <= 1:
            fast = s.replace(",", ".")
        if fast is not None:
            try:
                d = Decimal(fast)
            except InvalidOperation:
                pass
            else:
                if d.is_finite():
                    return d
                raise not_a_number(s)
    t = s.replace("\u2212", "-").translate(_SPACES)
    if t.endswith("%"):
        t = t[:-1].rstrip()
    if decimal == ",":
        if not _NL_NUMBER.fullmatch(t):
            raise not_a_number(s)
        t = t.replace(".", "").replace(",", ".")
    else:
        if not _EN_NUMBER.fullmatch(t):
            raise not_a_number(s)
        t = t.replace(",", "")
    try:
        return Decimal(t)
    except InvalidOperation:
        raise not_a_number(s) from None


def _raise(err: Exception) -> Decimal:
    raise err


def parse_count(cell: object, decimal: DecimalSeparator = ".") -> int | None:
    """A whole number (e.g. the number of respondents ``n``)."""
    d = parse_decimal(cell, decimal)
    if d is None:
        return None
    if d != d.to_integral_value():
        t = _clip(str(cell))
        raise CellError(f"'{t}' is geen geheel getal", f"'{t}' is not a whole number")
    if d < 0:
        t = _clip(str(cell))
        raise CellError(f"'{t}' is negatief", f"'{t}' is negative")
    return int(d)


_ONLY_NL = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+,\d+|\d+,(?:\d{1,2}|\d{4,})|0,\d+|,\d+)\s*%?")
_ONLY_EN = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d+\.(?:\d{1,2}|\d{4,})|0\.\d+|\.\d+)\s*%?")


def detect_decimal(cells: Iterable[object], delimiter: str) -> DecimalSeparator:
    """Guess the decimal separator of a text file from its value cells.

    The first value that can only be read one way decides: '12,5', '1.234,5', '0,25' mean a
    decimal comma; '12.5', '1,234.5', '0.125' mean a decimal point. If every value is ambiguous
    (integers, or '14.174' / '12,500' which could be thousands), a file separated by ';' or tab
    is read the Dutch way (decimal comma, thousands dots) and a comma-separated one the English way.
    """
    for cell in cells:
        if not isinstance(cell, str) or ("," not in cell and "." not in cell):
            continue
        s = cell.strip().replace("\u2212", "-")
        if _ONLY_NL.fullmatch(s):
            return ","
        if _ONLY_EN.fullmatch(s):
            return "."
    return "." if delimiter == "," else ","


# --- periods -------------------------------------------------------------------------------

_CBS_CODE = re.compile(r"(\d{4})(JJ|KW|MM|HJ)(\d{2})")
_MONTHS_NL = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10, "mar": 3, "oct": 10,
}  # fmt: skip
_PATTERNS: list[tuple[re.Pattern[str], PeriodKind]] = [
    (re.compile(r"(\d{4})"), "year"),
    (re.compile(r"(\d{4})-?(?:M|MM)?(\d{1,2})", re.I), "month"),  # 2012-03, 2012M03
    (re.compile(r"(\d{4})-(\d{1,2})-01(?:[ T]00:00(?::00)?)?"), "month"),  # 2012-03-01 (first of month)
    (re.compile(r"(\d{4})\s*[-/ ]?\s*(?:Q|K|KW)\s*([1-4])", re.I), "quarter"),  # 2012Q1, 2012-Q1, 2012 K1
    (re.compile(r"(\d{4})\s*(?:-|\s)?\s*([1-4])\s*e?\s*kwartaal", re.I), "quarter"),  # 2012 1e kwartaal
    (re.compile(r"(?:Q|K)([1-4])\s*[-/ ]?\s*(\d{4})", re.I), "quarter"),  # Q1 2012
    (re.compile(r"(\d{4})\s*[-/ ]?\s*(?:H|HJ)\s*([12])", re.I), "halfyear"),  # 2012H1
    (re.compile(r"(\d{4})\s*(?:-|\s)?\s*([12])\s*e?\s*halfjaar", re.I), "halfyear"),
]
_MONTH_NAME = re.compile(r"(\d{4})\s+([a-z]+)\.?", re.I)
_LIMITS: dict[str, int] = {"year": 0, "halfyear": 2, "quarter": 4, "month": 12}


def bad_period(text: object) -> CellError:
    t = _clip(str(text))
    return CellError(
        f"'{t}' is geen geldige periode (verwacht bv. 2019, 2019JJ00, 2019KW01, 2019MM03, 2019-03)",
        f"'{t}' is not a valid period (expected e.g. 2019, 2019JJ00, 2019KW01, 2019MM03, 2019-03)",
    )


def _make(kind: PeriodKind, year: int, number: int, text: object) -> Period:
    if not 1800 <= year <= 2200:
        raise bad_period(text)
    limit = _LIMITS[kind]
    if kind == "year":
        if number != 0:
            raise bad_period(text)
    elif not 1 <= number <= limit:
        raise bad_period(text)
    return Period(kind, year, number)


def _parse_period_text(s: str) -> tuple[Period, bool]:
    provisional = False
    if s.endswith("*"):  # CBS titles mark provisional periods with an asterisk: '2023*'
        provisional = True
        s = s[:-1].rstrip()
    m = _CBS_CODE.fullmatch(s)
    if m:
        year, part, num = int(m.group(1)), m.group(2), int(m.group(3))
        kind: PeriodKind = {"JJ": "year", "KW": "quarter", "MM": "month", "HJ": "halfyear"}[part]  # type: ignore[assignment]
        return _make(kind, year, num, s), provisional
    for i, (pattern, kind) in enumerate(_PATTERNS):
        m = pattern.fullmatch(s)
        if m:
            if kind == "year":
                return _make("year", int(m.group(1)), 0, s), provisional
            if i == 5:  # Q1 2012
                return _make(kind, int(m.group(2)), int(m.group(1)), s), provisional
            return _make(kind, int(m.group(1)), int(m.group(2)), s), provisional
    m = _MONTH_NAME.fullmatch(s)
    if m and m.group(2).lower() in _MONTHS_NL:
        return _make("month", int(m.group(1)), _MONTHS_NL[m.group(2).lower()], s), provisional
    raise bad_period(s)


class PeriodParser:
    """Parses period cells with a cache (a table has few distinct periods).

    Returns ``(period, provisional_marker)``; the marker is True for CBS titles like '2023*'.
    """

    def __init__(self) -> None:
        self._cache: dict[object, tuple[Period, bool]] = {}

    def __call__(self, cell: object) -> tuple[Period, bool]:
        try:
            return self._cache[cell]
        except KeyError:
            pass
        except TypeError:  # unhashable
            raise bad_period(cell) from None
        result = parse_period(cell)
        self._cache[cell] = result
        return result


def parse_period(cell: object) -> tuple[Period, bool]:
    """Normalise a period cell: CBS codes (2012JJ00, 2012KW01, 2012MM03, 2012HJ01), years
    (2012, '2012', 2012.0), CBS titles ('2012*', '2012 1e kwartaal', '2012 maart'), ISO-like
    text ('2012-03', '2012-03-01', '2012M03', '2012-Q1', '2012Q1', 'Q1 2012', '2012H1') and
    spreadsheet dates on the first of a month."""
    if isinstance(cell, bool):
        raise bad_period(cell)
    if isinstance(cell, int):
        return _make("year", cell, 0, cell), False
    if isinstance(cell, float | Decimal):
        if cell == int(cell):
            return _make("year", int(cell), 0, cell), False
        raise bad_period(cell)
    if isinstance(cell, dt.datetime | dt.date):
        if cell.day != 1:
            raise bad_period(cell)
        return _make("month", cell.year, cell.month, cell), False
    if not isinstance(cell, str):
        raise bad_period(cell)
    s = cell.strip()
    if not s:
        raise CellError("periode ontbreekt", "period is missing")
    return _parse_period_text(s)


def looks_like_period(text: str) -> bool:
    try:
        parse_period(text)
    except CellError:
        return False
    return True


# --- areas ---------------------------------------------------------------------------------

_AREA_CODE = re.compile(r"([A-Za-z]{2})\s*(\d{1,8})")
#: Area-code prefixes we know: gemeente, provincie, politie-eenheid (RE), wijk, buurt, landsdeel,
#: COROP, veiligheidsregio, land.
AREA_PREFIXES = frozenset({"GM", "PV", "RE", "WK", "BU", "LD", "CR", "VR", "NL", "RS", "PD", "BT", "GG"})
_NATIONAL_NAMES = {"nederland": "NL01", "the netherlands": "NL01", "netherlands": "NL01", "nl": "NL01"}

AreaLookup = Mapping[str, str] | Callable[[str], str | None]


def normalise_area_code(cell: object) -> str | None:
    """'GM1680    ' → 'GM1680', 'gm935' → 'GM0935', 'NL00'/'NL' → 'NL01', 'PV 20' → 'PV20';
    bare municipality numbers 935/'0935' → 'GM0935'. ``None`` if the cell is not a code."""
    if isinstance(cell, int) and not isinstance(cell, bool):
        return f"GM{cell:04d}" if 0 < cell <= 9999 else None
    if isinstance(cell, float) and cell.is_integer():
        return normalise_area_code(int(cell))
    if not isinstance(cell, str):
        return None
    s = cell.strip()
    if s.isdigit():
        return f"GM{int(s):04d}" if len(s) <= 4 and int(s) > 0 else None
    m = _AREA_CODE.fullmatch(s)
    if not m:
        return _NATIONAL_NAMES.get(s.lower()) if s.lower() == "nl" else None
    prefix, digits = m.group(1).upper(), m.group(2)
    if prefix not in AREA_PREFIXES:
        return None
    if prefix == "NL":
        return "NL01"
    if prefix == "GM":
        return f"GM{int(digits):04d}" if len(digits) <= 4 else None
    if prefix in ("PV", "RE", "LD", "VR", "CR", "RS") and len(digits) < 2:
        digits = digits.zfill(2)
    return prefix + digits


_TITLE_SUFFIX = re.compile(r"\s*\((?:gemeente|gem\.|PV|LD|CR|RE|provincie|landsdeel|COROP)\)\s*$", re.I)


class AreaResolver:
    """Maps an area cell to a normalised code: a code as such, 'Nederland' → NL01, else a name
    looked up through the caller's ``area_lookup`` (a mapping or a callable name → code), first
    as written, then without a CBS suffix such as ' (gemeente)' or ' (PV)', then case-folded."""

    def __init__(self, lookup: AreaLookup | None = None, titles: Mapping[str, str] | None = None) -> None:
        self._lookup = lookup
        self._titles = dict(titles or {})
        self._cache: dict[object, str] = {}
        self._folded: dict[str, str] | None = None

    def _ask(self, name: str) -> str | None:
        if name in self._titles:
            return self._titles[name]
        lk = self._lookup
        if lk is None:
            return None
        if callable(lk):
            return lk(name)
        found = lk.get(name)
        if found is None:
            if self._folded is None:
                self._folded = {k.casefold(): v for k, v in lk.items()}
            found = self._folded.get(name.casefold())
        return found

    def __call__(self, cell: object) -> str:
        try:
            return self._cache[cell]
        except (KeyError, TypeError):
            pass
        code = normalise_area_code(cell)
        if code is None and isinstance(cell, str):
            name = cell.strip()
            if not name:
                raise CellError("gebied ontbreekt", "area is missing")
            code = _NATIONAL_NAMES.get(name.lower())
            if code is None:
                for candidate in dict.fromkeys((name, _TITLE_SUFFIX.sub("", name))):
                    found = self._ask(candidate)
                    if found:
                        code = normalise_area_code(found) or found.strip()
                        break
        if code is None:
            t = _clip(str(cell))
            if self._lookup is None and not self._titles:
                raise CellError(
                    f"'{t}' is geen gebiedscode (GMxxxx, PVxx, WKxxxxxx, NL01) en er is geen naamlijst opgegeven",
                    f"'{t}' is not an area code (GMxxxx, PVxx, WKxxxxxx, NL01) and no name lookup was given",
                )
            suggest = getattr(self._lookup, "suggest", None)
            hint = suggest(str(cell)) if callable(suggest) else None
            if hint:
                raise CellError(f"onbekend gebied '{t}'; bedoelt u '{hint[0]}' ({hint[1]})?",
                                f"unknown area '{t}'; did you mean '{hint[0]}' ({hint[1]})?")
            raise CellError(f"onbekend gebied '{t}'", f"unknown area '{t}'")
        try:
            self._cache[cell] = code
        except TypeError:
            pass
        return code


# --- status --------------------------------------------------------------------------------

_STATUS: dict[str, Status | None] = {
    "": None,
    "voorlopig": "provisional",
    "nader voorlopig": "provisional",
    "voorl.": "provisional",
    "v": "provisional",
    "provisional": "provisional",
    "preliminary": "provisional",
    "definitief": "definitive",
    "def.": "definitive",
    "d": "definitive",
    "definitive": "definitive",
    "final": "definitive",
}


def parse_status(cell: object) -> Status | None:
    """'Voorlopig'/'Nader voorlopig' → provisional, 'Definitief' → definitive, empty → None."""
    if cell is None:
        return None
    s = str(cell).strip().lower()
    try:
        return _STATUS[s]
    except KeyError:
        t = _clip(str(cell))
        raise CellError(
            f"'{t}' is geen geldige status (Voorlopig, Definitief)",
            f"'{t}' is not a valid status (Voorlopig/provisional, Definitief/definitive)",
        ) from None
