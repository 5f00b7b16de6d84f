"""30 random source cells per real file, imported through ``cyberbeeld import-cbs`` as a user types it, twice: what
the indicator page, the API and the CSV download show equals the source cell, rounded to the source's decimals, in
Dutch number format, with the source row as its provenance (issue 14)."""

from __future__ import annotations

import csv
import io
import random
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from cyberbeeld.indicators.comparisons import format_number
from cyberbeeld.indicators.models import Observation

pytestmark = pytest.mark.django_db
N = 30


@pytest.fixture
def areas(world, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)
    return world


def _cells(path, measures, rng):
    with path.open(encoding="utf-8") as fh:
        rows = list(enumerate(csv.DictReader(fh), start=2))
    cells = [(line, m, r[m]) for line, r in rows for m in measures if r[m].strip()]
    return rng.sample(cells, N)


def _expected(raw: str, decimals: int, lang: str = "nl") -> str:
    q = Decimal(raw).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return format_number(float(q), decimals, lang)  # type: ignore[arg-type]


def _page_row(html: str, period: str) -> str:
    m = re.search(rf'<tr><th scope="row">{re.escape(period)}</th>(.*?)</tr>', html, re.S)
    assert m, period
    return m.group(1)


@pytest.mark.parametrize("name", ["cbs-83648NED/83648NED_gemeenten_totaal_2010_2020.csv",
                                  "cbs-83648NED/83648NED_provincies_hoofdgroepen_2010_2020.csv",
                                  "cbs-police-crime/NL_Crime_annual_2012_2023.csv",
                                  "cbs-police-crime/NL_Crime_monthly_2012_2023.csv"])
def test_random_cells_everywhere(client, areas, shared_data, name):
    """Imported as a user types it (``cyberbeeld import-cbs FILE``, no flags), twice: the second run changes
    nothing. Then 30 random cells: the API (value in both languages, source row), the indicator page (the
    gemeente's own column, or the Nederland column beside a gemeente for a national rate or share, with the
    figure's "Bron" link naming its source row) and the CSV download (the value to 6 decimals, the source row).
    Province figures are shown by no page and are in no gemeente's download: the API is checked for those,
    and national counts are never set beside a gemeente (areas of another size): API and CSV."""
    path = shared_data / name
    out = io.StringIO()
    call_command("import_cbs", str(path), stdout=out)
    assert "niets gewijzigd" not in out.getvalue()
    count = Observation.objects.count()
    out = io.StringIO()
    call_command("import_cbs", str(path), stdout=out)
    assert "al ingelezen, niets gewijzigd" in out.getvalue() and Observation.objects.count() == count
    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    measures = [h for h in header if h in {"incident_count", "frequency"} or h[-2:-1] == "_" and h[-1].isdigit()]
    client.force_login(areas.anna)
    rng = random.Random(14)
    checked = {"page": 0, "csv": 0}
    for line, measure, raw in _cells(path, measures, rng):
        found = Observation.objects.select_related("indicator", "area").filter(source_row=line)
        if len(measures) > 1:  # one observation per measure of a row
            found = found.filter(indicator__source_measure=measure)
        o = found.get()
        ind = o.indicator
        want = _expected(raw, ind.shown_decimals)
        api = client.get(f"/api/v1/indicators/{ind.code}/observations?area={o.area.code}&period={o.period}").json()
        got = api["items"][0]
        assert got["value_text_nl"] == want and got["value_text_en"] == _expected(raw, ind.shown_decimals, "en")
        assert got["provenance"]["source_row"] == line and got["provenance"]["source_file"] == path.name
        assert f"{path.name} regel {line}," in got["provenance"]["bron_nl"]
        if o.area.kind == "gemeente":
            page_area, column = o.area, 0
        elif o.area.code == "NL01" and ind.measure_type != "count":
            page_area, column = areas.gm_maastricht, -1  # the Nederland column, last of the figures
        else:
            page_area = None
        if page_area is not None:
            html = client.get(f"/nl/monitor/{page_area.code}/{ind.code}/").content.decode()
            cells = re.findall(r'<td class="cb-num">([^<]*)</td>', _page_row(html, o.period))
            assert cells[column] == want, (line, measure, raw, want, cells)
            assert re.search(rf">\[\d+\] regel {line}</a>", _page_row(html, o.period)), (line, o.period)
            checked["page"] += 1
        if o.area.kind == "gemeente" or o.area.code == "NL01":
            where = o.area.code if o.area.kind == "gemeente" else areas.gm_maastricht.code
            body = client.get(f"/nl/monitor/{where}/{ind.code}/download.csv").content.decode("utf-8-sig")
            row = next(r for r in csv.DictReader(io.StringIO(body), delimiter=";")
                       if r["gemeente_code"] == o.area.code and r["periode"] == o.period)
            assert Decimal(row["waarde"].replace(",", ".")) == Decimal(raw).quantize(Decimal("0.000001"))
            assert row["bronregel"] == str(line) and row["bronbestand"] == path.name
            assert row["import"] == str(o.import_batch_id) and row["bronperiode"] == o.import_batch.period_label
            checked["csv"] += 1
    if "gemeenten" in name:
        assert checked["page"] >= 25 and checked["csv"] == N
    if "NL_Crime" in name:
        assert checked["csv"] == N
