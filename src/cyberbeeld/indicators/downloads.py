"""Downloads of observation tables: CSV (Dutch Excel: ';', decimal comma, BOM; and plain ','), XLSX, ODS.

Text cells are escaped against formulas by ``cyberbeeld.spreadsheets``; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

from cyberbeeld.spreadsheets import dataset, escape_row

from .monitor import as_published

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-komma": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}
HEADERS = ["gemeente_code", "gemeente", "indicator", "indicator_naam", "periode", "waarde", "ondergrens_95",
           "bovengrens_95", "se", "n", "status", "reeks", "bron", "bronregel", "ingelezen", "bronbestand",
           "bronperiode", "import"]


def rows_for(indicator: Any, observations: Sequence[Any], area_name: str | None = None) -> list[list[Any]]:
    """One row per observation with its provenance: table, source row, import date, file, period of the source and
    the import batch (``ImportBatch``)."""
    out = []
    for o in observations:
        b = o.import_batch if o.import_batch_id else None
        out.append([o.area.code, area_name or o.area.name, indicator.code, indicator.name_nl, o.period, o.value,
                    o.ci_low, o.ci_high, o.se, o.n, o.status, indicator.series, o.source_table or indicator.source_table,
                    o.source_row, b.at.date().isoformat() if b else "", b.file_name if b else "",
                    b.period_label if b else "", b.pk if b else ""])
    return out


def _cell(v: Any, dutch: bool) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return as_published(v, "nl" if dutch else "en")
    return str(v)


def render(fmt: str, rows: list[list[Any]], filename: str) -> HttpResponse:
    content_type, ext = FORMATS[fmt]
    if fmt in ("csv", "csv-komma"):
        dutch = fmt == "csv"
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";" if dutch else ",", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows([[_cell(v, dutch) for v in escape_row(r)] for r in rows])  # text escaped, numbers not
        body: bytes = (("\ufeff" if dutch else "") + buf.getvalue()).encode("utf-8")
    else:
        data = dataset(HEADERS, ([float(v) if isinstance(v, Decimal) else v for v in r] for r in rows),
                       title="observaties")
        body = data.export(ext)
    resp = HttpResponse(body, content_type=content_type)
    suffix = "-komma" if fmt == "csv-komma" else ""
    resp["Content-Disposition"] = f'attachment; filename="{filename}{suffix}.{ext}"'
    return resp
