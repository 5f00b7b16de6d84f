"""Every real file in ../shared/data/cbs-police-crime and cbs-83648NED imports through ``cyberbeeld import-cbs``
as a user types it (no alias or area flags), twice; the second run changes nothing (issue 14)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cyberbeeld.indicators.models import Indicator, Observation, SourceTable

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(db, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)


def _run(path) -> str:
    out = io.StringIO()
    call_command("import_cbs", str(path), stdout=out)
    return out.getvalue()


def test_every_real_file_imports_twice(areas, shared_data):
    files = sorted([*(shared_data / "cbs-police-crime").glob("*.csv"), *(shared_data / "cbs-83648NED").glob("*.csv")])
    assert len(files) == 12
    for path in files:
        first = _run(path)
        assert "niets gewijzigd" not in first, (path.name, first)
        observations = Observation.objects.count()
        second = _run(path)
        assert "niets gewijzigd" in second, (path.name, second)
        assert Observation.objects.count() == observations
    table = SourceTable.objects.get(identifier="47018NED")
    assert table.title.startswith("Geregistreerde misdrijven; soort misdrijf, wijk, buurt")
    assert table.measures["GeregistreerdeMisdrijven_1"]["unit"] == "aantal"
    assert table.code_lists["SoortMisdrijf"]["3.7.4"] == "3.7.4 Cybercrime"
    assert Observation.objects.filter(area__code="PV99").exists()  # "Niet in te delen (PV)" kept as such
    assert not Indicator.objects.filter(name_nl__regex=r"[A-Za-z]+_[0-9]").exists()  # no raw CBS key as a name
