"""CBS StatLine: OData v3 (TableInfos, DataProperties, code lists, TypedDataSet), OData v4
(Observations, MeasureCodes, Dimensions, <Dimension>Codes, Properties) and 'labelled extracts'
(pandas/R exports of ``get_data`` where dimension columns hold titles instead of keys).

File layout. A table is a directory (or one data file and its siblings). Files are found as
``<prefix><Name>.json`` or ``<prefix><Name>.csv`` where the prefix is empty (what cbsodata and
cbsodataR write) or ``<TABLEID>_`` (e.g. ``47018NED_DataProperties.csv``). The v3 data file is
``TypedDataSet``, ``UntypedDataSet`` or cbsodataR's ``data.csv``; JSON files may be OData
documents (``{"odata.metadata": …, "value": [...]}``) or plain record lists (cbsodata).

Dimensions: the ``GeoDimension``/``GeoDetail`` dimension (v4: ``GeoDimension``/
``GeoDetailDimension``) gives the area (tables without one are national: ``NL01`` unless
``area=`` is given); the ``TimeDimension`` gives the period (its code list's ``Status`` column
gives provisional/definitive); a dimension called ``Marges`` (or whose titles say
Waarde/Ondergrens/Bovengrens) is folded into value/ci_low/ci_high; the others land in
``ParsedObservation.dimensions`` keyed by the dimension key, values stripped of padding.
String topics (e.g. ``Gemeentenaam_2``) are not observations and are skipped (noted).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .common import (
    IGNORED_HEADER,
    Builder,
    CodeMapper,
    Options,
    code_items,
    load_records,
    resolve_code_list,
)
from .model import (
    CodeItem,
    DimensionInfo,
    DimensionKind,
    MeasureInfo,
    ParsedTable,
    Period,
    Problems,
    Status,
    TableMetadata,
)
from .readers import read_rows
from .values import (
    AreaResolver,
    CellError,
    PeriodParser,
    detect_decimal,
    normalise_area_code,
    parse_decimal,
)

V3_DATA_NAMES = ("TypedDataSet", "UntypedDataSet", "data")
V3_METADATA_NAMES = ("TableInfos", "DataProperties", "CategoryGroups")
V3_DIMENSION_TYPES = {"Dimension": "other", "GeoDimension": "area", "GeoDetail": "area", "TimeDimension": "period"}
V4_DIMENSION_KINDS = {"Dimension": "other", "GeoDimension": "area", "GeoDetailDimension": "area",
                      "TimeDimension": "period"}  # fmt: skip
AREA_DIMENSION_NAMES = frozenset({"RegioS", "WijkenEnBuurten", "Regio", "Gemeenten", "Gemeente", "Regios"})
PERIOD_DIMENSION_NAMES = frozenset({"Perioden", "Periode", "Jaar"})
NUMERIC_TYPES = frozenset({"Long", "Double", "Integer", "Float", "Decimal", "Short", "Byte", "Int32", "Int64",
                           "Number", ""})  # fmt: skip
_TEXT_OR_NULL = (str, type(None))
TOPIC_KEY = re.compile(r"^[A-Z][A-Za-z0-9]*_\d+$")
TABLE_ID = re.compile(r"^(\d{5}[A-Z]{3}|\d{5}[a-z]{3}|\d{4}[a-z]{4}|[0-9A-Z]{8})(?=_)")


# --- locating files ------------------------------------------------------------------------


def find_sibling(directory: Path, prefix: str, name: str) -> Path | None:
    for pre in dict.fromkeys((prefix, "")):
        for ext in (".json", ".csv"):
            p = directory / f"{pre}{name}{ext}"
            if p.is_file():
                return p
    return None


def locate_v3(path: Path) -> tuple[Path, str, Path | None]:
    """(directory, file-name prefix, data file or None) for a v3 table directory or data file."""
    if path.is_dir():
        directory = path
        prefix = ""
        for p in sorted(directory.iterdir()):
            if p.stem.endswith("DataProperties") and p.suffix.lower() in (".csv", ".json"):
                prefix = p.stem[: -len("DataProperties")]
                break
        data = None
        for name in V3_DATA_NAMES:
            data = find_sibling(directory, prefix, name)
            if data is not None:
                break
        return directory, prefix, data
    stem = path.stem
    for name in V3_DATA_NAMES:
        if stem.endswith(name):
            return path.parent, stem[: -len(name)], path
    for name in V3_METADATA_NAMES:
        if stem.endswith(name):  # a metadata file stands for its table: find the data beside it
            prefix = stem[: -len(name)]
            data = next((d for n in V3_DATA_NAMES if (d := find_sibling(path.parent, prefix, n)) is not None), None)
            return path.parent, prefix, data
    m = TABLE_ID.match(stem)
    return path.parent, (m.group(1) + "_") if m else "", path


def has_v3_metadata(path: Path) -> bool:
    directory, prefix, _ = locate_v3(path)
    return find_sibling(directory, prefix, "DataProperties") is not None


def locate_v4(path: Path) -> tuple[Path, str, Path | None]:
    if path.is_dir():
        for p in sorted(path.iterdir()):
            if p.stem.endswith("Observations") and p.suffix.lower() in (".csv", ".json"):
                return path, p.stem[: -len("Observations")], p
        return path, "", None
    return path.parent, path.stem[: -len("Observations")] if path.stem.endswith("Observations") else "", path


def _s(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip())
    except ValueError:
        return None


# --- margins -------------------------------------------------------------------------------


def margin_role(item: CodeItem | None, key: str) -> str | None:
    k = key.upper()
    title = (item.title if item else "").lower()
    if k.startswith("MOG") or "ondergrens" in title or "lower" in title:
        return "ci_low"
    if k.startswith("MBG") or "bovengrens" in title or "upper" in title:
        return "ci_high"
    if k.startswith("MW") or "waarde" in title or title == "value":
        return "value"
    return None


def is_margin_dimension(key: str, codes: Mapping[str, CodeItem]) -> bool:
    if key == "Marges":
        return True
    return bool(codes) and all(margin_role(item, k) is not None for k, item in codes.items()) and any(
        margin_role(item, k) == "ci_low" for k, item in codes.items()
    )


# --- the common row engine -----------------------------------------------------------------


@dataclass
class Dim:
    key: str
    kind: DimensionKind
    column: int
    codes: Mapping[str, CodeItem]


class _Pending:
    __slots__ = ("measure", "area", "period", "dims", "status", "row", "column", "value", "ci_low", "ci_high")

    def __init__(self, measure: str, area: str, period: Period, dims: Any, status: Status | None, row: int,
                 column: str) -> None:  # fmt: skip
        self.measure, self.area, self.period, self.dims = measure, area, period, dims
        self.status, self.row, self.column = status, row, column
        self.value: Decimal | None = None
        self.ci_low: Decimal | None = None
        self.ci_high: Decimal | None = None


def _run_rows(
    *,
    path: Path,
    options: Options,
    problems: Problems,
    builder: Builder,
    header: list[str],
    rows: Any,
    dims: list[Dim],
    topics: list[tuple[int, str]],
    measure_col: int | None,
    value_col: int | None,
    labelled: bool,
    area_titles: Mapping[str, str] | None = None,
    measure_codes: Mapping[str, MeasureInfo] | None = None,
) -> None:
    """Turn CBS rows into observations. Either ``topics`` (v3/extract: one column per measure)
    or ``measure_col``/``value_col`` (v4: one measure per row)."""
    area_dim = next((d for d in dims if d.kind == "area"), None)
    period_dim = next((d for d in dims if d.kind == "period"), None)
    margin_dim = next((d for d in dims if d.kind == "margin"), None)
    others = [d for d in dims if d.kind == "other"]
    if period_dim is None:
        raise problems.fail(None, None, "de tabel heeft geen periodedimensie (Perioden)",
                            "the table has no period dimension (Perioden)")  # fmt: skip
    resolve_area = AreaResolver(options.area_lookup, area_titles)
    default_area = resolve_area(options.area or "NL01") if area_dim is None else ""
    periods = PeriodParser()
    period_titles: dict[str, str] = {}
    if labelled:
        for item in period_dim.codes.values():
            period_titles.setdefault(item.title, item.key)
    period_status = {k: item.status for k, item in period_dim.codes.items()}
    mappers = [(d.column, d.key, CodeMapper(d.key, d.codes or None)) for d in others]
    margin_mapper = CodeMapper("Marges", margin_dim.codes) if margin_dim is not None else None
    margin_roles: dict[str, str] = {}
    pending: dict[tuple[Any, ...], _Pending] = {}
    area_codes = area_dim.codes if area_dim is not None else {}
    known_areas: dict[str, str] = {}
    known_periods: dict[str, tuple[Period, Status | None]] = {}  # unlabelled rows: period code -> (period, status)
    shared_dims: dict[tuple[str, ...], tuple[tuple[tuple[str, str], ...], dict[str, str]]] = {}
    width = len(header)
    typed = not labelled  # a labelled extract is text; the OData data sets are often JSON with typed numbers

    for row_no, cells in rows:
        # empty: every cell "", blank or None (a JSON null); a row whose first cell is a typed value (a JSON record's
        # ID) is not: no need to look at every cell
        if (not cells or type(cells[0]) in _TEXT_OR_NULL) and all(
                c == "" or c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        builder.cells += width
        ok = True
        area = default_area
        if area_dim is not None:
            cell = cells[area_dim.column]
            try:
                if labelled:
                    area = resolve_area(cell)
                else:
                    hit = known_areas.get(cell) if isinstance(cell, str) else None
                    if hit is not None:
                        area = hit
                    else:
                        key = _s(cell)
                        code = normalise_area_code(key)
                        if code is None and key in area_codes:
                            code = key  # a CBS region code of a kind we do not normalise
                        if code is None:
                            raise CellError(f"'{key}' is geen gebiedscode", f"'{key}' is not an area code")
                        if area_codes and key not in area_codes:
                            raise CellError(f"'{key}' staat niet in de codelijst van {area_dim.key}",
                                            f"'{key}' is not in the code list of {area_dim.key}")  # fmt: skip
                        area = code
                        if isinstance(cell, str):
                            known_areas[cell] = code  # a table repeats each region once per period and category
            except CellError as e:
                problems.add(row_no, header[area_dim.column], e.nl, e.en)
                ok = False
        status: Status | None = None
        pcell = cells[period_dim.column]
        known = known_periods.get(pcell) if typed and type(pcell) is str else None
        if known is not None:  # a code seen before: its period and status
            period, status = known
        else:
            try:
                pkey = _s(pcell)
                if labelled and pkey in period_titles:
                    pkey = period_titles[pkey]
                elif not labelled and period_dim.codes and pkey not in period_dim.codes:
                    raise CellError(f"'{pkey}' staat niet in de codelijst van {period_dim.key}",
                                    f"'{pkey}' is not in the code list of {period_dim.key}")  # fmt: skip
                period, provisional = periods(pkey)
                status = period_status.get(pkey) or ("provisional" if provisional else None)
                if typed and type(pcell) is str:
                    known_periods[pcell] = (period, status)
            except CellError as e:
                problems.add(row_no, header[period_dim.column], e.nl, e.en)
                ok = False
        dim_values: dict[str, str] = {}
        for col, name, mapper in mappers:
            try:
                dim_values[name] = mapper(cells[col])
            except CellError as e:
                problems.add(row_no, header[col], e.nl, e.en)
                ok = False
        role = "value"
        if margin_mapper is not None and margin_dim is not None:
            try:
                mkey = margin_mapper(cells[margin_dim.column])
                role = margin_roles.get(mkey) or margin_role(margin_dim.codes.get(mkey), mkey) or ""
                if not role:
                    raise CellError(f"onbekende marge '{mkey}'", f"unknown margin '{mkey}'")
                margin_roles[mkey] = role
            except CellError as e:
                problems.add(row_no, header[margin_dim.column], e.nl, e.en)
                ok = False
        if measure_col is not None and value_col is not None:
            measure = _s(cells[measure_col])
            if measure_codes and measure not in measure_codes:
                problems.add(row_no, header[measure_col], f"'{measure}' staat niet in MeasureCodes",
                             f"'{measure}' is not in MeasureCodes")  # fmt: skip
                ok = False
            items = [(value_col, measure)]
        else:
            items = topics
        values: list[tuple[str, Decimal | None, int]] = []
        for col, measure in items:
            cell = cells[col]
            if typed:  # JSON numbers come decoded: nothing to parse (parse_decimal gives the same)
                kind = type(cell)
                if kind is int:
                    values.append((measure, Decimal(cell), col))
                    continue
                if kind is Decimal and cell.is_finite():
                    values.append((measure, cell, col))
                    continue
            try:
                values.append((measure, parse_decimal(cell, builder.decimal), col))
            except CellError as e:
                problems.add(row_no, header[col], e.nl, e.en)
                ok = False
        if ok:
            dims_key = tuple(dim_values.values())  # the mappers run in a fixed order: the values alone are the key
            shared = shared_dims.get(dims_key)
            if shared is None:
                shared = shared_dims[dims_key] = builder.dims(dim_values)
            for measure, value, col in values:
                if margin_dim is None:
                    builder.add(measure, area, period, shared, value, None, None, None, None, status, row_no,
                                header[col])  # fmt: skip
                    continue
                pending_key = (measure, area, period, shared[0])
                p = pending.get(pending_key)
                if p is None:
                    p = pending[pending_key] = _Pending(measure, area, period, shared, status, row_no, header[col])
                if getattr(p, role) is not None:
                    problems.add(row_no, header[margin_dim.column], f"marge '{role}' komt twee keer voor (ook in rij {p.row})",
                                 f"margin '{role}' appears twice (also in row {p.row})")  # fmt: skip
                setattr(p, role, value)
                if role == "value":
                    p.row = row_no
        builder.row_done()
    for p in pending.values():
        builder.add(p.measure, p.area, p.period, p.dims, p.value, p.ci_low, p.ci_high, None, None, p.status, p.row,
                    p.column)  # fmt: skip


def _dimension_infos(dims: list[Dim], titles: Mapping[str, str]) -> dict[str, DimensionInfo]:
    return {d.key: DimensionInfo(d.key, titles.get(d.key, d.key), d.kind, dict(d.codes)) for d in dims}


# --- OData v3 ------------------------------------------------------------------------------


def parse_cbs_v3(path: Path, options: Options, problems: Problems) -> ParsedTable:
    directory, prefix, data_path = locate_v3(path)
    props_path = find_sibling(directory, prefix, "DataProperties")
    if props_path is None:
        raise problems.fail(None, None, f"DataProperties ontbreekt in {directory}", f"DataProperties is missing in {directory}")
    if data_path is None:
        raise problems.fail(
            None, None,
            f"de gegevens (TypedDataSet, UntypedDataSet of data.csv) ontbreken in {directory}",
            f"the data (TypedDataSet, UntypedDataSet or data.csv) is missing in {directory}",
        )  # fmt: skip
    info_path = find_sibling(directory, prefix, "TableInfos")
    info = (load_records(info_path, problems) or [{}])[0] if info_path else {}
    props = load_records(props_path, problems)
    dim_props: list[tuple[str, str, str]] = []
    measures: dict[str, MeasureInfo] = {}
    notes: list[str] = []
    titles: dict[str, str] = {}
    for rec in props:
        typ, key = _s(rec.get("Type")), _s(rec.get("Key"))
        titles[key] = _s(rec.get("Title"))
        if typ in V3_DIMENSION_TYPES:
            dim_props.append((key, V3_DIMENSION_TYPES[typ], typ))
        elif typ == "Topic":
            datatype = _s(rec.get("Datatype"))
            if datatype not in NUMERIC_TYPES:
                notes.append(f"onderwerp {key} ({datatype}) overgeslagen / topic {key} ({datatype}) skipped")
                continue
            measures[key] = MeasureInfo(key, _s(rec.get("Title")), _s(rec.get("Unit")), _int(rec.get("Decimals")),
                                        datatype, _s(rec.get("Description")))  # fmt: skip
    rows = read_rows(data_path, problems, delimiter=options.delimiter, json_nulls=True)
    header = rows.header
    index = {h: i for i, h in enumerate(header)}
    dims: list[Dim] = []
    for key, kind, _typ in dim_props:
        if key not in index:
            problems.add(rows.header_row, key, f"kolom voor dimensie {key} ontbreekt", f"column for dimension {key} is missing")
            continue
        code_path = find_sibling(directory, prefix, key)
        codes: dict[str, CodeItem] = {}
        if code_path is not None:
            codes = code_items(load_records(code_path, problems))
        else:
            notes.append(f"codelijst {key} ontbreekt / code list {key} missing")
        if kind == "other" and is_margin_dimension(key, codes):
            kind = "margin"
        dims.append(Dim(key, kind, index[key], codes))  # type: ignore[arg-type]
    topics = [(index[k], k) for k in measures if k in index]
    absent = [k for k in measures if k not in index]
    if absent:
        notes.append(f"onderwerpen niet in het bestand / topics not in the file: {', '.join(absent)}")
        for k in absent:
            del measures[k]
    if not topics:
        problems.add(rows.header_row, None, "geen numerieke onderwerpen (Topic) in het bestand",
                     "no numeric topics in the file")  # fmt: skip
    problems.raise_if_any()
    identifier = _s(info.get("Identifier")) or prefix.rstrip("_") or directory.name
    builder = Builder(options.source_table or identifier, problems, options, rows.total)
    _run_rows(path=data_path, options=options, problems=problems, builder=builder, header=header, rows=rows.rows,
              dims=dims, topics=topics, measure_col=None, value_col=None, labelled=False)  # fmt: skip
    metadata = TableMetadata(
        identifier=identifier, title=_s(info.get("Title")), format="cbs-odata3", source=str(path),
        modified=_s(info.get("Modified")), short_title=_s(info.get("ShortTitle")), measures=measures,
        dimensions=_dimension_infos(dims, titles), encoding=rows.encoding, delimiter=rows.delimiter,
        decimal_separator=".", notes=tuple(notes),
    )  # fmt: skip
    return builder.finish(metadata)


# --- OData v4 ------------------------------------------------------------------------------

V4_FIXED_COLUMNS = frozenset({"Id", "Measure", "ValueAttribute", "Value", "StringValue"})


def parse_cbs_v4(path: Path, options: Options, problems: Problems) -> ParsedTable:
    directory, prefix, data_path = locate_v4(path)
    if data_path is None:
        raise problems.fail(None, None, f"Observations ontbreekt in {directory}", f"Observations is missing in {directory}")
    rows = read_rows(data_path, problems, delimiter=options.delimiter, json_nulls=True)
    header = rows.header
    index = {h: i for i, h in enumerate(header)}
    for col in ("Measure", "Value"):
        if col not in index:
            problems.add(rows.header_row, col, f"kolom '{col}' ontbreekt", f"column '{col}' is missing")
    problems.raise_if_any()
    notes: list[str] = []
    props_path = find_sibling(directory, prefix, "Properties")
    info = (load_records(props_path, problems) or [{}])[0] if props_path else {}
    measures: dict[str, MeasureInfo] = {}
    mc_path = find_sibling(directory, prefix, "MeasureCodes")
    if mc_path is not None:
        for rec in load_records(mc_path, problems):
            key = _s(rec.get("Identifier"))
            if key:
                measures[key] = MeasureInfo(key, _s(rec.get("Title")), _s(rec.get("Unit")), _int(rec.get("Decimals")),
                                            _s(rec.get("DataType")), _s(rec.get("Description")))  # fmt: skip
    dim_path = find_sibling(directory, prefix, "Dimensions")
    dim_specs: list[tuple[str, str, str]] = []
    if dim_path is not None:
        for rec in load_records(dim_path, problems):
            key = _s(rec.get("Identifier"))
            kind = V4_DIMENSION_KINDS.get(_s(rec.get("Kind")), "other")
            dim_specs.append((key, kind, _s(rec.get("Title"))))
    else:
        for h in header:
            if h in V4_FIXED_COLUMNS or IGNORED_HEADER.match(h):
                continue
            kind = "area" if h in AREA_DIMENSION_NAMES else "period" if h in PERIOD_DIMENSION_NAMES else "other"
            dim_specs.append((h, kind, h))
        notes.append("Dimensions ontbreekt; dimensies afgeleid uit de kolommen / Dimensions missing; taken from columns")
    dims: list[Dim] = []
    titles: dict[str, str] = {}
    for key, kind, title in dim_specs:
        titles[key] = title
        if key not in index:
            problems.add(rows.header_row, key, f"kolom voor dimensie {key} ontbreekt", f"column for dimension {key} is missing")
            continue
        code_path = find_sibling(directory, prefix, f"{key}Codes")
        codes = code_items(load_records(code_path, problems)) if code_path is not None else {}
        if kind == "other" and is_margin_dimension(key, codes):
            kind = "margin"
        dims.append(Dim(key, kind, index[key], codes))  # type: ignore[arg-type]
    problems.raise_if_any()
    identifier = _s(info.get("Identifier")) or prefix.rstrip("_") or directory.name
    builder = Builder(options.source_table or identifier, problems, options, rows.total)
    _run_rows(path=data_path, options=options, problems=problems, builder=builder, header=header, rows=rows.rows,
              dims=dims, topics=[], measure_col=index["Measure"], value_col=index["Value"], labelled=False,
              measure_codes=measures or None)  # fmt: skip
    metadata = TableMetadata(
        identifier=identifier, title=_s(info.get("Title")), format="cbs-odata4", source=str(path),
        modified=_s(info.get("Modified")), short_title=_s(info.get("ShortTitle")), measures=measures,
        dimensions=_dimension_infos(dims, titles), encoding=rows.encoding, delimiter=rows.delimiter,
        decimal_separator=".", notes=tuple(notes),
    )  # fmt: skip
    return builder.finish(metadata)


# --- labelled extracts ---------------------------------------------------------------------


def parse_cbs_extract(path: Path, options: Options, problems: Problems) -> ParsedTable:
    """A flat CBS extract: one column per dimension (titles or keys) and one per topic.

    Code lists are found next to the file as ``<TABLEID>_<Dimension>.csv|json`` (the table id is
    the file name's prefix, e.g. ``83648NED_``) or passed as ``code_lists``; titles are mapped
    back to keys through them. Area titles go through ``area_lookup`` (and a RegioS code list
    when present); without a code list, other dimension titles are kept as they are.
    """
    directory, prefix, _ = locate_v3(path)
    rows = read_rows(path, problems, delimiter=options.delimiter, sheet=options.sheet)
    header = rows.header
    props_path = find_sibling(directory, prefix, "DataProperties") if prefix else None
    props = load_records(props_path, problems) if props_path else []
    prop_types = {_s(r.get("Key")): _s(r.get("Type")) for r in props}
    titles = {_s(r.get("Key")): _s(r.get("Title")) for r in props}
    measures: dict[str, MeasureInfo] = {}
    notes: list[str] = []
    dims: list[Dim] = []
    topics: list[tuple[int, str]] = []
    area_titles: dict[str, str] = {}
    for i, h in enumerate(header):
        if h in options.ignore_columns or IGNORED_HEADER.match(h) or h == "ID":
            continue
        typ = prop_types.get(h)
        if typ == "Topic" or (typ is None and TOPIC_KEY.match(h)):
            topics.append((i, h))
            rec = next((r for r in props if _s(r.get("Key")) == h), {})
            measures[h] = MeasureInfo(h, _s(rec.get("Title")) or h, _s(rec.get("Unit")), _int(rec.get("Decimals")),
                                      _s(rec.get("Datatype")), _s(rec.get("Description")))  # fmt: skip
            continue
        kind: str = V3_DIMENSION_TYPES.get(typ or "", "")
        if not kind:
            kind = "area" if h in AREA_DIMENSION_NAMES else "period" if h in PERIOD_DIMENSION_NAMES else "other"
        codes: Mapping[str, Any] = {}
        if h in options.code_lists:
            codes = resolve_code_list(options.code_lists[h], problems)
        elif prefix:
            code_path = _exact_sibling(directory, prefix, h)
            if code_path is not None:
                codes = code_items(load_records(code_path, problems))
        items = {k: v for k, v in codes.items() if isinstance(v, CodeItem)}
        if kind == "area":
            area_titles = {v.title: k for k, v in items.items()} if items else {
                str(k): str(v) for k, v in codes.items()}  # fmt: skip
        if kind == "other" and is_margin_dimension(h, items):
            kind = "margin"
        dims.append(Dim(h, kind, i, items if items or not codes else _as_items(codes)))  # type: ignore[arg-type]
    if not topics:
        problems.add(rows.header_row, None, "geen kolommen met cijfers gevonden (bv. TotaalGeregistreerdeMisdrijven_1)",
                     "no value columns found (e.g. TotaalGeregistreerdeMisdrijven_1)")  # fmt: skip
    problems.raise_if_any()
    head = list(itertools.islice(rows.rows, 5000))
    decimal = options.decimal or detect_decimal(
        (cells[i] for _, cells in head for i, _ in topics if i < len(cells)), rows.delimiter if rows.is_text else ";"
    )
    m = TABLE_ID.match(path.stem)
    identifier = m.group(1) if m else path.stem
    builder = Builder(options.source_table or identifier, problems, options, rows.total)
    builder.decimal = decimal
    _run_rows(path=path, options=options, problems=problems, builder=builder, header=header,
              rows=itertools.chain(head, rows.rows), dims=dims, topics=topics, measure_col=None, value_col=None,
              labelled=True, area_titles=area_titles)  # fmt: skip
    metadata = TableMetadata(
        identifier=identifier, title=path.stem, format="cbs-extract", source=str(path), measures=measures,
        dimensions=_dimension_infos(dims, titles), encoding=rows.encoding, delimiter=rows.delimiter,
        decimal_separator=decimal, notes=tuple(notes),
    )  # fmt: skip
    return builder.finish(metadata)


def _exact_sibling(directory: Path, prefix: str, name: str) -> Path | None:
    for ext in (".csv", ".json"):
        p = directory / f"{prefix}{name}{ext}"
        if p.is_file():
            return p
    return None


def _as_items(codes: Mapping[str, Any]) -> dict[str, CodeItem]:
    """A caller's title → key mapping as code items."""
    return {str(v): CodeItem(str(v), str(k)) for k, v in codes.items()}
