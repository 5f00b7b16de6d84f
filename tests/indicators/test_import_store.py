"""import-cbs stores exactly the source values, all-or-nothing and idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.indicators.models import ImportBatch, Observation
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import ImportFailed, import_observations

pytestmark = pytest.mark.django_db


@pytest.fixture
def nl(db):
    return Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")


def test_national_cybercrime_counts_match_the_source(nl, shared_data):
    path = shared_data / "cbs-police-crime" / "NL_Crime_annual_2012_2023.csv"
    first = import_observations(path, writer=PLATFORM, area="NL01")
    assert first.created == 708  # 59 crime types × 12 years, every source row
    cyber = Observation.objects.filter(indicator__code="politie-3-7-4-cybercrime", area=nl)
    by_year = {o.period: o.value for o in cyber}
    assert by_year["2012"] == Decimal("4487") and by_year["2021"] == Decimal("14174")
    # the sum over all types of one year equals the sum of that year's source rows
    import csv

    with path.open(encoding="utf-8") as fh:
        src = sum(int(r["incident_count"]) for r in csv.DictReader(fh) if r["year"] == "2016")
    assert sum(o.value for o in Observation.objects.filter(period="2016")) == src
    batches = ImportBatch.objects.count()
    again = import_observations(path, writer=PLATFORM, area="NL01")
    assert again.already_imported and again.created == again.updated == 0
    assert ImportBatch.objects.count() == batches


def test_broken_file_changes_nothing_and_names_the_row(nl, tmp_path):
    bad = tmp_path / "kapot.csv"
    bad.write_text("indicator;gebied;periode;waarde\nx;NL01;2019;12,5\nx;NL01;2020;abc\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        import_observations(bad, writer=PLATFORM)
    assert exc.value.problems[0]["row"] == 3
    assert Observation.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_unknown_area_is_refused(nl, tmp_path):
    bad = tmp_path / "gebied.csv"
    bad.write_text("indicator,area,period,value\nx,NL01,2019,1\nx,GM9999,2019,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="GM9999"):
        import_observations(bad, writer=PLATFORM)
    assert Observation.objects.count() == 0
