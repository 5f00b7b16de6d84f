"""Fetch a StatLine table from CBS's OData services into a folder the CBS parser reads.

CBS serves its own tables on ``opendata.cbs.nl`` (OData v3) and the police tables (``47…NED``) on
``dataderden.cbs.nl`` (the same v3 API for third-party tables); newer tables are also on the v4 service
(``datasets.cbs.nl``). A v3 table is a service document listing its entity sets (TableInfos,
DataProperties, CategoryGroups, one code list per dimension, TypedDataSet); a v4 table lists
Observations, MeasureCodes, Dimensions, Properties and one ``<Dimension>Codes`` list per dimension.
Large sets come in pages linked by ``odata.nextLink`` (v3) or ``@odata.nextLink`` (v4).

:func:`fetch_table` downloads every set, all pages, into ``<Name>.json`` files of one folder (written to a
temporary folder first and moved into place whole, so a broken download never replaces a good one); the
importer then reads that folder like any other CBS table. The transport is one function ``get(url) ->
bytes`` so tests replay recorded responses of the services in their real formats.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cyberbeeld import inputs
from cyberbeeld.common.errors import Unavailable

V3_CBS = "https://opendata.cbs.nl/ODataApi/odata"
V3_POLICE = "https://dataderden.cbs.nl/ODataApi/odata"
V4_CBS = "https://datasets.cbs.nl/odata/v1/CBS"
TABLE_ID = re.compile(r"^[0-9]{5}[A-Z]{3}$|^[0-9]{5}[a-z]{3}$|^[0-9A-Z]{8}$")
MAX_PAGES = 2000  # 2000 pages of 10,000 rows: far beyond any StatLine table
MAX_BYTES = 2 * 1024**3
USER_AGENT = "Cyberbeeld (fetch-cbs)"

Getter = Callable[[str], bytes]


class FetchError(Unavailable):
    """A table could not be fetched; ``nl`` and ``en`` say why in one line."""

    code = "fetch"

    def __init__(self, nl: str, en: str) -> None:
        super().__init__(nl, en)
        self.args = (nl,)


@dataclass(frozen=True)
class FetchResult:
    table_id: str
    api: str
    directory: Path
    sets: dict[str, int]  # entity set -> records
    pages: int
    bytes: int
    # the files stored as served, decoded as the importer decodes them: path -> (size, document); hand them to
    # ``parsing.readers.preloaded`` around the import of ``directory`` so it does not decode them a second time
    documents: Mapping[Path, tuple[int, Any]] = field(default_factory=dict, repr=False, compare=False)


def is_police_table(table_id: str) -> bool:
    """Police tables (Politie as the publisher on CBS's third-party service) have ids 47…NED."""
    return table_id.startswith("47") and table_id.endswith("NED")


def default_base(table_id: str, api: str) -> str:
    if api == "v4":
        return os.environ.get("CYBERBEELD_CBS_ODATA_V4", V4_CBS)
    if is_police_table(table_id):
        return os.environ.get("CYBERBEELD_CBS_ODATA_POLICE", V3_POLICE)
    return os.environ.get("CYBERBEELD_CBS_ODATA_V3", V3_CBS)


def http_get(url: str, timeout: float = 60.0) -> bytes:
    """GET with a timeout; every failure becomes a one-line :class:`FetchError`."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https URLs of CBS)
            return bytes(response.read(MAX_BYTES + 1))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise FetchError(f"niet gevonden bij CBS (404): {url}", f"not found at CBS (404): {url}") from exc
        raise FetchError(f"CBS antwoordde {exc.code} op {url}", f"CBS answered {exc.code} for {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"CBS niet bereikbaar ({reason}); is er internet?",
                         f"CBS not reachable ({reason}); is there internet access?") from exc


def _document(get: Getter, url: str) -> dict[str, Any]:
    return _document_raw(get, url)[0]


def _document_raw(get: Getter, url: str, guarded: bool = False) -> tuple[dict[str, Any], bytes, bool]:
    """The document at ``url``, its bytes, and whether it was decoded the way the importer decodes a file
    (``guarded``: through :func:`cyberbeeld.inputs.load_json` with exact decimals; a response the guard refuses is
    decoded plainly, stored all the same, and refused by the importer with the guard's own message)."""
    raw = get(url)
    if len(raw) > MAX_BYTES:
        raise FetchError(f"antwoord te groot (> {MAX_BYTES} bytes): {url}", f"response too large: {url}")
    doc: Any = None
    if guarded:
        try:
            doc = inputs.load_json(raw, url, parse_float=Decimal)
        except inputs.InputRefused:
            guarded = False
    if not guarded:
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise FetchError(f"geen geldige JSON van {url}", f"no valid JSON from {url}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise FetchError(f"onverwacht antwoord (geen OData 'value') van {url}",
                         f"unexpected response (no OData 'value') from {url}")
    return doc, raw, guarded


def _singleton(get: Getter, url: str) -> dict[str, Any]:
    try:
        doc = json.loads(get(url))
    except (ValueError, RecursionError) as exc:
        raise FetchError(f"geen geldige JSON van {url}", f"no valid JSON from {url}") from exc
    if not isinstance(doc, dict):
        raise FetchError(f"onverwacht antwoord van {url}", f"unexpected response from {url}")
    return doc


def _all_pages(get: Getter, url: str, counter: list[int]) -> tuple[list[Any], bytes | None, Any]:
    """Every record of a set, following the next links; the response itself when the set came in one page (then
    it is stored as served, not encoded again); and, for such a page, the document as the importer decodes that
    file (else ``None``). Only the first page is decoded through the guard: later pages are merged and encoded
    again, and the importer decodes the merged file."""
    records: list[Any] = []
    seen: set[str] = set()
    next_url: str | None = url
    raw: bytes | None = None
    first: Any = None
    while next_url:
        if next_url in seen or counter[0] >= MAX_PAGES:
            raise FetchError(f"te veel of herhaalde pagina's bij {url}", f"too many or repeated pages at {url}")
        doc, raw, guarded = _document_raw(get, next_url, guarded=not seen)
        if not seen and guarded:
            first = doc
        seen.add(next_url)
        counter[0] += 1
        records.extend(doc["value"])
        link = doc.get("odata.nextLink") or doc.get("@odata.nextLink")
        next_url = str(link) if link else None
    single = len(seen) == 1
    return records, (raw if single else None), (first if single else None)


def _set_url(base_table: str, entry: dict[str, Any]) -> str:
    url = str(entry.get("url") or entry.get("name") or "")
    if not url.startswith(("http://", "https://")):
        url = base_table.rstrip("/") + "/" + url
    return url


def fetch_table(table_id: str, target_dir: Path, *, api: str = "v3", base: str | None = None,
                get: Getter = http_get, progress: Callable[[str, int], None] | None = None) -> FetchResult:
    """Download every entity set of ``table_id`` into ``target_dir/<table_id>/`` (replaced whole)."""
    table_id = table_id.strip()
    if not TABLE_ID.match(table_id):
        raise FetchError(f"ongeldig tabelnummer {table_id!r} (bijv. 83648NED)",
                         f"invalid table id {table_id!r} (e.g. 83648NED)")
    if api not in ("v3", "v4"):
        raise FetchError(f"onbekende API {api!r} (v3 of v4)", f"unknown API {api!r} (v3 or v4)")
    base_table = (base or default_base(table_id, api)).rstrip("/") + "/" + table_id
    service = _document(get, base_table)
    pages = [1]
    sets: dict[str, int] = {}
    target_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{table_id}-", dir=target_dir))
    total = 0
    documents: dict[str, tuple[int, Any]] = {}
    try:
        for entry in service["value"]:
            if not isinstance(entry, dict) or not entry.get("name"):
                continue
            name = str(entry["name"])
            if not re.fullmatch(r"[A-Za-z0-9_]+", name):
                raise FetchError(f"onverwachte naam van een gegevensverzameling: {name!r}",
                                 f"unexpected entity set name: {name!r}")
            if name == "UntypedDataSet":  # the same data as TypedDataSet, as text
                continue
            raw: bytes | None = None
            decoded: Any = None
            if entry.get("kind") == "Singleton":  # v4 Properties: one object, not a list
                records = [_singleton(get, _set_url(base_table, entry))]
                pages[0] += 1
            else:
                records, raw, decoded = _all_pages(get, _set_url(base_table, entry), pages)
            # one page: the service's own document (already checked: JSON with a 'value' list); several: merged
            # (a first page decoded with exact decimals is written with the same float numbers as the others)
            body = raw if raw is not None else json.dumps({"value": records}, ensure_ascii=False,
                                                          default=_float_number).encode("utf-8")
            (work / f"{name}.json").write_bytes(body)
            if decoded is not None:
                documents[name] = (len(body), decoded)
            total += len(body)
            sets[name] = len(records)
            if progress:
                progress(name, len(records))
        if api == "v3" and "TypedDataSet" not in sets:
            raise FetchError(f"{table_id}: geen TypedDataSet in de dienst", f"{table_id}: no TypedDataSet in the service")
        if api == "v4" and "Observations" not in sets:
            raise FetchError(f"{table_id}: geen Observations in de dienst", f"{table_id}: no Observations in the service")
        final = target_dir / table_id
        old = None
        if final.exists():
            old = target_dir / f".{table_id}.old"
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
        work.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FetchResult(table_id, api, final, sets, pages[0], total,
                       {final / f"{name}.json": doc for name, doc in documents.items()})


def _float_number(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
