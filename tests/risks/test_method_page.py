"""The method description the risk overview promises (issue 14, Deliver 6)."""

from __future__ import annotations

import pytest

from cyberbeeld.risks import scoring

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method_id", scoring.available_methods())
def test_method_page_names_bands_as_own_choice_and_lists_unverified_values(client, world, method_id):
    assert client.get("/nl/dreigingsbeeld/methode/").status_code == 302  # login required
    client.force_login(world.anna)
    html = client.get(f"/nl/dreigingsbeeld/methode/?m={method_id}").content.decode()
    m = scoring.load_method(method_id)
    assert m.name_nl in html and "eigen keuze van Cyberbeeld" in html
    assert "zeer hoog" in html and ">9–10<" in html  # the top band: sum of classes 9 or more
    for path in m.unverified:
        assert f"<code>{path}</code>" in html
    en = client.get(f"/en/dreigingsbeeld/methode/?m={method_id}").status_code
    assert en == 200
