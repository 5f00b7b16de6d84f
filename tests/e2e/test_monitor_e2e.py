"""The monitor in the browser: indicator page, comparison, map, public theme page and the static
site, in NL and EN, with the numbers checked and axe-core at 0 violations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAASTRICHT_VM = {"2014": "14", "2015": "13.2", "2016": "9.7", "2017": "12.4", "2019": "13.8"}
SQUARE = {"type": "Polygon", "coordinates": [[[5.6, 50.8], [5.8, 50.8], [5.8, 50.9], [5.6, 50.9], [5.6, 50.8]]]}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rendered maps and public pages are cached by content stamps; database ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def data(world):
    from cyberbeeld.areas.models import Area, AreaKind
    from cyberbeeld.indicators.catalogue import seed
    from cyberbeeld.indicators.models import Indicator, Observation, PublicTheme

    seed()
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    for p, v in MAASTRICHT_VM.items():
        Observation.objects.create(indicator=vm, area=world.gm_maastricht, period=p, value=Decimal(v))
    nl = Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")
    for p, v in {"2017": "11", "2019": "13"}.items():
        Observation.objects.create(indicator=vm, area=nl, period=p, value=Decimal(v))
    hack = Indicator.objects.get(code="vm-cybercrime-hacken")
    for area, v, lo, hi in ((world.gm_maastricht, "6.0", "5.5", "6.5"), (world.gm_zaanstad, "5.8", "5.0", "6.6"),
                            (world.gm_eijsden, "2.0", "1.5", "2.5")):
        Observation.objects.create(indicator=hack, area=area, period="2019", value=Decimal(v), ci_low=Decimal(lo),
                                   ci_high=Decimal(hi))
        area.geometry = {"type": "Polygon", "coordinates": [[[x + 0.3 * area.pk, y] for x, y in
                                                               SQUARE["coordinates"][0]]]}
        area.save()
    theme = PublicTheme.objects.create(
        owner=world.maastricht, gemeente=world.gm_maastricht, slug="informatieveiligheid", tlp="clear",
        title_nl="Informatieveiligheid", title_en="Information security", narrative_nl="Toelichting **voorbeeld**.",
        narrative_en="Explanation **example**.", last_update=dt.date(2020, 3, 5),
        sources=[{"title": "Veiligheidsmonitor", "url": "https://www.veiligheidsmonitor.nl/"}])
    theme.indicators.set([vm])
    return world


def _login(page, base, world):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


def _cells(page, selector):
    return [c.strip() for c in page.locator(selector).all_inner_texts()]


@pytest.mark.parametrize("lang,sep", [("nl", ","), ("en", ".")])
def test_monitor_pages(page, live_server, data, axe_check, lang, sep):
    base = live_server.url
    _login(page, base, data)
    page.goto(f"{base}/{lang}/monitor/maastricht/vm-cybercrime-totaal/")
    values = _cells(page, "#observations tbody tr td:nth-child(2)")
    assert [v for v in values if v != "–"] == [v.replace(".", sep) for v in MAASTRICHT_VM.values()]
    assert page.locator("figure.cb-chart svg").count() == 1
    axe_check(page)
    page.goto(f"{base}/{lang}/monitor/vergelijk/?indicator=vm-cybercrime-hacken&periode=2019"
              "&g=maastricht&g=zaanstad&g=eijsden-margraten")
    ranks = _cells(page, "#ranking tbody tr td:first-child")
    assert ranks[0].startswith("1–2") and ranks[-1] == "3"
    assert f"5{sep}8" in page.locator("#ranking").inner_text()
    axe_check(page)
    page.goto(f"{base}/{lang}/monitor/kaart/vm-cybercrime-hacken/")
    assert page.locator("figure.cb-chart svg").count() == 1
    assert f"5{sep}8" in page.locator("#map-table").inner_text()
    axe_check(page)
    page.goto(f"{base}/{lang}/monitor/")
    axe_check(page)


@pytest.mark.parametrize("lang,values", [("nl", ["14", "13,2", "9,7", "12,4", "13,8"]),
                                         ("en", ["14", "13.2", "9.7", "12.4", "13.8"])])
def test_public_theme_page(page, live_server, data, axe_check, lang, values):
    page.goto(f"{live_server.url}/{lang}/publiek/maastricht/informatieveiligheid/")
    assert _cells(page, "#vm-table-1 thead th.cbp-num") == ["2014", "2015", "2016", "2017", "2019"]
    assert _cells(page, "#vm-table-1 tbody td") == values
    axe_check(page)
    page.set_viewport_size({"width": 375, "height": 800})  # phone
    axe_check(page)


def test_static_site_passes_axe(page, data, axe_check, tmp_path):
    from cyberbeeld.areas.models import Area
    from cyberbeeld.indicators.publish import publish_site

    publish_site(Area.objects.get(code="GM0935"), tmp_path)
    for lang, values in (("nl", "13,8"), ("en", "13.8")):
        page.goto((tmp_path / lang / "informatieveiligheid" / "index.html").as_uri())
        assert values in _cells(page, "#vm-table-1 tbody td")
        axe_check(page)
    page.goto((tmp_path / "index.html").as_uri())
    axe_check(page)


def test_import_page_reports_errors_with_row_and_column(page, live_server, data, axe_check, tmp_path):
    bad = tmp_path / "kapot.csv"
    bad.write_text("indicator;gebied;periode;waarde\nx;GM0935;2019;12,5\nx;GM0935;2020;abc\n", encoding="utf-8")
    _login(page, live_server.url, data)
    page.goto(f"{live_server.url}/nl/monitor/import/")
    axe_check(page)
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Inlezen").click()
    page.wait_for_url("**/nl/monitor/import/*/")
    live = page.locator("#job-live")
    assert live.get_attribute("aria-live") == "polite"
    rows = page.locator("#job-problems tbody tr").all_inner_texts()
    assert rows and rows[0].split("\t")[0].strip() == "3" and "abc" in rows[0]
    axe_check(page)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_survey_upload_page_accessible(page, live_server, world, axe_check):
    page.goto(f"{live_server.url}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")
    for lang in ("nl", "en"):
        page.goto(f"{live_server.url}/{lang}/monitor/eigen-onderzoek/")
        assert page.locator("h1").count() == 1
        axe_check(page)
