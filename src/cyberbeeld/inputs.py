"""Reading guards for every file Cyberbeeld imports: checked before anything is parsed deep.

One place for the limits and checks that every importer (incidents, indicators, areas, taxonomy,
survey microdata, case exchange; command line and web upload) applies to the bytes it is given:

* size, rows, columns, field length and JSON nesting limits, each named in its refusal;
* encoding: UTF-8 with or without BOM, UTF-16/32 with BOM, Windows-1252 only when the text is
  plausible; anything else (binary, UTF-16 without BOM, undefined bytes) is refused;
* CSV read strictly: an unterminated quote is an error naming the row where it starts;
* XLSX: the zip's central directory is checked (total size, ratio, entries) before openpyxl opens
  it, and XML parts with a DOCTYPE/ENTITY declaration are refused;
* JSON: duplicate keys, NaN/Infinity and numbers that overflow to infinity are refused.

Pure (no Django): the Django layer sets the limits from ``settings.CYBERBEELD_INPUT_LIMITS`` at
start-up through :func:`configure`. Refusals are :class:`InputRefused` with a Dutch and an English
text; ``str()`` is ``"<nl> / <en>"``.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import operator
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from cyberbeeld.common.errors import Invalid


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024  # an imported file (web uploads: 50 MB, checked by their forms)
    max_rows: int = 5_000_000
    max_columns: int = 500
    max_field_chars: int = 32_768
    max_json_depth: int = 64
    max_unzipped_bytes: int = 200 * 1024 * 1024  # XLSX: all parts together, uncompressed
    max_zip_ratio: int = 100  # XLSX: uncompressed / compressed size of one part
    max_zip_entries: int = 10_000


_limits = Limits()


def configure(**overrides: int) -> Limits:
    """Set the limits (unknown names are refused, so a typo in the settings is noticed)."""
    global _limits
    known = {f.name for f in fields(Limits)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown input limits: {sorted(unknown)}")
    _limits = replace(Limits(), **overrides)
    return _limits


def limits() -> Limits:
    return _limits


class InputRefused(Invalid):
    """The input cannot be read safely; the message names the file, row and field where known
    (``nl``/``en`` with the place, ``reason_nl``/``reason_en`` without it)."""

    code = "input-refused"

    def __init__(self, nl: str, en: str, *, row: int | None = None, column: str | None = None,
                 reason: tuple[str, str] | None = None, file: str | None = None) -> None:
        super().__init__(nl, en, file=file, row=row, field=column)
        self.args = (f"{nl} / {en}",)
        self.column = column
        self.reason_nl, self.reason_en = reason or (nl, en)  # without the file, row and column

    def reason_text(self, lang: str | None = "nl") -> str:
        return self.reason_en if (lang or "nl").startswith("en") else self.reason_nl

    def text(self, lang: str | None = "nl") -> str:
        return self.nl if (lang or "nl").startswith("nl") else self.en


def _where(name: str, row: int | None = None, column: str | None = None) -> tuple[str, str]:
    nl, en = name, name
    if row is not None:
        nl, en = f"{nl}, rij {row}", f"{en}, row {row}"
    if column:
        nl, en = f"{nl}, kolom '{column}'", f"{en}, column '{column}'"
    return nl, en


def refuse(name: str, nl: str, en: str, *, row: int | None = None, column: str | None = None) -> InputRefused:
    wnl, wen = _where(name, row, column)
    return InputRefused(f"{wnl}: {nl}", f"{wen}: {en}", row=row, column=column, reason=(nl, en), file=name)


# ------------------------------------------------------------------------------------- size
def check_size(size: int, name: str) -> None:
    lim = _limits.max_bytes
    if size > lim:
        raise refuse(name, f"het bestand is groter dan de limiet van {lim} bytes (max_bytes)",
                     f"the file is larger than the limit of {lim} bytes (max_bytes)")
    if size == 0:
        raise refuse(name, "het bestand is leeg", "the file is empty")


# ------------------------------------------------------------------------------------- encoding
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# every byte but those control characters: UTF-8 holds a control character exactly where its bytes do (bytes below
# 0x80 are never part of a longer sequence), so deleting these leaves nothing for clean UTF-8 (one C pass over the bytes)
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))
_CP1252_MARKS = re.compile("[\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
                           "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read in, or a refusal that says why not."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise refuse(name, f"ongeldige {encoding.upper()}-tekens vanaf byte {exc.start}",
                             f"invalid {encoding.upper()} bytes from byte {exc.start}") from None
            if encoding == "utf-8-sig" and not data.translate(None, _NOT_CONTROL):
                return text, encoding
            return _plain(text, name), encoding
    if b"\x00" in data[:4096]:
        raise refuse(name, "geen tekstbestand (NUL-bytes; UTF-16 zonder BOM of binair): sla op als UTF-8",
                     "not a text file (NUL bytes; UTF-16 without BOM or binary): save as UTF-8")
    try:
        text = data.decode("utf-8")
        return (text if not data.translate(None, _NOT_CONTROL) else _plain(text, name)), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise refuse(name, f"geen UTF-8 en geen Windows-1252: byte 0x{data[exc.start]:02x} op positie {exc.start} "
                     "is in geen van beide een teken; sla het bestand op als UTF-8",
                     f"neither UTF-8 nor Windows-1252: byte 0x{data[exc.start]:02x} at position {exc.start} "
                     "is no character in either; save the file as UTF-8") from None
    # plausible Windows-1252: mostly text, and the bytes that failed as UTF-8 are letters or punctuation
    odd = len(_CONTROL.findall(text))
    if odd or not _plausible_cp1252(text):
        raise refuse(name, f"geen geldige UTF-8 (byte {utf8_error.start}) en niet aannemelijk als Windows-1252; "
                     "sla het bestand op als UTF-8",
                     f"not valid UTF-8 (byte {utf8_error.start}) and not plausible as Windows-1252; "
                     "save the file as UTF-8")
    return text, "cp1252"


def _plausible_cp1252(text: str) -> bool:
    high = [c for c in text if ord(c) > 127]
    if not high:
        return True
    letters = sum(1 for c in high if c.isalpha() or _CP1252_MARKS.match(c) or c in "\u00a0\u00b0\u00b7\u00bd\u00bc\u00e9")
    return letters / len(high) >= 0.8


def _plain(text: str, name: str) -> str:
    m = _CONTROL.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise refuse(name, f"ongeldig stuurteken U+{ord(m.group()):04X} (regel {line}): geen tekstbestand?",
                     f"invalid control character U+{ord(m.group()):04X} (line {line}): not a text file?", row=None)
    return text


# ------------------------------------------------------------------------------------- CSV
def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0] == ",", kv[0] == ";"))
    return best[0] if best[1] > 0 else ","


def csv_rows(text: str, name: str, delimiter: str | None = None) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The delimiter and ``(line where the record starts, cells)`` of every record, read strictly
    within the limits. The header's width is checked before any record is parsed."""
    lim = _limits
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    delim = delimiter or sniff_delimiter(first)
    if first.count(delim) + 1 > lim.max_columns:
        raise refuse(name, f"meer dan {lim.max_columns} kolommen (max_columns)",
                     f"more than {lim.max_columns} columns (max_columns)", row=1)
    return delim, _records(text, name, delim)


def _records(text: str, name: str, delim: str) -> Iterator[tuple[int, list[str]]]:
    lim = _limits
    previous = csv.field_size_limit()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    line = 0
    count = 0
    try:
        csv.field_size_limit(lim.max_field_chars)
        while True:
            start = line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                message = str(exc)
                if "field larger than field limit" in message:
                    raise refuse(name, f"een veld is langer dan {lim.max_field_chars} tekens (max_field_chars)"
                                 " — of een aanhalingsteken wordt niet gesloten",
                                 f"a field is longer than {lim.max_field_chars} characters (max_field_chars)"
                                 " — or a quote is not closed", row=start) from None
                if "unexpected end of data" in message or "EOF" in message:
                    raise refuse(name, "een aanhalingsteken (\") wordt niet gesloten",
                                 "a quote (\") is never closed", row=start) from None
                raise refuse(name, f"onleesbare CSV ({message})", f"unreadable CSV ({message})", row=start) from None
            line = reader.line_num
            count += 1
            if count > lim.max_rows + 1:
                raise refuse(name, f"meer dan {lim.max_rows} rijen (max_rows)", f"more than {lim.max_rows} rows (max_rows)")
            if len(row) > lim.max_columns:
                raise refuse(name, f"meer dan {lim.max_columns} kolommen (max_columns)",
                             f"more than {lim.max_columns} columns (max_columns)", row=start)
            yield start, row
    finally:
        csv.field_size_limit(previous)


def read_csv(data: bytes, name: str, delimiter: str | None = None) -> tuple[str, str, list[tuple[int, list[str]]]]:
    """Decode and read a whole CSV file: (encoding, delimiter, records)."""
    check_size(len(data), name)
    text, encoding = decode(data, name)
    if not text.strip():
        raise refuse(name, "het bestand is leeg", "the file is empty")
    delim, records = csv_rows(text, name, delimiter)
    return encoding, delim, list(records)


# ------------------------------------------------------------------------------------- XLSX
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_zip(data: bytes, name: str) -> None:
    """Refuse a zip bomb or an XML entity trick before openpyxl opens an XLSX/ODS file: the central
    directory says how big every part unpacks, so nothing needs unpacking to know."""
    lim = _limits
    check_size(len(data), name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise refuse(name, f"geen geldig Excel/ODS-bestand (zip: {exc})", f"not a valid Excel/ODS file (zip: {exc})") from None
    if len(infos) > lim.max_zip_entries:
        raise refuse(name, f"meer dan {lim.max_zip_entries} onderdelen in het zip-bestand (max_zip_entries)",
                     f"more than {lim.max_zip_entries} parts in the zip file (max_zip_entries)")
    total = sum(i.file_size for i in infos)
    if total > lim.max_unzipped_bytes:
        raise refuse(name, f"uitgepakt groter dan {lim.max_unzipped_bytes} bytes (max_unzipped_bytes)",
                     f"larger than {lim.max_unzipped_bytes} bytes unpacked (max_unzipped_bytes)")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > lim.max_zip_ratio * max(info.compress_size, 1):
            raise refuse(name, f"onderdeel {info.filename} pakt meer dan {lim.max_zip_ratio} keer uit (max_zip_ratio):"
                         " een zip-bom?", f"part {info.filename} unpacks more than {lim.max_zip_ratio} times"
                         " (max_zip_ratio): a zip bomb?")
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with zf.open(info) as fh:
                    head = fh.read(4096)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
                raise refuse(name, f"onderdeel {info.filename} is beschadigd ({exc})",
                             f"part {info.filename} is damaged ({exc})") from None
            if _DOCTYPE.search(head):
                raise refuse(name, f"onderdeel {info.filename} bevat een DOCTYPE/ENTITY-declaratie (niet toegestaan)",
                             f"part {info.filename} holds a DOCTYPE/ENTITY declaration (not allowed)")


# ------------------------------------------------------------------------------------- JSON
def _too_deep(data: Any, lim: int) -> bool:
    """Whether parsed JSON nests deeper than ``lim`` containers: one pass per level over the containers of that
    level. The values of a level are first only typed (in C: a CBS response of 1.4 MB is one list of flat records,
    whose third level holds no container, checked in about a millisecond); only a level that holds containers is
    walked in Python. JSON deeper than the interpreter's recursion limit never gets here: the decoder stops it
    (RecursionError)."""
    level = [data] if isinstance(data, list | dict) else []
    depth = 0
    while level:
        depth += 1
        if depth > lim:
            return True
        values = [c.values() if isinstance(c, dict) else c for c in level]
        if not any(issubclass(t, list | dict) for t in set(map(type, itertools.chain.from_iterable(values)))):
            return False
        level = [v for v in itertools.chain.from_iterable(values) if isinstance(v, list | dict)]
    return False


def _refuse_depth(name: str) -> InputRefused:
    lim = _limits.max_json_depth
    return refuse(name, f"JSON dieper genest dan {lim} niveaus (max_json_depth)",
                  f"JSON nested deeper than {lim} levels (max_json_depth)")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # one C call per object; a key seen twice leaves the dict shorter than the list
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return out


class _Duplicate(Exception):
    pass


class _NotFinite(Exception):
    pass


def _constant(token: str) -> Any:
    raise _NotFinite(token)


def _float(parse: Any) -> Any:
    def inner(token: str) -> Any:
        value = parse(token)
        # a JSON number without an exponent and under 300 characters is always within a float's range
        if (len(token) > 300 or "e" in token or "E" in token) and not math.isfinite(float(value)):
            raise _NotFinite(token)
        return value

    return inner


_UNPROVEN = object()
_CONTAINER = frozenset({list, dict}).__contains__


def _proven(text: str, data: Any, number: Any, lim: int) -> bool:
    """Whether ``data``, decoded from ``text`` without hooks, is exactly what the guarded decode returns: nested at
    most ``lim`` deep, every ``number`` (the ``parse_float`` type) finite as a float, and no object member dropped
    for a key seen twice. One pass per level as in :func:`_too_deep`, in C over each level's values.

    Duplicate keys are counted, not looked for: every ':' of valid JSON text either separates an object member or
    stands inside a string literal. A duplicate member (and all it holds) is missing from the decoded objects, so
    ``text.count(":") == members kept`` proves that none was dropped (and no literal holds a ':'). Otherwise the
    colons of the decoded strings are counted too; they equal those of the literals unless one was written as an
    escape (``\\u003a``), which this proof leaves to the guarded decode. ``False``: not proven (not: refused)."""
    if type(data) is number:
        return math.isfinite(float(data))
    members = 0
    seen: list[tuple[list[Any], list[Any], list[type], bool]] = []
    level: list[Any] = [data] if type(data) is list or type(data) is dict else []
    depth = 0
    while level:
        depth += 1
        if depth > lim:
            return False
        shapes = set(map(type, level))
        if list not in shapes:
            dicts = level
            values = list(itertools.chain.from_iterable(map(dict.values, level)))
        else:
            dicts = [c for c in level if type(c) is dict] if dict in shapes else []
            values = list(itertools.chain.from_iterable([c.values() if type(c) is dict else c for c in level]))
        members += sum(map(len, dicts))
        types = list(map(type, values))
        kinds = set(types)
        if number in kinds:
            numbers = list(itertools.compress(values, map(operator.is_, types, itertools.repeat(number))))
            if not (math.isfinite(float(max(numbers))) and math.isfinite(float(min(numbers)))):
                return False
        seen.append((dicts, values, types, str in kinds))
        level = list(itertools.compress(values, map(_CONTAINER, types))) if list in kinds or dict in kinds else []
    colons = text.count(":")
    if colons == members:
        return True
    if "\\u003" in text:  # perhaps an escaped ':' (\\u003a), which has no ':' in the text
        return False
    inside = data.count(":") if type(data) is str else 0
    for dicts, values, types, strings in seen:
        if dicts:
            inside += "".join(itertools.chain.from_iterable(dicts)).count(":")
        if strings:
            inside += "".join(itertools.compress(values, map(operator.is_, types, itertools.repeat(str)))).count(":")
    return colons == members + inside


def load_json(data: bytes | str, name: str, *, parse_float: Any = float) -> Any:
    """Parse JSON within the limits: no duplicate keys, only finite numbers.

    With ``float`` or ``Decimal`` numbers the text is first decoded without hooks (the C decoder alone) and then
    proven to be what the guarded decode gives (:func:`_proven`); anything not proven (a refusal, or text the proof
    cannot vouch for) is decoded again through the hooks below, which refuse exactly as they always did."""
    if isinstance(data, bytes):
        check_size(len(data), name)
        text, _ = decode(data, name)
    else:
        check_size(len(data.encode("utf-8", "surrogatepass")), name)
        text = data
    if parse_float is float or parse_float is Decimal:
        try:
            fast = json.loads(text, parse_float=parse_float, parse_constant=_constant)
        except (_NotFinite, ValueError, RecursionError):
            fast = _UNPROVEN  # the guarded decode below refuses it with its own message
        if fast is not _UNPROVEN and _proven(text, fast, parse_float, _limits.max_json_depth):
            return fast
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float(parse_float))
    except _Duplicate as exc:
        raise refuse(name, f"sleutel '{exc.args[0]}' komt twee keer voor in hetzelfde object",
                     f"key '{exc.args[0]}' occurs twice in the same object") from None
    except _NotFinite as exc:
        raise refuse(name, f"getal '{exc.args[0][:20]}' is niet eindig (NaN/oneindig niet toegestaan)",
                     f"number '{exc.args[0][:20]}' is not finite (NaN/infinity not allowed)") from None
    except json.JSONDecodeError as exc:
        raise refuse(name, f"ongeldige JSON: {exc.msg} (regel {exc.lineno}, kolom {exc.colno})",
                     f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", row=None) from None
    except RecursionError:
        raise _refuse_depth(name) from None
    if _too_deep(data, _limits.max_json_depth):
        raise _refuse_depth(name)
    return data


# ------------------------------------------------------------------------------------- values
def finite(value: Any) -> bool:
    """Whether a parsed number is finite (strings 'NaN', 'inf' are not numbers here)."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False
