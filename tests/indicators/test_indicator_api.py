"""The indicator API (issue 14): catalogue and observations with provenance, paginated, in OpenAPI, login."""

from __future__ import annotations

import pytest

from cyberbeeld.indicators.models import Observation
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import import_observations

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(world, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)
    import_observations(shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv", writer=PLATFORM)
    return world


def test_indicators_and_observations(client, figures):
    assert client.get("/api/v1/indicators/").status_code in (401, 403)
    client.force_login(figures.anna)
    page = client.get("/api/v1/indicators/?limit=2").json()
    assert page["count"] >= 6 and len(page["items"]) == 2
    code = Observation.objects.filter(indicator__code__contains="per1000inw_3").first().indicator.code
    ind = client.get(f"/api/v1/indicators/{code}").json()
    assert ind["measure_type"] == "rate" and ind["rate_per"] == 1000 and ind["decimals"] == 1
    assert ind["unit_label_nl"] == "per 1.000 inwoners" and ind["basis"].startswith("83648ned-totaal")
    assert ind["method_breaks"] == []  # CBS publishes no break for the 83648NED totals
    r = client.get(f"/api/v1/indicators/{code}/observations?area=maastricht&period=2020").json()
    assert r["count"] == 1
    o = r["items"][0]
    assert o["area"] == "GM0935" and o["value_text_nl"] == "56,3" and o["value_text_en"] == "56.3"
    assert o["provenance"]["source_table"] == "83648NED" and o["provenance"]["source_row"] > 1
    assert o["series_segment"] == 0
    from cyberbeeld.indicators.catalogue import seed

    seed()
    cyber = client.get("/api/v1/indicators/cbs-computervredebreuk-per-1000").json()
    assert [b["year"] for b in cyber["method_breaks"]] == [2020]  # the police registration break (cyber)
    assert client.get("/api/v1/indicators/bestaat-niet/observations").status_code == 404
    assert client.get(f"/api/v1/indicators/{code}/observations?area=nergens").status_code == 404
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/indicators/{code}/observations" in schema["paths"]
