"""Issue 14 pages in the browser with axe-core: a rate page with its break, a count page, the count map note
and the risk method description, in NL and EN."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(world):
    from django.core.cache import cache

    from cyberbeeld.indicators.catalogue import seed
    from cyberbeeld.indicators.models import Indicator, Observation

    cache.clear()
    seed()
    rate = Indicator.objects.get(code="cbs-computervredebreuk-per-1000")
    count = Indicator.objects.get(code="cbs-computervredebreuk")
    for p, r, k in (("2018", "1.0", "120"), ("2019", "1.1", "130"), ("2020", "3.0", "360")):
        Observation.objects.create(indicator=rate, area=world.gm_maastricht, period=p, value=Decimal(r))
        Observation.objects.create(indicator=count, area=world.gm_maastricht, period=p, value=Decimal(k))
    return world


def _login(page, base, world):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_figures_pages(page, live_server, data, axe_check, lang):
    base = live_server.url
    _login(page, base, data)
    page.goto(f"{base}/{lang}/monitor/maastricht/cbs-computervredebreuk-per-1000/")
    assert page.locator("#observations tbody tr").count() == 3
    axe_check(page)
    page.goto(f"{base}/{lang}/monitor/maastricht/cbs-computervredebreuk/")
    axe_check(page)
    page.goto(f"{base}/{lang}/monitor/kaart/cbs-computervredebreuk/")
    axe_check(page)
    page.goto(f"{base}/{lang}/dreigingsbeeld/methode/")
    assert page.locator("table").count() >= 3
    axe_check(page)
