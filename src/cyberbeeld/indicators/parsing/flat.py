"""Hand-kept tables: the tidy long layout and the wide layout (areas down, periods across).

Tidy (one observation per row) — column names are matched case-insensitively, with spaces,
dashes and dots read as '_':

=========  ==================================================================================
role       accepted headers
=========  ==================================================================================
indicator  indicator, indicator_code, measure, measure_code, maat, onderwerp, topic
area       area, area_code, gebied, gebiedscode, regio, regios, regiocode, gemeente,
           gemeentecode, gm_code, code, wijk, wijkcode, region
period     period, periode, perioden, year, jaar, date, datum, maand, month, kwartaal, quarter
value      value, waarde, count, aantal, incident_count, frequency, frequentie, percentage
ci_low     ci_low, ci_lo, lo, low, lower, ondergrens, ondergrens_95, lb, ci_lower
ci_high    ci_high, ci_hi, hi, high, upper, bovengrens, bovengrens_95, ub, ci_upper
se         se, standard_error, standaardfout, std_err
n          n, respondenten, aantal_respondenten, sample_size, steekproefomvang
status     status  (Voorlopig / Nader voorlopig / Definitief, or provisional / definitive)
=========  ==================================================================================

``incident_type_code``/``crime_type_code``/``soort_misdrijf`` become the ``SoortMisdrijf``
dimension (the police files in shared/data); ``total_incident_count`` and pandas index columns
are ignored; any other column becomes a dimension named after its header (listed in the notes).
Without an indicator column the measure is ``options.measure`` or the value column's header;
without an area column ``options.area`` is required (e.g. ``area="NL01"``).

Wide (one row per area, one column per period): the area column is the first column whose
header is an area alias (a code column is preferred over a name column) or else the first
non-period column; an optional indicator column allows several indicators in one sheet.
Period columns are any header :func:`~.values.parse_period` accepts (``2019``, ``2019JJ00``,
``2019-03``, ``2019 1e kwartaal``…). Interval/precision columns are ``<period><sep><suffix>``
with ``<sep>`` a space, '_' or '-' (or the suffix in parentheses) and ``<suffix>`` one of:

* lower bound: ``ondergrens`` (optionally followed by ``95%``), ``lo``, ``low``, ``lower``,
  ``ci_low``, ``ci_lo``, ``lb``  — e.g. ``2019 ondergrens``, ``2019_lo``, ``2019 (ondergrens)``
* upper bound: ``bovengrens`` (``95%``), ``hi``, ``high``, ``upper``, ``ci_high``, ``ci_hi``, ``ub``
* standard error: ``se``, ``standaardfout``;  sample size: ``n``, ``respondenten``
* the value itself may also be written ``2019 waarde`` / ``2019_value``.

Other columns that start with a digit or contain a year-like number but are not a period are an
error (a typo such as ``2O19`` must not vanish; pass ``ignore_columns`` for e.g. 'Inwoners 2019');
columns without one (e.g. a name beside a code) are ignored and noted in the metadata.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from .common import (
    IGNORED_HEADER,
    Builder,
    CodeMapper,
    Options,
    duplicate_problem,
    header_key,
    resolve_code_list,
)
from .model import (
    CodeItem,
    DimensionInfo,
    MeasureInfo,
    ParsedObservation,
    ParsedTable,
    Period,
    Problems,
    Status,
    TableMetadata,
)
from .readers import Cell, Rows, read_rows
from .values import (
    AreaResolver,
    CellError,
    DecimalSeparator,
    PeriodParser,
    detect_decimal,
    parse_count,
    parse_decimal,
    parse_period,
    parse_status,
)

ROLE_ALIASES: dict[str, frozenset[str]] = {
    "indicator": frozenset({"indicator", "indicator_code", "indicatorcode", "indicator_id", "measure",
                            "measure_code", "maat", "onderwerp", "topic"}),
    "area": frozenset({"area", "area_code", "areacode", "gebied", "gebiedscode", "gebied_code", "regio",
                       "regios", "regiocode", "regio_code", "gemeente", "gemeentecode", "gemeente_code",
                       "gm_code", "gmcode", "code", "wijk", "wijkcode", "region", "wijkenenbuurten"}),
    "period": frozenset({"period", "periode", "perioden", "year", "jaar", "date", "datum", "maand", "month",
                         "kwartaal", "quarter"}),
    "value": frozenset({"value", "waarde", "count", "aantal", "incident_count", "frequency", "frequentie",
                        "percentage"}),
    "ci_low": frozenset({"ci_low", "ci_lo", "lo", "low", "lower", "ondergrens", "ondergrens_95", "lb",
                         "ci_lower"}),
    "ci_high": frozenset({"ci_high", "ci_hi", "hi", "high", "upper", "bovengrens", "bovengrens_95", "ub",
                          "ci_upper"}),
    "se": frozenset({"se", "standard_error", "standaardfout", "std_err"}),
    "n": frozenset({"n", "respondenten", "aantal_respondenten", "sample_size", "steekproefomvang"}),
    "status": frozenset({"status"}),
}  # fmt: skip
KNOWN_DIMENSIONS = {"incident_type_code": "SoortMisdrijf", "crime_type_code": "SoortMisdrijf",
                    "soort_misdrijf": "SoortMisdrijf", "soortmisdrijf": "SoortMisdrijf"}  # fmt: skip
KNOWN_IGNORED = frozenset({"total_incident_count", "id"})
TIDY_REQUIRED = ("period", "value")


def role_of(header: str) -> str | None:
    hk = header_key(header)
    for role, aliases in ROLE_ALIASES.items():
        if hk in aliases:
            return role
    return None


def _buffered(rows: Rows, limit: int = 5000) -> tuple[list[tuple[int, list[Cell]]], Iterator[tuple[int, list[Cell]]]]:
    head = list(itertools.islice(rows.rows, limit))
    return head, itertools.chain(head, rows.rows)


def _decimal_for(rows: Rows, head: list[tuple[int, list[Cell]]], cols: list[int], options: Options) -> DecimalSeparator:
    if options.decimal is not None:
        return options.decimal
    cells = (cells[i] for _, cells in head for i in cols if i < len(cells))
    return detect_decimal(cells, rows.delimiter if rows.is_text else ";")


def _is_blank(cells: list[Cell]) -> bool:
    return all(c == "" or (isinstance(c, str) and not c.strip()) for c in cells)


def _extra_cells(cells: list[Cell], width: int) -> bool:
    return len(cells) > width and not _is_blank(cells[width:])


def _dimension_mappers(
    dims: list[tuple[int, str]], options: Options, problems: Problems
) -> tuple[list[tuple[int, str, CodeMapper]], dict[str, DimensionInfo]]:
    mappers = []
    infos: dict[str, DimensionInfo] = {}
    for idx, name in dims:
        spec = options.code_lists.get(name)
        codes = resolve_code_list(spec, problems) if spec is not None else None
        mappers.append((idx, name, CodeMapper(name, codes)))
        items = {k: v for k, v in (codes or {}).items() if isinstance(v, CodeItem)}
        infos[name] = DimensionInfo(name, name, "other", items)
    return mappers, infos


def parse_tidy(path: Path, options: Options, problems: Problems) -> ParsedTable:
    rows = read_rows(path, problems, delimiter=options.delimiter, sheet=options.sheet)
    header = rows.header
    roles: dict[str, int] = {}
    dims: list[tuple[int, str]] = []
    notes: list[str] = []
    area_candidates: list[int] = []
    for i, h in enumerate(header):
        hk = header_key(h)
        if h in options.ignore_columns or IGNORED_HEADER.match(h) or hk in KNOWN_IGNORED:
            continue
        if h in options.dimension_columns:
            dims.append((i, options.dimension_columns[h]))
            continue
        role = role_of(h)
        if role == "area":
            area_candidates.append(i)
            continue
        if role is not None:
            if role in roles:
                raise problems.fail(
                    rows.header_row, h,
                    f"kolom voor '{role}' komt twee keer voor ('{header[roles[role]]}' en '{h}')",
                    f"two columns for '{role}' ('{header[roles[role]]}' and '{h}')",
                )  # fmt: skip
            roles[role] = i
        elif hk in KNOWN_DIMENSIONS:
            dims.append((i, KNOWN_DIMENSIONS[hk]))
        elif h:
            dims.append((i, h))
            notes.append(f"kolom '{h}' gelezen als dimensie / column '{h}' read as a dimension")
    if area_candidates:
        coded = [i for i in area_candidates if "code" in header_key(header[i])]
        roles["area"] = (coded or area_candidates)[0]
        for i in area_candidates:
            if i != roles["area"]:
                notes.append(f"kolom '{header[i]}' genegeerd / column '{header[i]}' ignored")
    missing = [r for r in TIDY_REQUIRED if r not in roles]
    if "area" not in roles and options.area is None:
        missing.append("area")
    for role in missing:
        aliases = ", ".join(sorted(ROLE_ALIASES[role])[:6])
        problems.add(
            rows.header_row, role,
            f"kolom '{role}' ontbreekt (verwacht een van: {aliases}…)"
            + (" — of geef area='NL01' op voor een landelijk bestand" if role == "area" else ""),
            f"column '{role}' is missing (expected one of: {aliases}…)"
            + (" — or pass area='NL01' for a national file" if role == "area" else ""),
        )  # fmt: skip
    problems.raise_if_any()

    mappers, dim_infos = _dimension_mappers(dims, options, problems)
    numeric_cols = [roles[r] for r in ("value", "ci_low", "ci_high", "se", "n") if r in roles]
    head, all_rows = _buffered(rows)
    decimal = _decimal_for(rows, head, numeric_cols, options)
    source_table = options.source_table or path.stem
    builder = Builder(source_table, problems, options, rows.total)
    resolve_area = AreaResolver(options.area_lookup)
    default_area = resolve_area(options.area) if options.area is not None and "area" not in roles else None
    periods = PeriodParser()
    i_ind = roles.get("indicator")
    i_area = roles.get("area")
    i_period = roles["period"]
    i_value = roles["value"]
    i_lo, i_hi, i_se, i_n, i_status = (roles.get(r) for r in ("ci_low", "ci_high", "se", "n", "status"))
    default_measure = options.measure or header[i_value]
    width = len(header)
    measures: dict[str, MeasureInfo] = {}
    no_dims = builder.dims({})

    for row_no, cells in all_rows:
        if _is_blank(cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        elif _extra_cells(cells, width):
            problems.add(row_no, None, "de rij heeft meer cellen dan de kop", "the row has more cells than the header")
            continue
        builder.cells += width
        ok = True
        col = ""
        try:
            col = "indicator"
            measure = default_measure
            if i_ind is not None:
                col = header[i_ind]
                measure = str(cells[i_ind]).strip()
                if not measure:
                    raise CellError("indicator ontbreekt", "indicator is missing")
            col = header[i_area] if i_area is not None else "area"
            area = resolve_area(cells[i_area]) if i_area is not None else default_area
            col = header[i_period]
            period, provisional = periods(cells[i_period])
        except CellError as e:
            problems.add(row_no, col, e.nl, e.en)
            ok = False
        dim_values: dict[str, str] = {}
        for idx, name, mapper in mappers:
            try:
                dim_values[name] = mapper(cells[idx])
            except CellError as e:
                problems.add(row_no, header[idx], e.nl, e.en)
                ok = False
        nums: list[Decimal | None] = []
        for num_idx in (i_value, i_lo, i_hi, i_se):
            if num_idx is None:
                nums.append(None)
                continue
            try:
                nums.append(parse_decimal(cells[num_idx], decimal))
            except CellError as e:
                problems.add(row_no, header[num_idx], e.nl, e.en)
                ok = False
        n: int | None = None
        if i_n is not None:
            try:
                n = parse_count(cells[i_n], decimal)
            except CellError as e:
                problems.add(row_no, header[i_n], e.nl, e.en)
                ok = False
        status: Status | None = None
        if i_status is not None:
            try:
                status = parse_status(cells[i_status])
            except CellError as e:
                problems.add(row_no, header[i_status], e.nl, e.en)
                ok = False
        if ok:
            if status is None and provisional:
                status = "provisional"
            if measure not in measures:
                measures[measure] = MeasureInfo(measure, measure)
            dims_shared = builder.dims(dim_values) if dim_values else no_dims
            assert area is not None
            builder.add(measure, area, period, dims_shared, nums[0], nums[1], nums[2], nums[3], n, status,
                        row_no, header[i_value])  # fmt: skip
        builder.row_done()
    metadata = TableMetadata(
        identifier=source_table, title=path.stem, format="tidy", source=str(path), measures=measures,
        dimensions=dim_infos, encoding=rows.encoding, delimiter=rows.delimiter, decimal_separator=decimal,
        notes=tuple(notes),
    )  # fmt: skip
    return builder.finish(metadata)


# --- wide ----------------------------------------------------------------------------------

_SUFFIXES: list[tuple[str, re.Pattern[str]]] = [
    ("ci_low", re.compile(r"ondergrens(?:\s*95\s*%?)?|lo|low|lower|ci_low|ci_lo|lb", re.I)),
    ("ci_high", re.compile(r"bovengrens(?:\s*95\s*%?)?|hi|high|upper|ci_high|ci_hi|ub", re.I)),
    ("se", re.compile(r"se|standaardfout", re.I)),
    ("n", re.compile(r"n|respondenten", re.I)),
    ("value", re.compile(r"waarde|value", re.I)),
]
_WIDE_HEADER = re.compile(r"(?P<p>.+?)(?:\s*[_\-\s]\s*|\s*\(\s*)(?P<s>[A-Za-z][A-Za-z_ ]*?(?:\s*95\s*%?)?)\s*\)?")
_YEARISH = re.compile(r"^\d|(?<!\d)(1[89]|2[01])\d{2}(?!\d)")


def classify_wide_header(h: str) -> tuple[Period, str] | None:
    """``'2019'`` → (2019, 'value'); ``'2019 ondergrens'``/``'2019_lo'`` → (2019, 'ci_low'); else None."""
    h = h.strip()
    try:
        period, _ = parse_period(h)
        return period, "value"
    except CellError:
        pass
    m = _WIDE_HEADER.fullmatch(h)
    if not m:
        return None
    for role, pattern in _SUFFIXES:
        if pattern.fullmatch(m.group("s").strip()):
            try:
                period, _ = parse_period(m.group("p"))
            except CellError:
                return None
            return period, role
    return None


def parse_wide(path: Path, options: Options, problems: Problems) -> ParsedTable:
    rows = read_rows(path, problems, delimiter=options.delimiter, sheet=options.sheet)
    header = rows.header
    groups: dict[Period, dict[str, int]] = {}
    area_candidates: list[int] = []
    other: list[int] = []
    i_ind: int | None = None
    notes: list[str] = []
    for i, h in enumerate(header):
        if h in options.ignore_columns or IGNORED_HEADER.match(h):
            continue
        cls = classify_wide_header(h)
        if cls is not None:
            period, role = cls
            group = groups.setdefault(period, {})
            if role in group:
                problems.add(rows.header_row, h, f"kolom voor {period} ({role}) komt twee keer voor",
                             f"column for {period} ({role}) appears twice")  # fmt: skip
            group[role] = i
            continue
        alias = role_of(h)
        if alias == "area":
            area_candidates.append(i)
        elif alias == "indicator" and i_ind is None:
            i_ind = i
        else:
            other.append(i)
    if not groups:
        raise problems.fail(rows.header_row, None, "geen periodekolommen gevonden (bv. '2019')",
                            "no period columns found (e.g. '2019')")  # fmt: skip
    for period, group in groups.items():
        if "value" not in group:
            first_col = header[min(group.values())]
            problems.add(rows.header_row, first_col, f"er is geen waardekolom voor {period}",
                         f"there is no value column for {period}")  # fmt: skip
    if area_candidates:
        coded = [i for i in area_candidates if "code" in header_key(header[i])]
        i_area = (coded or area_candidates)[0]
        other.extend(i for i in area_candidates if i != i_area)
    elif other:
        i_area = other.pop(0)
    else:
        i_area = -1
        if options.area is None:
            problems.add(rows.header_row, None, "geen gebiedskolom gevonden", "no area column found")
    for i in other:
        if _YEARISH.search(header[i]):
            problems.add(rows.header_row, header[i],
                         f"kolomkop '{header[i]}' is geen geldige periode (bv. '2019', '2019 ondergrens', '2019_lo'); "
                         "bedoelde kolommen die geen periode zijn kunnen met ignore_columns worden overgeslagen",
                         f"column header '{header[i]}' is not a valid period (e.g. '2019', '2019 ondergrens', '2019_lo'); "
                         "columns that are not periods can be skipped with ignore_columns")  # fmt: skip
        elif header[i]:
            notes.append(f"kolom '{header[i]}' genegeerd / column '{header[i]}' ignored")
    problems.raise_if_any()

    ordered = sorted(groups.items())
    spec = [(p, g["value"], g.get("ci_low"), g.get("ci_high"), g.get("se"), g.get("n")) for p, g in ordered]
    numeric_cols = [i for g in groups.values() for i in g.values()]
    head, all_rows = _buffered(rows)
    decimal = _decimal_for(rows, head, numeric_cols, options)
    source_table = options.source_table or path.stem
    builder = Builder(source_table, problems, options, rows.total)
    resolve_area = AreaResolver(options.area_lookup)
    default_area = resolve_area(options.area) if i_area < 0 and options.area is not None else ""
    default_measure = options.measure or path.stem
    measures: dict[str, MeasureInfo] = {}
    no_dims = builder.dims({})[1]
    width = len(header)
    # Periods are unique per row (checked on the header), so a duplicate key can only be a repeated
    # (indicator, area) row: check that once per row and append records directly (the hot loop).
    seen_rows: dict[tuple[str, str], int] = {}
    out = builder.observations
    keep_missing = options.keep_missing
    first_value_col = header[spec[0][1]]
    for row_no, cells in all_rows:
        if _is_blank(cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        elif _extra_cells(cells, width):
            problems.add(row_no, None, "de rij heeft meer cellen dan de kop", "the row has more cells than the header")
            continue
        builder.cells += len(numeric_cols)
        try:
            area = resolve_area(cells[i_area]) if i_area >= 0 else default_area
        except CellError as e:
            problems.add(row_no, header[i_area], e.nl, e.en)
            builder.row_done()
            continue
        measure = default_measure
        if i_ind is not None:
            measure = str(cells[i_ind]).strip()
            if not measure:
                problems.add(row_no, header[i_ind], "indicator ontbreekt", "indicator is missing")
                builder.row_done()
                continue
        if measure not in measures:
            measures[measure] = MeasureInfo(measure, measure)
        first = seen_rows.setdefault((measure, area), row_no)
        if first != row_no:
            nl, en = duplicate_problem(first)
            problems.add(row_no, header[i_area] if i_area >= 0 else first_value_col, nl, en)
            builder.row_done()
            continue
        for period, iv, ilo, ihi, ise, i_n in spec:
            try:
                value = parse_decimal(cells[iv], decimal)
                lo = parse_decimal(cells[ilo], decimal) if ilo is not None else None
                hi = parse_decimal(cells[ihi], decimal) if ihi is not None else None
                se = parse_decimal(cells[ise], decimal) if ise is not None else None
                n = parse_count(cells[i_n], decimal) if i_n is not None else None
            except CellError as e:
                col = _failing_column(cells, header, (iv, ilo, ihi, ise, i_n), decimal)
                problems.add(row_no, col, e.nl, e.en)
                continue
            if value is None and not keep_missing:
                builder.missing += 1
                continue
            out.append(ParsedObservation(source_table, measure, area, period, no_dims, value, lo, hi, se, n, None,
                                         row_no))  # fmt: skip
        builder.row_done()
    metadata = TableMetadata(
        identifier=source_table, title=path.stem, format="wide", source=str(path), measures=measures,
        encoding=rows.encoding, delimiter=rows.delimiter, decimal_separator=decimal, notes=tuple(notes),
    )  # fmt: skip
    return builder.finish(metadata)


def _failing_column(
    cells: list[Cell], header: list[str], idxs: tuple[int | None, ...], decimal: DecimalSeparator
) -> str:
    for k, idx in enumerate(idxs):
        if idx is None:
            continue
        try:
            if k == 4:
                parse_count(cells[idx], decimal)
            else:
                parse_decimal(cells[idx], decimal)
        except CellError:
            return header[idx]
    return header[idxs[0] or 0]


def looks_wide(header: list[str]) -> bool:
    return sum(1 for h in header if classify_wide_header(h) is not None) >= 1 and not (
        {role_of(h) for h in header} >= {"period", "value"}
    )
