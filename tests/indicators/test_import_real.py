"""The real CBS 83648NED extract through the import: exact values and sums; the demo hook."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from cyberbeeld.indicators.models import Indicator, Observation, PublicTheme
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import import_observations

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(db, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)


def test_83648ned_gemeenten_match_the_source(areas, shared_data):
    path = shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv"
    summary = import_observations(path, writer=PLATFORM)  # as a user types it: Frisian and "(gemeente)" names are known
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
    assert import_observations(path, writer=PLATFORM).already_imported


def test_unknown_area_is_named_with_the_closest_match_and_nothing_changes(areas, shared_data, tmp_path):
    from cyberbeeld.indicators.services import ImportFailed

    src = (shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv").read_text(encoding="utf-8")
    lines = src.splitlines()
    bad = [lines[0], *[ln for ln in lines[1:] if ",Maastricht,20" in ln][:2]]
    bad[2] = bad[2].replace(",Maastricht,", ",Maastrciht,")
    path = tmp_path / "83648NED_typo.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_observations(path, writer=PLATFORM)
    first = exc.value.problems[0]
    assert first["row"] == 3 and first["column"] == "RegioS"
    assert "Maastrciht" in first["reason"] and "bedoelt u 'Maastricht' (GM0935)?" in first["reason"]
    assert Observation.objects.count() == 0 and Indicator.objects.filter(in_catalogue=False).count() == 0


@pytest.mark.parametrize("name", ["83648NED_gemeenten_totaal_2010_2020.csv", "83648NED_provincies_hoofdgroepen_2010_2020.csv"])
def test_83648ned_files_load_as_typed_twice(areas, shared_data, name):
    """Frisian names (Noardeast-Fryslân), "(gemeente)" suffixes and 'Niet in te delen (PV)' all load."""
    path = shared_data / "cbs-83648NED" / name
    first = import_observations(path, writer=PLATFORM)
    assert first.created > 0
    again = import_observations(path, writer=PLATFORM)
    assert again.already_imported and again.created == again.updated == 0
    if "provincies" in name:
        assert Observation.objects.filter(area__code="PV99").exists()
    else:
        assert Observation.objects.filter(area__code="GM1970").exists()


def test_police_years_and_months_are_separate_series(areas, shared_data):
    base = shared_data / "cbs-police-crime"
    for name in ("NL_Crime_annual_2012_2023.csv", "NL_Crime_monthly_2012_2023.csv"):
        assert import_observations(base / name, writer=PLATFORM).created > 0  # no --area needed: a known national file
        assert import_observations(base / name, writer=PLATFORM).already_imported
    yearly = Indicator.objects.get(code="politie-3-7-4-cybercrime")
    monthly = Indicator.objects.get(code="politie-3-7-4-cybercrime-maand")
    assert set(yearly.observations.values_list("period", flat=True)) == {str(y) for y in range(2012, 2024)}
    assert monthly.observations.count() == 144 and all(len(p) == 7 for p in monthly.observations.values_list(
        "period", flat=True))
    assert yearly.frequency == "year" and monthly.frequency == "month"
    assert yearly.source_table == "47025NED" and monthly.source_table == "47022NED"
    assert Observation.objects.get(indicator=yearly, period="2021").value == Decimal("14174")
    # the file-wide total_incident_count column is not a monthly figure: never stored
    assert not Indicator.objects.filter(code__contains="total_incident_count").exists()


def test_measures_know_what_they_are(areas, shared_data):
    import_observations(shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv", writer=PLATFORM)
    per1000 = Indicator.objects.get(code__contains="per1000inw_3")
    assert (per1000.measure_type, per1000.rate_per, per1000.decimals) == ("rate", 1000, 1)
    assert per1000.basis.code.startswith("83648ned-totaalgeregistreerdemisdrijven_1")
    cleared = Indicator.objects.get(code__contains="totaalopgehelderdemisdrijven_4")
    suspects = Indicator.objects.get(code__contains="registratiesvanverdachten_6")
    assert cleared.polarity == "higher-better" and suspects.polarity == "neutral"
    assert cleared.subject_nl == "het aantal opgehelderde misdrijven"
    for ind in Indicator.objects.filter(source_table="83648NED"):
        assert "_" not in ind.name_nl and "_" not in ind.name_en  # no raw CBS key shown to a person


def test_demo_hook_is_idempotent(world):
    from cyberbeeld.indicators.demo import load

    orgs = {"gemeente-maastricht": world.maastricht}
    area_map = {"GM0935": world.gm_maastricht}
    load(orgs=orgs, areas=area_map, log=lambda *_: None)
    load(orgs=orgs, areas=area_map, log=lambda *_: None)
    theme = PublicTheme.objects.get()
    assert theme.tlp == "clear" and theme.is_example and "Voorbeeldtekst" in theme.narrative_nl
    assert Indicator.objects.filter(in_catalogue=True).count() >= 25
