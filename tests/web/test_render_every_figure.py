"""The render test of issue 14: with the full demo loaded, every indicator page, the dashboard, the monitor index, the
maps, the scenario and measure pages and forms, and the PDF report (its text as WeasyPrint lays it out) hold no raw
CBS key, no decimal point in Dutch text, no wrongly grouped number and no "1 scenario's"-style plural."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# raw source keys: CBS measure keys (GeregistreerdeMisdrijvenPer1000Inw_3), police file columns, CBS codes
RAW_KEY = re.compile(r"\b[A-Z][a-z]+[A-Z]\w*_\d+\b|\b(?:total_)?incident_count\b|\bincident_type_code\b"
                     r"|\bT001161\b|\bCRI\d{4}\b|\b\d{4}(?:JJ|MM|KW)\d{2}\b")
# a decimal point inside a number ("0.0", "56.3", "13.75") is English; Dutch writes 56,3
DECIMAL_POINT = re.compile(r"(?<![\w.\-/:])\d+\.\d{1,2}(?![\d.]|\.\d)")
# a count or year written with a decimal (",0" after thousands grouping: "2.025,0", "808.030,0")
GROUPED_DECIMAL = re.compile(r"\b\d{1,3}(?:\.\d{3})+,0\b")
NOUNS = ("scenario's", "incidenten", "indicatoren", "waarnemingen", "misdrijven", "gemeenten", "maatregelen",
         "organisaties", "meldingen", "beoordelingen", "pagina's", "regels", "rijen", "jaren", "maanden", "dagen",
         "oefeningen", "objecten", "verdachten", "doelen", "onderdelen", "voorstellen", "criteria")
SINGULAR = ("scenario", "incident", "indicator", "waarneming", "gemeente", "maatregel", "organisatie", "melding",
            "oefening", "object", "voorstel")
BAD_PLURAL = re.compile(r"(?<![\d.,])\b1 (?:" + "|".join(re.escape(n) for n in NOUNS) + r")(?![\w'])")
BAD_SINGULAR = re.compile(r"(?<![\d.,])\b(?:0|[2-9]|[1-9]\d{1,2}) (?:" + "|".join(SINGULAR) + r")(?![\w'])")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)  # tags and attributes (URLs, ids) go; option texts stay
    html = html.replace("&nbsp;", " ").replace("&#x27;", "'").replace("&#39;", "'").replace("&quot;", '"')
    return re.sub(r"\s+", " ", html)


def criterion_codes() -> frozenset[str]:
    """The impact criteria of the risk methods are numbered like the NRB ("2.1 Doden", DOMAIN §1.3): codes, not
    decimals. (A decimal that happened to equal one of these few codes would slip through.)"""
    from cyberbeeld.risks import scoring

    return frozenset(c.code for m in scoring.available_methods() for c in scoring.load_method(m).criteria)


def problems(text: str, where: str, *, dutch: bool = True) -> list[str]:
    found = []
    checks = [RAW_KEY, BAD_PLURAL, BAD_SINGULAR] if dutch else [RAW_KEY]
    if dutch:
        checks += [DECIMAL_POINT, GROUPED_DECIMAL]
    codes = criterion_codes()
    for rx in checks:
        for m in rx.finditer(text):
            if rx is DECIMAL_POINT and (m.group(0) in codes or text[:m.start()].endswith(("versie ", "version "))):
                continue  # a criterion code or a version label ("versie 2026.1") is not a number
            found.append(f"{where}: {m.group(0)!r} in …{text[max(0, m.start() - 80):m.end() + 40]}…")
    return found


def pdf_text(html: str) -> str:
    """The text of the PDF as WeasyPrint lays it out (every text box of every page)."""
    from pathlib import Path

    from weasyprint import HTML

    from cyberbeeld.reports import render

    doc = HTML(string=html, base_url=str(Path(render.__file__).parent)).render()
    out: list[str] = []

    def walk(box: object) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            out.append(text)
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in doc.pages:
        walk(page._page_box)
    assert doc.pages and out
    return re.sub(r"\s+", " ", " ".join(out))


@pytest.fixture
def demo(settings, shared_data):
    from django.core.cache import cache

    settings.SHARED_DATA_DIR = shared_data
    cache.clear()
    call_command("demo", "--quiet", stdout=io.StringIO())


def test_the_full_demo_speaks_dutch_everywhere(client, demo):
    found = collect_problems(client)
    assert not found, "\n".join(found[:40]) + f"\n({len(found)} in all)"


def collect_problems(client) -> list[str]:
    """Every page, form and the report of the demo, as anna (coördinator of Maastricht) sees them."""
    from django.contrib.auth import get_user_model

    from cyberbeeld.actions.models import Measure
    from cyberbeeld.areas.models import Area
    from cyberbeeld.indicators.models import Indicator, Observation
    from cyberbeeld.reports import render, snapshot
    from cyberbeeld.risks.models import Scenario

    anna = get_user_model().objects.get(username="anna")
    client.force_login(anna)
    maastricht = Area.objects.get(code="GM0935")
    org = anna.memberships.first().organisation
    found: list[str] = []

    def page(url: str, *, dutch: bool = True) -> None:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        found.extend(problems(visible_text(r.content.decode()), url, dutch=dutch))

    indicators = list(Indicator.objects.order_by("code"))
    assert len(indicators) > 20  # the catalogue and the real CBS and police series
    for ind in indicators:
        page(f"/nl/monitor/maastricht/{ind.code}/")
    with_gemeenten = sorted(set(Observation.objects.filter(area__kind="gemeente").values_list("indicator__code",
                                                                                                 flat=True)))
    assert with_gemeenten
    for code in with_gemeenten:
        page(f"/nl/monitor/kaart/{code}/")
    for url in ("/nl/overzicht/", "/nl/monitor/?gemeente=maastricht", "/nl/monitor/",
                f"/nl/monitor/vergelijk/?indicator={with_gemeenten[0]}", "/nl/dreigingsbeeld/",
                "/nl/dreigingsbeeld/voorstellen/", "/nl/dreigingsbeeld/methode/", "/nl/dreigingsbeeld/scenario/nieuw/",
                "/nl/maatregelen/", "/nl/maatregelen/nieuw/", "/nl/maatregelen/dekking/",
                "/nl/incidenten/vroegsignalering/"):
        page(url)
    for url in ("/en/overzicht/", "/en/monitor/?gemeente=maastricht"):
        page(url, dutch=False)
    from cyberbeeld.accounts import policy

    scenarios = list(policy.visible(anna, Scenario.objects.all()))
    assert scenarios
    for s in scenarios:
        page(f"/nl/dreigingsbeeld/scenario/{s.uuid}/")
        if policy.can_change(anna, s):
            page(f"/nl/dreigingsbeeld/scenario/{s.uuid}/bewerken/")
    measures = list(policy.visible(anna, Measure.objects.all()))
    assert measures
    for m in measures:
        page(f"/nl/maatregelen/{m.uuid}/")
        if policy.can_change(anna, m):
            page(f"/nl/maatregelen/{m.uuid}/bewerken/")
    snap = snapshot.build(maastricht, lang="nl", user=anna, organisation=org)
    html = render.render_html(snap)
    found.extend(problems(visible_text(html), "rapport (HTML)"))
    found.extend(problems(pdf_text(html), "rapport (PDF)"))
    return found


@pytest.mark.parametrize("text,bad", [
    ("Maastricht 56.3 per 1.000 inwoners", True), ("drempel 0.0", True), ("2.025,0 misdrijven", True),
    ("1 scenario's", True), ("3 scenario", True), ("GeregistreerdeMisdrijvenPer1000Inw_3 — totaal", True),
    ("incident_count — 1.1.1", True), ("periode 2019MM03", True),
    ("Maastricht 56,3 per 1.000 inwoners", False), ("808.030 misdrijven", False), ("1 scenario", False),
    ("2 scenario's", False), ("code 1.1.1 en 3.7.4", False), ("bestand 83648NED_gemeenten_totaal_2010_2020.csv", False),
    ("in 2019 13,8%", False), ("12 december 2026", False), ("2.1 Doden", False), ("versie 2026.1", False),
])
def test_the_checks_catch_what_they_should(text, bad):
    assert bool(problems(text, "x")) is bad
