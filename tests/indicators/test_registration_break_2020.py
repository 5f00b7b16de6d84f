"""The police registration change of 2020 on the 83648NED totals (issue 14, DOMAIN §3.2).

Decision: DOMAIN §3.2 lists "extra registrations after 2019 (separate misdrijf per offence, DigiD app)" among the
breaks in the registration series. Counting every offence in a report as a separate crime is a rule of the
registration itself, not of the cyber categories, and the totals contain the cyber and fraud registrations, so the
totals (and every other series of the registration tables) break in 2020 as well. No change, trend or significance
claim may span 2019/2020 on these series: not on the page, the index, the dashboard, the report, the drafted
proposals, nor in the API (different segments). Each check is also run with the break removed, where the same
figures do give the claim, so each check can fail."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from cyberbeeld.indicators.models import Indicator, Observation

pytestmark = pytest.mark.django_db
BREAK_NOTE = "elk strafbaar feit in een aangifte als apart misdrijf"


@pytest.fixture
def real(world, shared_data, settings):
    from django.core.cache import cache

    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    cache.clear()
    for path in reference_files(shared_data):
        import_file(path)
    call_command("import_cbs", str(shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv"),
                 stdout=io.StringIO())
    return world


def _change_item(html: str, a: str, b: str) -> str:
    m = re.search(rf'<li[^>]*><span class="cb-muted">{a} → {b}:</span>(.*?)</li>', html, re.S)
    assert m, (a, b)
    return re.sub(r"<[^>]+>", "", m.group(1))


def test_every_series_of_the_registration_tables_carries_the_break(real):
    for ind in Indicator.objects.filter(source_table="83648NED", in_catalogue=False):
        assert [b["year"] for b in ind.method_breaks] == [2020], ind.code
        assert BREAK_NOTE in ind.method_breaks[0]["note_nl"]


def test_maastricht_rate_2019_2020_names_the_break_and_2018_2019_is_a_significant_rise(client, real):
    """By hand: 2018 → 2019 Maastricht rose from 66,0 to 73,1 per 1.000 on 8.100 → 8.890 registrations;
    ln(73,1/66,0) = 0,1022, se = √(1/8.100 + 1/8.890) = 0,0154, z ≈ 6,6: a significant rise. 2019 → 2020
    (73,1 → 56,3) spans the 2020 registration break: no claim, the break named. The comparison with Nederland
    within 2020 (one method) stays: 56,3 against 46,4 per 1.000 on 6.840 and 808.030 registrations, z ≈ 14,5."""
    client.force_login(real.anna)
    rate = Indicator.objects.get(code__startswith="83648ned-geregistreerdemisdrijvenper1000inw_3")
    html = client.get(f"/nl/monitor/maastricht/{rate.code}/").content.decode()
    across = _change_item(html, "2019", "2020")
    assert "significant" not in across and "niet te vergelijken" in across and BREAK_NOTE in across
    before = _change_item(html, "2018", "2019")
    assert "significant gestegen, van 66,0 per 1.000 inwoners naar 73,1 per 1.000 inwoners" in before
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert ("is in Maastricht (56,3 per 1.000 inwoners) significant hoger dan in Nederland (46,4 per 1.000 "
            "inwoners)") in text


@pytest.mark.parametrize("with_break", [True, False])
def test_no_claim_spans_the_break_anywhere(client, real, with_break):
    """Maastricht's registered crimes made to rise 8.890 → 10.500 in 2020 (z ≈ 11 on the counts): with the
    break nothing claims it; without the break page, index, dashboard, report and proposals all do."""
    from cyberbeeld.indicators.dashboard import monitor_card
    from cyberbeeld.reports.snapshot import _indicators
    from cyberbeeld.risks.drafting import indicator_signals

    count = Indicator.objects.get(code__startswith="83648ned-totaalgeregistreerdemisdrijven_1")
    Observation.objects.filter(indicator=count, area__code="GM0935", period="2020").update(value=Decimal("10500"))
    # only the count series of Maastricht, so the index, card and proposals speak of this one change
    Observation.objects.filter(area__code="GM0935").exclude(indicator=count).delete()
    if not with_break:
        Indicator.objects.filter(pk=count.pk).update(method_breaks=[])
    client.force_login(real.anna)
    page = client.get(f"/nl/monitor/maastricht/{count.code}/").content.decode()
    item = _change_item(page, "2019", "2020")
    assert ("significant gestegen" in item) is not with_break
    assert (BREAK_NOTE in item) is with_break
    index = client.get("/nl/monitor/?gemeente=maastricht").content.decode()
    assert ("significant gestegen" in index) is not with_break
    report = {i["code"]: i for i in _indicators(real.gm_maastricht, "nl", [])}
    assert report[count.code]["change"]["significant"] is not with_break
    if with_break:
        assert BREAK_NOTE in report[count.code]["change"]["break_note"]
    proposals = [s["indicator"].code for s in indicator_signals(real.maastricht)]
    assert (count.code in proposals) is not with_break
    card = monitor_card(type("R", (), {})(), real.maastricht)
    assert any("significant" in item for item in card["items"]) is not with_break
    api = client.get(f"/api/v1/indicators/{count.code}/observations?area=GM0935").json()["items"]
    segments = {o["period"]: o["series_segment"] for o in api}
    assert (segments["2019"] != segments["2020"]) is with_break
