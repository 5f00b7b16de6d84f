"""The NL Design System look in Chromium: the bundled font, the theme class, styled selects, checkbox lists with a
search filter, the gemeente house style on the public page, and no horizontal overflow at 320, 390 and 1280 px
(screenshots saved as test artefacts). Every page opened here also goes through the page-check hook."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 1280)


@pytest.fixture
def artefacts(tmp_path_factory):
    """Screenshots go to $CYBERBEELD_ARTEFACTS/screenshots (CI keeps them) or a pytest tmp folder."""
    root = os.environ.get("CYBERBEELD_ARTEFACTS")
    folder = Path(root) / "screenshots" if root else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _login(page, base, world, user="anna"):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


def _overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: nothing to scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _public_theme(world):
    from PIL import Image

    from cyberbeeld.accounts import services
    from cyberbeeld.indicators.catalogue import seed
    from cyberbeeld.indicators.models import Indicator, Observation, PublicTheme

    seed()
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    for year, value in (("2014", 14), ("2015", 13.2), ("2016", 9.7), ("2017", 12.4), ("2019", 13.8), ("2021", 15.1),
                        ("2023", 16.4)):
        Observation.objects.create(indicator=vm, area=world.gm_maastricht, period=year, value=value)
    theme = PublicTheme.objects.create(owner=world.maastricht, gemeente=world.gm_maastricht, slug="cyber", tlp="clear",
                                       title_nl="Cyberveiligheid in Maastricht", title_en="Cyber security in Maastricht",
                                       narrative_nl="Hoe vaak worden inwoners slachtoffer van cybercrime?",
                                       narrative_en="How often do residents fall victim to cybercrime?",
                                       last_update=dt.date(2024, 3, 5))
    theme.indicators.set([vm])
    buf = io.BytesIO()
    Image.new("RGB", (120, 48), (122, 31, 61)).save(buf, format="PNG")
    services.theme_save(by=world.beheerder, organisation=world.maastricht, logo=(buf.getvalue(), "image/png"), data={
        "display_name": "Gemeente Maastricht", "primary_color": "#7a1f3d", "logo_alt": "Logo gemeente Maastricht",
        "website_url": "https://www.gemeentemaastricht.nl/", "contact_url": "https://www.gemeentemaastricht.nl/contact",
        "privacy_url": "https://www.gemeentemaastricht.nl/privacy",
        "accessibility_url": "https://www.gemeentemaastricht.nl/toegankelijkheid"})


def test_pages_fit_every_width_with_the_bundled_font(page, live_server, world, taxonomy, artefacts):
    _public_theme(world)
    base = live_server.url
    _login(page, base, world)
    pages = {"dashboard": "/nl/overzicht/", "incident-form": "/nl/incidenten/nieuw/",
             "incidents": "/nl/incidenten/", "organisation": "/nl/account/organisatie/gemeente-maastricht/",
             "public-nl": "/nl/publiek/maastricht/cyber/", "public-en": "/en/publiek/maastricht/cyber/"}
    for name, path in pages.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + path)
            page.evaluate("() => document.fonts.ready")
            shot = artefacts / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 1000
            assert _overflow(page) <= 0, f"{path} is wider than {width} px: scrolls sideways"
        body = page.locator("body").get_attribute("class") or ""
        assert "voorbeeld-theme" in body and "cb-theme" in body, f"theme class missing on {path}"
        h1_font = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
        assert h1_font.startswith('"Source Sans 3"'), f"{path}: heading font {h1_font}"
        assert page.evaluate("() => document.fonts.check('700 16px \"Source Sans 3\"')"), "bundled font not loaded"


def test_public_page_is_the_gemeentes_own_and_its_table_fits_a_phone(page, live_server, world, taxonomy):
    _public_theme(world)
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base}/nl/publiek/maastricht/cyber/")
    logo = page.get_by_role("img", name="Logo gemeente Maastricht")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 120
    crumbs = page.get_by_role("navigation", name="Kruimelpad")
    assert crumbs.get_by_role("link", name="Gemeente Maastricht").get_attribute("href") == \
        "https://www.gemeentemaastricht.nl/"
    footer = page.locator("footer")
    for name in ("Contact", "Privacy", "Toegankelijkheid"):
        assert footer.get_by_role("link", name=name).get_attribute("href").startswith("https://www.gemeentemaastricht.nl/")
    # the house colour reaches the page through the organisation's stylesheet (no inline style under CSP)
    brand = page.evaluate("() => getComputedStyle(document.body).getPropertyValue('--cb-brand').trim()")
    assert brand == "#7a1f3d"
    # on a phone the years table is a list: every value sits inside the viewport, labelled with its year
    table = page.locator("#vm-table-1")
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    first = table.locator("td").first
    assert first.get_attribute("data-label") == "2014"
    label = first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"2014"'
    # reading width: the narrative does not run across a wide screen
    page.set_viewport_size({"width": 1280, "height": 800})
    width = page.locator(".cbp-narrative").bounding_box()["width"]
    assert width <= 42 * 16 + 1


def test_selects_look_like_selects_and_long_lists_have_a_filter(page, live_server, world, taxonomy):
    from cyberbeeld.risks import services

    services.templates_sync()
    base = live_server.url
    _login(page, base, world)
    page.goto(f"{base}/nl/dreigingsbeeld/scenario/nieuw/")
    select = page.locator("select").first
    assert "chevron-down.svg" in select.evaluate("s => getComputedStyle(s).backgroundImage")
    # "Vormen" was a Ctrl-click multi-select: now a fieldset of checkboxes with a legend and a search box
    group = page.get_by_role("group", name="Vormen")
    boxes = group.get_by_role("checkbox")
    total = boxes.count()
    assert total > 8
    search = group.get_by_label("Zoek in de lijst")
    search.fill("ransom")
    visible = [b for b in boxes.all() if b.is_visible()]
    assert 0 < len(visible) < total
    assert all("ransom" in b.evaluate("b => b.parentElement.textContent").lower() for b in visible)
    visible[0].check()
    search.fill("phishing")
    assert visible[0].is_visible()  # a checked option stays in view while filtering
    search.fill("")
    assert sum(1 for b in boxes.all() if b.is_visible()) == total
