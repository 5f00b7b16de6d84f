"""No significance claim ever spans a method break: page, index, dashboard card, report, drafted proposals
(issue 14). The same jump without a break is claimed, so each check can fail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cyberbeeld.indicators.catalogue import seed
from cyberbeeld.indicators.models import Indicator, Observation

pytestmark = pytest.mark.django_db


def _series(world, periods):
    """Maastricht computer intrusion per 1,000 (catalogue: police registration break in 2020): 1,0 → 3,0
    per 1.000 on 120 → 360 registrations. Without a break: se = 1/√120 = 0,091 and 3/√360 = 0,158,
    z = 2,0 / 0,183 ≈ 10,9 — a significant rise."""
    seed()
    rate = Indicator.objects.get(code="cbs-computervredebreuk-per-1000")
    count = Indicator.objects.get(code="cbs-computervredebreuk")
    assert rate.basis_id == count.pk and any(b["year"] == 2020 for b in rate.method_breaks)
    for p, r, k in zip(periods, ("1.0", "3.0"), ("120", "360"), strict=True):
        Observation.objects.create(indicator=rate, area=world.gm_maastricht, period=p, value=Decimal(r))
        Observation.objects.create(indicator=count, area=world.gm_maastricht, period=p, value=Decimal(k))
    return rate


@pytest.mark.parametrize("periods, claimed", [(("2019", "2020"), False), (("2017", "2018"), True)])
def test_break_blocks_every_claim(client, world, periods, claimed):
    from cyberbeeld.indicators.dashboard import monitor_card
    from cyberbeeld.reports.snapshot import _indicators
    from cyberbeeld.risks.drafting import indicator_signals

    _series(world, periods)
    client.force_login(world.anna)
    page = client.get("/nl/monitor/maastricht/cbs-computervredebreuk-per-1000/").content.decode()
    index = client.get("/nl/monitor/?gemeente=maastricht").content.decode()
    assert ("significant gestegen" in page) is claimed
    assert ("significant gestegen" in index) is claimed
    if not claimed:
        assert "niet te vergelijken" in page and "2020" in page and "meer cyber- en fraudemisdrijven geregistreerd" in page
        assert "niet te vergelijken" in index
    report = {i["code"]: i for i in _indicators(world.gm_maastricht, "nl", [])}
    assert report["cbs-computervredebreuk-per-1000"]["change"]["significant"] is claimed
    if not claimed:
        assert "meer cyber- en fraudemisdrijven geregistreerd" in report["cbs-computervredebreuk-per-1000"]["change"]["break_note"]
    proposals = [s["indicator"].code for s in indicator_signals(world.maastricht)]
    assert ("cbs-computervredebreuk-per-1000" in proposals) is claimed
    request = type("R", (), {})()
    card = monitor_card(request, world.maastricht)
    assert any("significant" in item for item in card["items"]) is claimed


def test_count_is_charted_alone_and_not_compared_with_the_netherlands(client, world):
    from cyberbeeld.areas.models import Area, AreaKind

    seed()
    count = Indicator.objects.get(code="cbs-computervredebreuk")
    nl = Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")
    for area, k in ((world.gm_maastricht, "120"), (nl, "9000")):
        Observation.objects.create(indicator=count, area=area, period="2018", value=Decimal(k))
    client.force_login(world.anna)
    page = client.get("/nl/monitor/maastricht/cbs-computervredebreuk/").content.decode()
    assert "dan in Nederland" not in page  # no sentence compares a gemeente count with a national count
    assert "Nederland (9.000)" not in page


def test_counts_are_not_mapped_or_ranked_across_gemeenten(client, world):
    seed()
    count = Indicator.objects.get(code="cbs-computervredebreuk")
    for area, k in ((world.gm_maastricht, "120"), (world.gm_zaanstad, "150"), (world.gm_eijsden, "9")):
        Observation.objects.create(indicator=count, area=area, period="2018", value=Decimal(k))
    client.force_login(world.anna)
    html = client.get("/nl/monitor/kaart/cbs-computervredebreuk/?periode=2018").content.decode()
    assert "kleurt deze kaart de gemeenten niet" in html and "/nl/monitor/kaart/cbs-computervredebreuk-per-1000/" in html
    html = client.get("/nl/monitor/vergelijk/?indicator=cbs-computervredebreuk&periode=2018&g=maastricht&g=zaanstad"
                      "&g=eijsden-margraten").content.decode()
    assert "niet te vergelijken" in html and "<svg" not in html
