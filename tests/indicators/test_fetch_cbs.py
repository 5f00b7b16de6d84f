"""`cyberbeeld fetch-cbs`: CBS's OData service replayed from recorded responses in its real format."""

from __future__ import annotations

import csv
import http.server
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cyberbeeld import inputs
from cyberbeeld.indicators import fetch
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.parsers import ParseError, parse
from cyberbeeld.indicators.parsing.readers import preloaded

RECORDED = Path(__file__).parent / "fixtures" / "odata" / "83648NED"


def replay(url: str) -> bytes:
    index = json.loads((RECORDED / "index.json").read_text())
    if url not in index:
        raise fetch.FetchError(f"niet gevonden bij CBS (404): {url}", f"not found (404): {url}")
    return (RECORDED / index[url]).read_bytes()


def test_fetch_follows_every_page_and_writes_a_table_folder(tmp_path):
    seen: list[str] = []

    def get(url: str) -> bytes:
        seen.append(url)
        return replay(url)

    result = fetch.fetch_table("83648NED", tmp_path, get=get)
    assert result.directory == tmp_path / "83648NED"
    assert result.sets["TypedDataSet"] == 12  # 4 areas x 3 years, over three pages
    assert sum("TypedDataSet" in u for u in seen) == 3
    assert "UntypedDataSet" not in result.sets
    assert sorted(p.name for p in result.directory.iterdir()) == sorted(f"{n}.json" for n in result.sets)
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


def test_police_tables_come_from_the_third_party_service():
    assert fetch.default_base("47022NED", "v3").startswith("https://dataderden.cbs.nl/")
    assert fetch.default_base("83648NED", "v3").startswith("https://opendata.cbs.nl/")


def test_a_broken_download_keeps_the_previous_copy(tmp_path):
    fetch.fetch_table("83648NED", tmp_path, get=replay)
    before = sorted(p.name for p in (tmp_path / "83648NED").iterdir())

    def broken(url: str) -> bytes:
        if "skip=10" in url:
            raise fetch.FetchError("verbinding verbroken", "connection lost")
        return replay(url)

    with pytest.raises(fetch.FetchError):
        fetch.fetch_table("83648NED", tmp_path, get=broken)
    assert sorted(p.name for p in (tmp_path / "83648NED").iterdir()) == before
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("bad", ["", "83648", "../etc", "83648NED/../x"])
def test_invalid_table_ids_are_refused(tmp_path, bad):
    with pytest.raises(fetch.FetchError, match="ongeldig tabelnummer"):
        fetch.fetch_table(bad, tmp_path, get=replay)


def test_http_transport_on_loopback(tmp_path):
    """The real transport: 200 with JSON, 404 and an unreachable port each give one clear line."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b'{"value": []}' if self.path == "/ok" else b"nope"
            self.send_response(200 if self.path == "/ok" else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert fetch.http_get(base + "/ok", timeout=5) == b'{"value": []}'
        with pytest.raises(fetch.FetchError, match="404"):
            fetch.http_get(base + "/missing", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(fetch.FetchError, match="niet bereikbaar"):
        fetch.http_get(base + "/ok", timeout=2)


@pytest.mark.django_db
def test_fetch_cbs_command_imports_the_source_figures_once(world, settings, tmp_path, monkeypatch, shared_data, capsys):
    """Every imported figure equals the cell of the public file it came from; a second fetch changes nothing."""
    from cyberbeeld.areas.models import Area, AreaKind
    from cyberbeeld.indicators.models import Observation

    Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")
    Area.objects.create(code="GM0917", kind=AreaKind.GEMEENTE, name="Heerlen", slug="heerlen")
    Area.objects.create(code="GM1970", kind=AreaKind.GEMEENTE, name="Noardeast-Fryslân", slug="noardeast-fryslan")
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(fetch, "http_get", replay)
    monkeypatch.setattr("cyberbeeld.indicators.management.commands.fetch_cbs.fetch_table",
                        lambda *a, **kw: fetch.fetch_table(*a, **{**kw, "get": replay}))
    call_command("fetch_cbs", "83648NED")
    codes = {"Nederland": "NL01", "Maastricht": "GM0935", "Heerlen": "GM0917", "Noardeast-Fryslân": "GM1970"}
    with (shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv").open(encoding="utf-8") as f:
        source = [r for r in csv.DictReader(f) if r["SoortMisdrijf"] == "Misdrijven, totaal"
                  and r["RegioS"] in codes and r["Perioden"] in ("2018", "2019", "2020")]
    assert len(source) == 12
    for rec in source:
        stored = sorted(Observation.objects.filter(area__code=codes[rec["RegioS"]], period=rec["Perioden"])
                        .values_list("value", flat=True))
        expected = sorted(Decimal(rec[k]) for k in rec if k[-2:-1] == "_" and rec[k] != "")
        assert [Decimal(v) for v in stored] == expected, (rec["RegioS"], rec["Perioden"])
    from cyberbeeld.indicators.models import ImportBatch

    batch = ImportBatch.objects.get()  # provenance: fetched from CBS, table 83648NED, the periods it held
    assert (batch.origin, batch.table_id, batch.first_period, batch.last_period) == ("fetch-cbs", "83648NED", "2018",
                                                                                      "2020")
    assert not Observation.objects.filter(import_batch__isnull=True).exists()
    count = Observation.objects.count()
    call_command("fetch_cbs", "83648NED")
    assert Observation.objects.count() == count
    assert "niets gewijzigd" in capsys.readouterr().out


@pytest.mark.django_db
def test_fetch_cbs_without_internet_is_one_line(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path

    def offline(url: str, timeout: float = 60.0) -> bytes:
        raise fetch.FetchError("CBS niet bereikbaar ([Errno -3] Temporary failure in name resolution); is er internet?",
                               "CBS not reachable")

    monkeypatch.setattr("cyberbeeld.indicators.fetch.http_get", offline)
    monkeypatch.setattr("cyberbeeld.indicators.management.commands.fetch_cbs.fetch_table",
                        lambda *a, **kw: fetch.fetch_table(*a, **{**kw, "get": offline}))
    with pytest.raises(CommandError) as err:
        call_command("fetch_cbs", "83648NED")
    assert "\n" not in str(err.value) and "is er internet" in str(err.value)


@pytest.mark.django_db
def test_a_changed_table_is_imported_again(world, tmp_path):
    """A table folder is recognised by its contents, not its file names: a revised figure is stored."""
    from cyberbeeld.indicators.models import Observation
    from cyberbeeld.indicators.services import import_observations

    def only_maastricht(url: str) -> bytes:
        body = json.loads(replay(url))
        if "TypedDataSet" in url:
            body["value"] = [r for r in body["value"] if r["RegioS"].strip() == "GM0935"]
        return json.dumps(body).encode()

    first = fetch.fetch_table("83648NED", tmp_path, get=only_maastricht)
    assert import_observations(first.directory, writer=PLATFORM).created == 18

    def revised(url: str) -> bytes:
        body = json.loads(only_maastricht(url))
        for r in body["value"]:
            if r.get("Perioden") == "2020JJ00" and "TotaalGeregistreerdeMisdrijven_1" in r:
                r["TotaalGeregistreerdeMisdrijven_1"] = 6841
        return json.dumps(body).encode()

    second = fetch.fetch_table("83648NED", tmp_path, get=revised)
    summary = import_observations(second.directory, writer=PLATFORM)
    assert not summary.already_imported and summary.updated == 1
    assert Observation.objects.filter(area__code="GM0935", period="2020", value=6841).exists()


def test_a_set_in_one_page_is_stored_as_served_and_pages_are_merged(tmp_path):
    """A one-page set is written as the service sent it (no second encoding); a set over several pages becomes one
    document holding every record in order."""
    index = json.loads((RECORDED / "index.json").read_text())
    result = fetch.fetch_table("83648NED", tmp_path, get=replay)
    base = "https://opendata.cbs.nl/ODataApi/odata/83648NED"
    served = (RECORDED / index[f"{base}/DataProperties"]).read_bytes()
    assert (result.directory / "DataProperties.json").read_bytes() == served
    merged = json.loads((result.directory / "TypedDataSet.json").read_text(encoding="utf-8"))
    assert "odata.nextLink" not in merged and len(merged["value"]) == 12
    assert [r["ID"] for r in merged["value"]] == sorted(r["ID"] for r in merged["value"])


def test_the_documents_handed_to_the_import_are_what_the_importer_decodes(tmp_path):
    """fetch_table hands over the one-page sets decoded exactly as the importer decodes the stored files (a merged
    set is not handed over: the importer reads its file); parsing with them gives the same table."""
    result = fetch.fetch_table("83648NED", tmp_path, get=replay)
    assert result.documents and result.directory / "TypedDataSet.json" not in result.documents  # three pages
    assert result.directory / "DataProperties.json" in result.documents
    for path, (size, doc) in result.documents.items():
        assert size == path.stat().st_size
        assert doc == inputs.load_json(path.read_bytes(), path.name, parse_float=Decimal)
    plain = parse(result.directory)
    with preloaded(result.documents):
        handed = parse(result.directory)
    assert handed.observations == plain.observations and handed.metadata == plain.metadata


def test_a_merged_set_keeps_the_numbers_of_its_pages(tmp_path):
    """The first page is decoded with exact decimals, the others plainly: the merged file holds the same numbers as
    the pages (floats as JSON floats, integers as integers)."""
    index = json.loads((RECORDED / "index.json").read_text())
    result = fetch.fetch_table("83648NED", tmp_path, get=replay)
    base = "https://opendata.cbs.nl/ODataApi/odata/83648NED/TypedDataSet"
    pages = [json.loads((RECORDED / name).read_text())["value"] for url, name in index.items() if url.startswith(base)]
    merged = json.loads((result.directory / "TypedDataSet.json").read_text(encoding="utf-8"))["value"]
    assert sorted(merged, key=lambda r: r["ID"]) == sorted((r for p in pages for r in p), key=lambda r: r["ID"])
    assert any(isinstance(v, float) for r in merged for v in r.values())


def _one_page_service(typed: bytes) -> fetch.Getter:
    index = json.loads((RECORDED / "index.json").read_text())
    docs = {url: (RECORDED / name).read_bytes() for url, name in index.items() if "TypedDataSet" not in url}
    docs["https://opendata.cbs.nl/ODataApi/odata/83648NED/TypedDataSet"] = typed
    return lambda url: docs[url]


def test_a_response_the_guard_refuses_is_stored_and_refused_by_the_import_as_before(tmp_path):
    index = json.loads((RECORDED / "index.json").read_text())
    base = "https://opendata.cbs.nl/ODataApi/odata/83648NED/TypedDataSet"
    records = [r for url, name in index.items() if url.startswith(base)
               for r in json.loads((RECORDED / name).read_text())["value"]]
    body = json.dumps({"value": records}).encode()
    body = body.replace(b'"ID": 0,', b'"ID": 0, "ID": 0,', 1)  # a duplicate key: the guard refuses it
    assert b'"ID": 0, "ID": 0,' in body
    result = fetch.fetch_table("83648NED", tmp_path, get=_one_page_service(body))
    data = result.directory / "TypedDataSet.json"
    assert data.read_bytes() == body and data not in result.documents
    with preloaded(result.documents), pytest.raises(ParseError, match="twee keer"):
        parse(result.directory)


def test_a_handed_over_document_is_not_used_when_the_file_changed(tmp_path):
    result = fetch.fetch_table("83648NED", tmp_path, get=replay)
    path = result.directory / "DataProperties.json"
    size, doc = result.documents[path]
    path.write_bytes(b'{"value": []}')
    with preloaded({path: (size, doc)}), pytest.raises(ParseError):
        parse(result.directory)  # the file as it is now: no DataProperties records, no topics


def test_json_nulls_and_missing_keys_read_as_empty_cells(tmp_path):
    """Records that hold every column are picked in C with null kept as None; a record without a key takes the slow
    way with "" instead. Both read as empty cells: an all-null record is skipped, a null value is missing."""
    index = json.loads((RECORDED / "index.json").read_text())
    base = "https://opendata.cbs.nl/ODataApi/odata/83648NED/TypedDataSet"
    records = [r for url, name in index.items() if url.startswith(base)
               for r in json.loads((RECORDED / name).read_text())["value"]]
    records[3] = dict.fromkeys(records[3])  # every cell null, the ID too
    records[5] = {**records[5], "TotaalGeregistreerdeMisdrijven_1": None}
    nulls = fetch.fetch_table("83648NED", tmp_path / "a", get=_one_page_service(json.dumps({"value": records}).encode()))
    del records[5]["TotaalGeregistreerdeMisdrijven_1"]  # one record lacks a key: the whole set takes the slow way
    missing = fetch.fetch_table("83648NED", tmp_path / "b", get=_one_page_service(json.dumps({"value": records}).encode()))
    with preloaded({**nulls.documents, **missing.documents}):
        a, b = parse(nulls.directory), parse(missing.directory)
    assert a.observations == b.observations and a.rows_read == b.rows_read == 11 and a.missing_cells == b.missing_cells
    assert a.missing_cells >= 1
    assert not any(o.source_row == 4 for o in a.observations)
    assert not any(o.source_row == 6 and o.measure_code == "TotaalGeregistreerdeMisdrijven_1" for o in a.observations)
