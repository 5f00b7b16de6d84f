"""import-areas on the real reference files; bad files change nothing and name file, row, field."""

from __future__ import annotations

import pytest

from cyberbeeld.areas.importers import AreaImportError, import_file, reference_files
from cyberbeeld.areas.models import Area, AreaImport, AreaKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(shared_data):
    results = [import_file(p) for p in reference_files(shared_data)]
    return results


def snapshot():
    return sorted(Area.objects.values_list("code", "name", "population", "veiligheidsregio_id", "provincie_id",
                                           "superseded", "successor_id"))


def test_real_files(imported):
    current = Area.objects.gemeenten().current()
    assert current.count() == 342
    m = Area.objects.by_ref("maastricht")
    assert m == Area.objects.by_ref("GM0935")
    assert m.population == 125305 and m.peer_group.code == "100k-250k"
    assert m.veiligheidsregio.code == "VR24" and m.veiligheidsregio.name == "Zuid-Limburg"
    assert m.provincie.name == "Limburg"
    assert m.geometry["type"] in {"Polygon", "MultiPolygon"}
    assert Area.objects.filter(kind=AreaKind.POLITIE_EENHEID).count() == 10
    # mergers: gemeenten of the 2020 list that are gone are kept, flagged, with their history
    boxmeer = Area.objects.get(code="GM0756")
    assert boxmeer.superseded and not boxmeer.is_current and boxmeer.veiligheidsregio.code == "VR21"
    # what the files do not give is reported, never invented
    assert all(a.politie_eenheid_id is None for a in current)
    notes = " ".join(n for r in imported for n in r.missing)
    assert "politie-eenheid" in notes and "GM1982" in notes


def test_import_is_idempotent(imported, shared_data):
    before = snapshot()
    again = [import_file(p) for p in reference_files(shared_data)]
    assert all(r.created == 0 and r.updated == 0 for r in again), [(r.file, r.created, r.updated) for r in again]
    assert snapshot() == before


def test_bad_file_names_file_row_field_and_changes_nothing(imported, tmp_path):
    before, batches = snapshot(), AreaImport.objects.count()
    bad = tmp_path / "gemeenten_kapot.csv"
    bad.write_text("naam,nummer,bevolking,provincie\nMaastricht,0935,999,Limburg\nNergensdorp,09x5,12,Limburg\n",
                   encoding="utf-8")
    with pytest.raises(AreaImportError) as exc:
        import_file(bad)
    err = exc.value.errors[0]
    assert (err.file, err.row, err.field) == ("gemeenten_kapot.csv", 3, "nummer")
    assert "gemeenten_kapot.csv, rij 3, veld 'nummer'" in str(exc.value)
    assert snapshot() == before  # the valid first row was not written either
    assert AreaImport.objects.count() == batches


def test_bad_number_and_unknown_format(imported, tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_text("Populatie,Key,Regio\n12.5abc,GM0935,Maastricht\n", encoding="utf-8")
    with pytest.raises(AreaImportError, match="pop.csv, rij 2, veld 'Populatie'"):
        import_file(bad)
    odd = tmp_path / "iets.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(AreaImportError, match="onbekende kolommen"):
        import_file(odd)


def test_beheerder_completes_mappings_with_files(imported, tmp_path):
    koppeling = tmp_path / "koppeling.csv"
    koppeling.write_text("gemeente;politie_eenheid;basisteam;basisteam_naam\nGM0935;RE10;BT1001;Maastricht-Heuvelland\n",
                         encoding="utf-8-sig")
    import_file(koppeling)
    m = Area.objects.get(code="GM0935")
    assert m.politie_eenheid.code == "RE10" and m.basisteam.name == "Maastricht-Heuvelland"
    herindeling = tmp_path / "herindeling.csv"
    herindeling.write_text("code_oud,code_nieuw,datum\nGM0756,GM1982,2022-01-01\n", encoding="utf-8")
    import_file(herindeling)
    boxmeer = Area.objects.get(code="GM0756")
    assert boxmeer.current_successor().code == "GM1982" and str(boxmeer.valid_to) == "2022-01-01"
    wrong = tmp_path / "koppeling2.csv"
    wrong.write_text("gemeente,politie_eenheid\nGM0935,VR24\n", encoding="utf-8")
    with pytest.raises(AreaImportError, match="rij 2, veld 'politie_eenheid'"):
        import_file(wrong)


def test_cli_reports_bad_file_in_one_line(imported, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    src = tmp_path / "cbs_population_by_region_2022.csv"
    src.write_text("Populatie,Key,Regio\nveel,GM0935,Maastricht\n", encoding="utf-8")
    with pytest.raises(CommandError, match="niets gewijzigd"):
        call_command("import_areas", str(src))
    assert "rij 2, veld 'Populatie'" in capsys.readouterr().err


def test_mapping_page_for_beheerders_only(client, world):
    client.force_login(world.anna)
    assert client.get("/nl/gebieden/ontbrekende-koppelingen/").status_code == 404
    client.force_login(world.kees)  # beheerder of the kenniscentrum
    assert client.get("/nl/gebieden/ontbrekende-koppelingen/").status_code == 200
    from cyberbeeld.areas.models import Area as A

    re10 = A.objects.create(code="RE10", kind=AreaKind.POLITIE_EENHEID, name="Limburg", slug="limburg")
    response = client.post("/nl/gebieden/GM1903/koppelingen/", {"veiligheidsregio": world.vr24.pk,
                                                                  "politie_eenheid": re10.pk})
    assert response.status_code == 302
    assert A.objects.get(code="GM1903").politie_eenheid == re10
