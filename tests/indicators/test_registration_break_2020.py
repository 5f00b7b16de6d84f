"""The police registration change of 2020 (issue 14, DOMAIN §3.2) and the 83648NED totals.

Decision: the change (every offence in a report a separate crime, reports through the DigiD app) is a method
break on the cyber and fraud series ("registratie-2020" in the catalogue). CBS publishes no break for the
registration totals of 83648NED, and the issue's worked example (Maastricht per 1.000, 2019 → 2020, a
significant fall) is tested on them, so the totals carry no break. Wherever a series does carry the break, no
change, trend or significance claim spans it: not on the page, the index, the dashboard, the report, the drafted
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


def _registration_break() -> dict:
    from cyberbeeld.indicators import catalogue

    return dict(catalogue._raw()["breaks"]["registratie-2020"])


REGISTRATION_BREAK = _registration_break()


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


def test_the_registration_totals_carry_no_break_the_catalogue_holds_the_registration_break(real):
    from cyberbeeld.indicators import catalogue

    for ind in Indicator.objects.filter(source_table="83648NED", in_catalogue=False):
        assert ind.method_breaks == [], ind.code
    assert catalogue.table_breaks("83648NED") == []
    assert BREAK_NOTE in REGISTRATION_BREAK["note_nl"] and REGISTRATION_BREAK["year"] == 2020


@pytest.mark.parametrize("with_break", [True, False])
def test_no_claim_spans_the_break_anywhere(client, real, with_break):
    """Maastricht's registered crimes made to rise 8.890 → 10.500 in 2020 (z ≈ 11 on the counts): with the
    registration break on the series nothing claims it; without it page, index, dashboard, report and proposals
    all do."""
    from cyberbeeld.indicators.dashboard import monitor_card
    from cyberbeeld.reports.snapshot import _indicators
    from cyberbeeld.risks.drafting import indicator_signals

    count = Indicator.objects.get(code__startswith="83648ned-totaalgeregistreerdemisdrijven_1")
    Observation.objects.filter(indicator=count, area__code="GM0935", period="2020").update(value=Decimal("10500"))
    # only the count series of Maastricht, so the index, card and proposals speak of this one change
    Observation.objects.filter(area__code="GM0935").exclude(indicator=count).delete()
    Indicator.objects.filter(pk=count.pk).update(method_breaks=[REGISTRATION_BREAK] if with_break else [])
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
