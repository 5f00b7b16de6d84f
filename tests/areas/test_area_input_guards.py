"""Herindelingen form a forest: no gemeente merges (indirectly) into itself (issue 13, finding 4)."""

from __future__ import annotations

import pytest

from cyberbeeld.areas.importers import AreaImportError, import_file
from cyberbeeld.areas.models import Area

pytestmark = pytest.mark.django_db


def test_a_herindeling_cycle_is_refused_and_nothing_changes(world, tmp_path):
    path = tmp_path / "herindeling.csv"
    path.write_text("code_oud,code_nieuw,datum\nGM0935,GM1903,2027-01-01\nGM1903,GM0935,2027-01-01\n")
    with pytest.raises(AreaImportError) as info:
        import_file(path)
    assert "rij 3" in str(info.value) and "kring" in str(info.value) and "GM1903 → GM0935 → GM1903" in str(info.value)
    assert Area.objects.get(code="GM0935").successor_id is None  # Maastricht stays a current gemeente
    assert Area.objects.filter(code="GM0935", superseded=False).exists()


def test_mapping_page_refuses_the_gemeente_itself_as_successor(client, world):
    client.force_login(world.kees)
    r = client.post(f"/nl/gebieden/{world.gm_maastricht.code}/koppelingen/", {
        "veiligheidsregio": world.vr24.pk, "successor": world.gm_maastricht.pk})
    assert r.status_code == 200 and "niet in zichzelf" in r.content.decode()
    assert Area.objects.get(code="GM0935").successor_id is None


def test_mapping_page_refuses_a_cycle(client, world):
    eijsden = world.gm_eijsden
    eijsden.successor = world.gm_maastricht
    eijsden.save()  # an older state: Eijsden-Margraten merged into Maastricht, but still listed as current
    client.force_login(world.kees)
    r = client.post(f"/nl/gebieden/{world.gm_maastricht.code}/koppelingen/", {
        "veiligheidsregio": world.vr24.pk, "successor": eijsden.pk})
    assert r.status_code == 200 and "kring" in r.content.decode()
    assert Area.objects.get(code="GM0935").successor_id is None
