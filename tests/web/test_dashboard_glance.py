"""Issue 17, the dashboard read at a glance: the risk matrix as a small diagram with its table (no "C/B" codes),
counts with links, correct plurals, the peer group in the page's language."""

from __future__ import annotations

import pytest

from cyberbeeld.risks import services
from cyberbeeld.risks.models import ScenarioTemplate

pytestmark = pytest.mark.django_db

SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}


def scored(world, code, likelihood):
    services.templates_sync()
    s = services.scenario_adopt(by=world.anna, owner=world.maastricht, template=ScenarioTemplate.objects.get(code=code))
    a = services.assessment_save(by=world.anna, scenario=s, data={"likelihood": likelihood, "impact": SCORES})
    services.assessment_finalise(by=world.anna, assessment=a)
    return s


def test_risk_matrix_is_a_picture_with_its_table_and_plain_words(client, world):
    from cyberbeeld.risks.dashboard import matrix_spec

    scored(world, "ransomware-mkb", "D")
    client.force_login(world.anna)
    page = client.get("/nl/overzicht/").content.decode()
    card = page[page.index(">Dreigingsbeeld</a></h2>"):]
    card = card[:card.index("</section>")]
    assert "<svg" in card and 'role="img"' in card and "Risicomatrix" in card
    assert "<table" in card and "Scenario&#x27;s per waarschijnlijkheid en impact" in card
    assert "1 scenario beoordeeld, 0 nog niet." in card  # singular, not "1 scenario's"
    assert "/D" not in card and "D/" not in card  # no "D/C" codes
    assert "waarschijnlijk" in card and "risico" in card
    assert '<span class="cb-count">0</span> open voorstellen' in card
    # every cell of the matrix is drawn and coloured by its risk zone; the counts are labels in the cells
    spec = matrix_spec({("D", "C"): 1}, "nl")
    rows = spec["data"]["values"]
    assert len(rows) == 25 and sum(r["n"] for r in rows) == 1
    assert next(r for r in rows if r["l"] == "E" and r["i"] == "E")["z"] == 3  # zeer hoog
    assert next(r for r in rows if r["l"] == "A" and r["i"] == "A")["z"] == 0  # laag


def test_dashboard_counts_link_and_the_peer_group_speaks_english(client, world):
    from cyberbeeld.areas.models import PeerGroup

    pg = PeerGroup.objects.create(code="pg-100-250", name_nl="100.000 tot 250.000 inwoners",
                                  name_en="100,000 to 250,000 inhabitants", min_population=100_000,
                                  max_population=250_000)
    world.gm_maastricht.peer_group = pg
    world.gm_maastricht.save()
    client.force_login(world.anna)
    en = client.get("/en/overzicht/").content.decode()
    assert "100,000 to 250,000 inhabitants" in en and "100.000 tot 250.000 inwoners" not in en
    nl = client.get("/nl/overzicht/").content.decode()
    assert "100.000 tot 250.000 inwoners" in nl
    assert '<a class="utrecht-link" href="/nl/maatregelen/te-laat/"><span class="cb-count">0</span> maatregelen te laat' in nl
    assert "open vragen van partners" in nl
