"""30 random source cells per real file: what the indicator page, the API and the CSV download show equals the
source cell, rounded to the source's decimals, in Dutch number format (issue 14)."""

from __future__ import annotations

import csv
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from cyberbeeld.indicators.comparisons import format_number
from cyberbeeld.indicators.models import Observation
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import import_observations

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


@pytest.mark.parametrize("name", ["cbs-83648NED/83648NED_gemeenten_totaal_2010_2020.csv",
                                  "cbs-83648NED/83648NED_provincies_hoofdgroepen_2010_2020.csv",
                                  "cbs-police-crime/NL_Crime_annual_2012_2023.csv",
                                  "cbs-police-crime/NL_Crime_monthly_2012_2023.csv"])
def test_random_cells_everywhere(client, areas, shared_data, name):
    path = shared_data / name
    import_observations(path, writer=PLATFORM)
    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    measures = [h for h in header if h in {"incident_count", "frequency"} or h[-2:-1] == "_" and h[-1].isdigit()]
    client.force_login(areas.anna)
    rng = random.Random(14)
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
        assert got["provenance"]["source_row"] == line
        if o.area.kind != "gemeente":
            continue
        page = client.get(f"/nl/monitor/{o.area.code}/{ind.code}/").content.decode()
        assert f">{want}<" in page, (line, measure, raw, want)
        body = client.get(f"/nl/monitor/{o.area.code}/{ind.code}/download.csv").content.decode("utf-8-sig")
        row = next(r for r in csv.DictReader(io.StringIO(body), delimiter=";")
                   if r["gemeente_code"] == o.area.code and r["periode"] == o.period)
        assert Decimal(row["waarde"].replace(",", ".")) == Decimal(raw).quantize(Decimal("0.000001"))
        assert row["bronregel"] == str(line)
