"""The real CBS 83648NED extract through the import: exact values and sums; the demo hook."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from cyberbeeld.indicators.models import Indicator, Observation, PublicTheme
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import import_observations

pytestmark = pytest.mark.django_db

ALIASES = {"Noardeast-Fryslân": "GM1970", "Nuenen, Gerwen en Nederwetten": "GM0820"}


@pytest.fixture
def areas(db, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)


def test_83648ned_gemeenten_match_the_source(areas, shared_data):
    path = shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv"
    summary = import_observations(path, writer=PLATFORM, area_aliases=ALIASES)
    with path.open(encoding="utf-8") as fh:
        src = list(csv.DictReader(fh))
    measures = [m for m in src[0] if m not in ("SoortMisdrijf", "RegioS", "Perioden")]
    filled = sum(1 for r in src for m in measures if r[m].strip())
    assert summary.created == filled
    total = Indicator.objects.get(code__contains="totaalgeregistreerdemisdrijven_1")
    per1000 = Indicator.objects.get(code__contains="per1000inw_3")
    den_haag = {o.period: o.value for o in Observation.objects.filter(indicator=total, area__code="GM0518")}
    assert den_haag["2010"] == Decimal("58085") and den_haag["2012"] == Decimal("53460")
    assert Observation.objects.get(indicator=per1000, area__code="GM0518", period="2010").value == Decimal("118.9")
    src_2016 = sum(Decimal(r["TotaalGeregistreerdeMisdrijven_1"]) for r in src
                   if r["Perioden"] == "2016" and r["TotaalGeregistreerdeMisdrijven_1"].strip())
    assert sum(o.value for o in Observation.objects.filter(indicator=total, period="2016")) == src_2016
    assert import_observations(path, writer=PLATFORM, area_aliases=ALIASES).already_imported


def test_unknown_gemeente_name_refuses_the_whole_file(areas, shared_data):
    from cyberbeeld.indicators.services import ImportFailed

    path = shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv"
    with pytest.raises(ImportFailed) as exc:
        import_observations(path, writer=PLATFORM)  # without the two aliases two names are unknown
    assert exc.value.problems[0]["row"] and exc.value.problems[0]["column"] == "RegioS"
    assert Observation.objects.count() == 0


def test_demo_hook_is_idempotent(world):
    from cyberbeeld.indicators.demo import load

    orgs = {"gemeente-maastricht": world.maastricht}
    area_map = {"GM0935": world.gm_maastricht}
    load(orgs=orgs, areas=area_map, log=lambda *_: None)
    load(orgs=orgs, areas=area_map, log=lambda *_: None)
    theme = PublicTheme.objects.get()
    assert theme.tlp == "clear" and theme.is_example and "Voorbeeldtekst" in theme.narrative_nl
    assert Indicator.objects.filter(in_catalogue=True).count() >= 25
