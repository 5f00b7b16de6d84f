"""Choosing the parser for a file or directory."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from .cbs import TOPIC_KEY, V3_METADATA_NAMES, has_v3_metadata
from .flat import looks_wide, role_of
from .model import Problems
from .readers import JSON_SUFFIXES, json_records, load_json, read_rows


class Format(StrEnum):
    CBS_ODATA3 = "cbs-odata3"
    """CBS StatLine OData v3 table: directory or TypedDataSet/UntypedDataSet/data.csv + siblings."""
    CBS_ODATA4 = "cbs-odata4"
    """CBS OData v4 table: Observations + MeasureCodes, Dimensions, <Dim>Codes, Properties."""
    CBS_EXTRACT = "cbs-extract"
    """A flat CBS extract (pandas/R): dimension columns with titles or keys, one column per topic."""
    WIDE = "wide"
    """Areas down, periods across (optional CI/SE/n columns per period)."""
    TIDY = "tidy"
    """One observation per row: indicator, area, period, value, ci_low, ci_high, se, n, status."""


_CBS_PERIOD_CODE = re.compile(r"^\d{4}(JJ|KW|MM|HJ|X|G)\d")


def sniff(path: str | Path) -> Format:
    """Tell which layout ``path`` holds; raises :class:`~.model.ParseError` if none fits."""
    p = Path(path)
    problems = Problems(str(p))
    if not p.exists():
        raise problems.fail(None, None, f"{p} bestaat niet", f"{p} does not exist")
    if p.is_dir():
        names = [c.stem for c in p.iterdir() if c.suffix.lower() in (".csv", ".json")]
        if any(n.endswith("Observations") for n in names):
            return Format.CBS_ODATA4
        if any(n.endswith(("DataProperties", "TypedDataSet", "UntypedDataSet")) or n == "data" for n in names):
            return Format.CBS_ODATA3
        raise problems.fail(None, None, "map bevat geen CBS-tabel (DataProperties/Observations)",
                            "directory holds no CBS table (DataProperties/Observations)")  # fmt: skip
    stem = p.stem
    if stem.endswith("Observations"):
        return Format.CBS_ODATA4
    if stem.endswith(V3_METADATA_NAMES):
        return Format.CBS_ODATA3
    if stem.endswith(("TypedDataSet", "UntypedDataSet")) or stem == "data":
        return Format.CBS_ODATA3 if has_v3_metadata(p) else Format.CBS_EXTRACT
    if p.suffix.lower() in JSON_SUFFIXES:
        data = load_json(p, problems)
        context = ""
        if isinstance(data, dict):
            context = str(data.get("@odata.context") or data.get("odata.metadata") or "")
        if context.endswith("Observations"):
            return Format.CBS_ODATA4
        if context.endswith(("TypedDataSet", "UntypedDataSet")):
            return Format.CBS_ODATA3 if has_v3_metadata(p) else Format.CBS_EXTRACT
        records = json_records(data)
        if records:
            keys = set(records[0])
            if {"Measure", "Value"} <= keys:
                return Format.CBS_ODATA4
        header = list(records[0]) if records else []
    else:
        rows = read_rows(p, problems)
        header = rows.header
        first: list[object] = []
        for _, cells in rows.rows:
            first = cells
            break
        if {"Measure", "Value"} <= set(header) and ("ValueAttribute" in header or "Id" in header):
            return Format.CBS_ODATA4
        if "Perioden" in header and first:
            pcell = str(first[header.index("Perioden")]).strip()
            if _CBS_PERIOD_CODE.match(pcell) and "ID" in header and has_v3_metadata(p):
                return Format.CBS_ODATA3
    roles = {role_of(h) for h in header}
    if {"period", "value"} <= roles:
        return Format.TIDY
    if "Perioden" in header or any(TOPIC_KEY.match(h) for h in header):
        return Format.CBS_EXTRACT
    if looks_wide(header):
        return Format.WIDE
    raise problems.fail(
        1, None,
        "onbekend bestandsformaat: verwacht een CBS-tabel, een brede tabel (jaren als kolommen) of een lange "
        "tabel (indicator, area, period, value)",
        "unknown file layout: expected a CBS table, a wide table (years as columns) or a tidy table "
        "(indicator, area, period, value)",
    )  # fmt: skip
