"""Reading files into header + rows: CSV (encoding and delimiter detection), XLSX, JSON."""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cyberbeeld import inputs

from .model import Problems

Cell = Any  # str for CSV; str/int/float/datetime/None for XLSX; JSON scalars for JSON

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
JSON_SUFFIXES = frozenset({".json"})
_NONE = type(None)


def decode(data: bytes, name: str = "-") -> tuple[str, str]:
    """Decode bytes through the shared guard (:func:`cyberbeeld.inputs.decode`): UTF-8 with or
    without BOM, UTF-16/32 with BOM, plausible Windows-1252 (Dutch Excel); anything else is refused."""
    text, encoding = inputs.decode(data, name)
    if encoding == "utf-8-sig":
        return text, "utf-8-sig"
    return text, encoding


def read_text(path: Path, problems: Problems | None = None) -> tuple[str, str]:
    try:
        inputs.check_size(path.stat().st_size, path.name)
        return decode(path.read_bytes(), path.name)
    except inputs.InputRefused as exc:
        if problems is None:
            raise
        raise problems.fail(exc.row, exc.column, exc.reason_nl, exc.reason_en) from None


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter of the header line: the most frequent of ';', ',', tab, '|' outside
    double quotes (ties go to ',' then ';')."""
    in_quotes = False
    counts = {",": 0, ";": 0, "\t": 0, "|": 0}
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in "\r\n":
            break
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0] == ",", kv[0] == ";"))
    return best[0] if best[1] > 0 else ","


@dataclass
class Rows:
    """Header and an iterator of ``(row_number, cells)``; ``row_number`` is the 1-based line of
    the record in a CSV file (where it starts), the sheet row in XLSX, the record number in JSON."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    total: int | None
    encoding: str = ""
    delimiter: str = ""
    header_row: int = 1
    is_text: bool = True


def read_csv(path: Path, problems: Problems, delimiter: str | None = None) -> Rows:
    text, encoding = read_text(path, problems)
    if not text.strip():
        raise problems.fail(None, None, "het bestand is leeg", "the file is empty")
    delim = delimiter or sniff_delimiter(text)
    try:
        _delim, it = inputs.csv_rows(text, path.name, delim)
        header_row, header = next(it)
    except StopIteration:
        raise problems.fail(None, None, "het bestand is leeg", "the file is empty") from None
    except inputs.InputRefused as exc:
        raise problems.fail(exc.row, exc.column, exc.reason_nl, exc.reason_en) from None
    header = [h.strip() for h in header]
    total = max(text.count("\n") - header_row + (0 if text.endswith("\n") else 1), 0)
    return Rows(path, header, _guard(it, problems), total, encoding, delim, header_row, True)


def _guard(it: Iterator[tuple[int, list[str]]], problems: Problems) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from it
    except inputs.InputRefused as exc:
        raise problems.fail(exc.row, exc.column, exc.reason_nl, exc.reason_en) from None


def read_xlsx(path: Path, problems: Problems, sheet: str | int | None = None) -> Rows:
    try:
        import openpyxl  # deferred: heavy import (openpyxl ~0.8 s), only for an xlsx file
    except ImportError:  # pragma: no cover - openpyxl is a project dependency
        raise problems.fail(None, None, "openpyxl is niet geïnstalleerd", "openpyxl is not installed") from None
    try:
        inputs.check_zip(path.read_bytes(), path.name)  # zip bomb, XML entities: before openpyxl opens it
    except inputs.InputRefused as exc:
        raise problems.fail(None, None, exc.reason_nl, exc.reason_en) from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise problems.fail(None, None, f"onleesbaar XLSX-bestand: {exc}", f"unreadable XLSX file: {exc}") from None
    if sheet is None:
        ws = wb.worksheets[0]
    elif isinstance(sheet, int):
        ws = wb.worksheets[sheet]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        raise problems.fail(None, None, f"werkblad '{sheet}' bestaat niet", f"sheet '{sheet}' does not exist")
    # The header is the first row with at least two filled cells: people often put a title line
    # (and a blank line) above the table. Within the first 20 rows; else the first non-empty row.
    rows_iter = ws.iter_rows(values_only=True)
    header_row = 0
    header: list[str] = []
    fallback: tuple[int, list[str]] | None = None
    skipped: list[tuple[int, tuple[object, ...]]] = []
    for header_row, values in enumerate(rows_iter, start=1):  # noqa: B007 - header_row used below
        filled = sum(1 for v in values if v is not None and str(v).strip())
        if filled >= 2:
            header = ["" if v is None else _header_text(v) for v in values]
            break
        if filled and fallback is None:
            fallback = (header_row, ["" if v is None else _header_text(v) for v in values])
        skipped.append((header_row, values))
        if header_row >= 20:
            break
    if not header and fallback is not None:
        header_row, header = fallback
        rest = [v for n, v in skipped if n > header_row]
        rows_iter = itertools.chain(rest, rows_iter)
    if not header:
        wb.close()
        raise problems.fail(None, None, "het werkblad is leeg", "the sheet is empty")
    while header and not header[-1]:
        header.pop()
    lim = inputs.limits()
    if len(header) > lim.max_columns:
        wb.close()
        raise problems.fail(header_row, None, f"meer dan {lim.max_columns} kolommen (max_columns)",
                            f"more than {lim.max_columns} columns (max_columns)")
    width = len(header)
    max_row = ws.max_row

    def gen() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, values in enumerate(rows_iter, start=header_row + 1):
                if number - header_row > lim.max_rows:
                    raise problems.fail(number, None, f"meer dan {lim.max_rows} rijen (max_rows)",
                                        f"more than {lim.max_rows} rows (max_rows)")
                cells = ["" if v is None else v for v in values[:width]]
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                yield number, cells
        finally:
            wb.close()

    total = (max_row - header_row) if isinstance(max_row, int) else None
    return Rows(path, header, gen(), total, "xlsx", "", header_row, False)


def _header_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


#: Documents already decoded through the guard, by path (see :func:`preloaded`).
_PRELOADED: contextvars.ContextVar[Mapping[Path, tuple[int, Any]] | None] = contextvars.ContextVar("preloaded",
                                                                                                default=None)


@contextlib.contextmanager
def preloaded(documents: Mapping[Path, tuple[int, Any]]) -> Iterator[None]:
    """Within the block, :func:`load_json` takes a file listed in ``documents`` (path -> (size in bytes, what
    ``inputs.load_json(<those bytes>, name, parse_float=Decimal)`` returned)) from there instead of reading and
    decoding it again, while the file still has that size. ``fetch-cbs`` decodes each response through the guard
    once, writes it and hands the decoded documents to the import of the folder it wrote."""
    token = _PRELOADED.set(documents)
    try:
        yield
    finally:
        _PRELOADED.reset(token)


def load_json(path: Path, problems: Problems) -> Any:
    """JSON through the shared guard: nesting limit, no duplicate keys, finite numbers only."""
    documents = _PRELOADED.get()
    known = documents.get(path) if documents else None
    if known is not None:
        try:
            if path.stat().st_size == known[0]:
                return known[1]
        except OSError:
            pass
    text, _ = read_text(path, problems)
    try:
        return inputs.load_json(text, path.name, parse_float=Decimal)
    except inputs.InputRefused as exc:
        raise problems.fail(exc.row, exc.column, exc.reason_nl, exc.reason_en) from None


def json_records(data: Any) -> list[dict[str, Any]] | None:
    """The record list of an OData JSON document (``{"value": [...]}``) or a plain list (what
    the ``cbsodata`` Python client saves); ``None`` if it is neither."""
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    if isinstance(data, dict) and data and all(not isinstance(v, list | dict) for v in data.values()):
        return [data]  # a single object (e.g. OData v4 Properties)
    return None


def read_rows(path: Path, problems: Problems, *, delimiter: str | None = None, sheet: str | int | None = None) -> Rows:
    """Header + rows of a CSV/TXT or XLSX file, or of a JSON record list."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path, problems, sheet)
    if suffix in JSON_SUFFIXES:
        data = load_json(path, problems)
        if isinstance(data, dict) and ("odata.nextLink" in data or "@odata.nextLink" in data):
            raise problems.fail(
                None, None,
                "het bestand bevat maar één pagina van de tabel (odata.nextLink): download alle pagina's",
                "the file holds only one page of the table (odata.nextLink): download all pages",
            )  # fmt: skip
        records = json_records(data)
        if records is None:
            raise problems.fail(None, None, "JSON bevat geen lijst met records", "JSON holds no list of records")
        header: list[str] = []
        seen: set[str] = set()
        for rec in records[:1000]:
            for k in rec:
                if k not in seen and not k.startswith(("odata.", "@odata")):
                    seen.add(k)
                    header.append(k)

        def gen() -> Iterator[tuple[int, list[Cell]]]:
            # one C call per record picks its cells (a record without one of the keys takes the slow way)
            pick = operator.itemgetter(*header) if len(header) > 1 else None
            for i, rec in enumerate(records, start=1):
                try:
                    picked = pick(rec) if pick is not None else None
                except KeyError:
                    picked = None
                if picked is None:
                    yield i, [_json_cell(rec.get(k)) for k in header]
                elif _NONE in map(type, picked):  # by type: `None in picked` compares every Decimal with None
                    yield i, ["" if v is None else v for v in picked]
                else:
                    yield i, list(picked)

        return Rows(path, header, gen(), len(records), "utf-8", "", 0, False)
    return read_csv(path, problems, delimiter)


def _json_cell(v: Any) -> Cell:
    return "" if v is None else v
