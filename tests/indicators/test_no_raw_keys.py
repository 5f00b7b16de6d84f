"""Rendered monitor pages with the real CBS and police files: no raw CBS key, no decimal point in Dutch text,
no "1 … -en"-style plural (issue 14)."""

from __future__ import annotations

import re

import pytest

from cyberbeeld.indicators.catalogue import seed
from cyberbeeld.indicators.models import Indicator, Observation
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import import_observations

pytestmark = pytest.mark.django_db

RAW_KEY = re.compile(r"\b[A-Z][A-Za-z]+_\d\b|\bincident_count\b|\btotal_incident_count\b|\bT001161\b|\bCRI\d{4}\b")
DECIMAL_POINT = re.compile(r"(?<![\d.\-])\d+\.\d{1,2}(?![\d.])")
BAD_PLURAL = re.compile(r"\b1 (scenario's|incidenten|indicatoren|waarnemingen|misdrijven|gemeenten)\b")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)  # tags, attributes (URLs) and all
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def real(world, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)
    seed()
    import_observations(shared_data / "cbs-83648NED" / "83648NED_gemeenten_totaal_2010_2020.csv", writer=PLATFORM)
    import_observations(shared_data / "cbs-police-crime" / "NL_Crime_annual_2012_2023.csv", writer=PLATFORM)
    return world


def check(text: str, where: str) -> None:
    assert not RAW_KEY.search(text), (where, RAW_KEY.search(text).group(0))
    assert not BAD_PLURAL.search(text), (where, BAD_PLURAL.search(text).group(0))


def test_monitor_pages_speak_dutch(client, real):
    client.force_login(real.anna)
    codes = set(Observation.objects.filter(area__code="GM0935").values_list("indicator__code", flat=True))
    codes |= {"politie-3-7-4-cybercrime"}
    for code in sorted(codes):
        text = visible_text(client.get(f"/nl/monitor/maastricht/{code}/").content.decode())
        check(text, code)
        m = DECIMAL_POINT.search(text)
        assert not m, (code, text[max(0, m.start() - 120):m.end() + 60])
    for url in ("/nl/monitor/?gemeente=maastricht", "/nl/overzicht/",
                f"/nl/monitor/kaart/{Indicator.objects.filter(code__contains='per1000inw_3').first().code}/"):
        text = visible_text(client.get(url).content.decode())
        check(text, url)
        m = DECIMAL_POINT.search(text)
        assert not m, (url, text[max(0, m.start() - 120):m.end() + 60])


def test_maastricht_rate_is_compared_with_the_netherlands_on_the_page(client, real):
    """The worked example on the page: 2020, Maastricht 56,3 per 1.000 against Nederland 46,4 per 1.000, tested on
    the 6.840 and 808.030 registrations behind them (z ≈ 14,5): significantly higher. The count page makes no
    such sentence."""
    client.force_login(real.anna)
    rate = Indicator.objects.get(code__startswith="83648ned-geregistreerdemisdrijvenper1000inw_3")
    count = Indicator.objects.get(code__startswith="83648ned-totaalgeregistreerdemisdrijven_1")
    text = visible_text(client.get(f"/nl/monitor/maastricht/{rate.code}/").content.decode())
    assert ("is in Maastricht (56,3 per 1.000 inwoners) significant hoger dan in Nederland (46,4 per 1.000 "
            "inwoners)") in text
    # and the change 2019 → 2020 on the rate, tested on its registrations (z ≈ −16,3)
    assert ("is ten opzichte van 2019 significant gedaald, van 73,1 per 1.000 inwoners naar 56,3 per 1.000 "
            "inwoners in 2020") in text
    text = visible_text(client.get(f"/nl/monitor/maastricht/{count.code}/").content.decode())
    # the count of one area over time: Poisson, with the population change stated
    assert "Het aantal inwoners veranderde in die tijd van" in text
    assert "dan in Nederland" not in text and "808.030" not in text
