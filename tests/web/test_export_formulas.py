"""Spreadsheet exports never carry live formulas (issue 12, finding 7; OWASP CSV injection).

Every text cell that starts with ``= + - @``, a tab or a carriage return is prefixed with a single quote
in CSV, XLSX and ODS; genuine numbers stay numbers (a negative value is a number cell, not text)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from cyberbeeld.spreadsheets import FORMULA_TRIGGERS, escape_formula

pytestmark = pytest.mark.django_db

TITLES = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3", "\t=1+1", "\r=1+1"]


def test_escape_formula_is_for_text_only():
    assert [escape_formula(t) for t in TITLES] == ["'" + t for t in TITLES]
    assert escape_formula(-2) == -2 and escape_formula(Decimal("-2.5")) == Decimal("-2.5")
    assert escape_formula(-2.5) == -2.5 and escape_formula(None) is None
    assert escape_formula("Phishing -2") == "Phishing -2" and escape_formula("") == ""


def _xlsx_cells(body: bytes) -> list[openpyxl.cell.Cell]:
    wb = openpyxl.load_workbook(io.BytesIO(body))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _stored(texts) -> list[str]:
    """The planted texts as stored (declared free text is stored redacted: '@SUM(1)' may become a
    '[HANDLE](1)'), those that still start like a formula; most of them do."""
    out = [t for t in texts if t.startswith(FORMULA_TRIGGERS)]
    assert len(out) >= 5, out
    return out


def _assert_xlsx_safe(body: bytes, expected: list[str] = TITLES) -> None:
    cells = _xlsx_cells(body)
    assert not [c.value for c in cells if c.data_type == "f"]
    for t in expected:
        hits = [c for c in cells if isinstance(c.value, str) and t.strip() in c.value]
        assert hits, t
        assert all(c.value.startswith("'") for c in hits), [c.value for c in hits]


def _assert_ods_safe(body: bytes, expected: list[str] = TITLES) -> None:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        content = z.read("content.xml").decode("utf-8")
    assert "table:formula" not in content
    import tablib

    flat = [str(c) for row in tablib.Dataset().load(body, format="ods") for c in row]
    for t in expected:
        hits = [c for c in flat if t.strip() in c]
        assert hits and all(c.startswith("'") for c in hits), (t, hits)


def _assert_csv_safe(text: str, delimiter: str, expected: list[str] = TITLES) -> None:
    cells = [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c.startswith("-") and not re.fullmatch(r"-[\d.,]+", c)]
    for t in expected:
        assert "'" + t in cells, t


# --- incidents --------------------------------------------------------------------------------------

@pytest.fixture
def incidents(world, taxonomy):
    from cyberbeeld.incidents.services import incident_save

    for t in TITLES:
        incident_save(by=world.anna, owner=world.maastricht, data={
            "title": t, "tlp": "amber", "raw_description": t, "modus": t})
    return world


def test_incident_exports_escape_formulas(client, incidents):
    from cyberbeeld.incidents.models import Incident

    expected = _stored(Incident.objects.values_list("title", flat=True))
    client.force_login(incidents.anna)
    body = client.get("/nl/incidenten/exporteren/?format=csv").content.decode("utf-8-sig")
    _assert_csv_safe(body, ";", expected)
    _assert_xlsx_safe(client.get("/nl/incidenten/exporteren/?format=xlsx").content, expected)
    _assert_ods_safe(client.get("/nl/incidenten/exporteren/?format=ods").content, expected)


# --- measures ---------------------------------------------------------------------------------------

@pytest.fixture
def measures(world, taxonomy):
    from cyberbeeld.actions import services

    for t in TITLES:
        services.measure_save(by=world.anna, owner=world.maastricht, data={"title": t, "expected_effect": t})
    return world


def test_measure_exports_escape_formulas(client, measures):
    from cyberbeeld.actions.models import Measure

    expected = _stored(Measure.objects.values_list("title", flat=True))
    client.force_login(measures.anna)
    _assert_csv_safe(client.get("/nl/maatregelen/export.csv").content.decode("utf-8"), ",", expected)
    _assert_xlsx_safe(client.get("/nl/maatregelen/export.xlsx").content, expected)
    _assert_ods_safe(client.get("/nl/maatregelen/export.ods").content, expected)


# --- indicator downloads ----------------------------------------------------------------------------

@pytest.fixture
def indicator(world):
    from cyberbeeld.indicators.models import Indicator, Observation

    ind = Indicator.objects.create(code="tabel-formules", name_nl=TITLES[0], name_en=TITLES[0], unit="count",
                                   source="politie", series="tabel-formules")
    for i, t in enumerate(TITLES):
        Observation.objects.create(indicator=ind, area=world.gm_maastricht, period=str(2010 + i),
                                   value=Decimal("-2.5") if i == 4 else Decimal(i), source_table=t)
    return world


def test_indicator_downloads_escape_formulas_and_keep_numbers(client, indicator):
    client.force_login(indicator.anna)
    base = "/nl/monitor/maastricht/tabel-formules/download."
    dutch = client.get(base + "csv").content.decode("utf-8-sig")
    _assert_csv_safe(dutch, ";")
    assert "-2,5" in [c for row in csv.reader(io.StringIO(dutch), delimiter=";") for c in row]
    _assert_csv_safe(client.get(base + "csv-komma").content.decode("utf-8"), ",")
    body = client.get(base + "xlsx").content
    _assert_xlsx_safe(body)
    numbers = [c for c in _xlsx_cells(body) if c.column == 6 and c.row > 1]
    assert all(c.data_type == "n" for c in numbers) and -2.5 in [c.value for c in numbers]
    _assert_ods_safe(client.get(base + "ods").content)
