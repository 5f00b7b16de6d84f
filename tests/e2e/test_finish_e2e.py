"""Finished pages in Chromium (issue #17): the risk diagram legible at 320 and 1280 px (no truncated or overlapping
labels, a minimum text size), the portfolio matrix fitting or scrolling with a visible cue, the organisation's logo
in the app header. Screenshots are saved as test artefacts; every page also goes through the page-check hook."""

from __future__ import annotations

import io

import pytest

from e2e.test_look_e2e import _login, _overflow, artefacts  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MIN_TEXT_PX = 9.5  # the smallest rendered size of a scenario number or axis label in the diagram

RANSOM = {"2.1": "0", "2.2": "0", "2.3": "A", "3.1": "C", "5.1": "D", "5.2": "B", "5.3": "C", "L.1": "D", "L.2": "C"}
MILD = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "A", "5.1": "B", "5.2": "A", "5.3": "A", "L.1": "B", "L.2": "A"}

# What the browser measures: every text of the chart layers (scenario numbers), the axis and legend labels, their
# boxes on screen and their rendered size (the SVG's font size times the scale it is shown at).
MEASURE = """() => {
  const svgs = [...document.querySelectorAll('#risk-diagram svg')].filter(s => s.getBoundingClientRect().width > 0);
  if (svgs.length !== 1) { return {visible: svgs.length}; }
  const svg = svgs[0];
  const r = svg.getBoundingClientRect();
  const scale = r.width / svg.width.baseVal.value;
  const box = t => { const b = t.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width, h: b.height}; };
  const size = t => parseFloat(getComputedStyle(t).fontSize) * scale;
  const texts = sel => [...svg.querySelectorAll(sel)].filter(t => t.textContent.trim());
  const pick = sel => texts(sel).map(t => ({text: t.textContent, px: size(t), box: box(t)}));
  return {visible: 1, svg: {x: r.x, y: r.y, w: r.width, h: r.height}, scale: scale,
          labels: pick('.mark-text.role-mark text'), axis: pick('.role-axis-label text'),
          legend: pick('.role-legend-label text')};
}"""


def _scored_picture(world):
    """Seven scenarios with long names, four of them in one cell of the diagram."""
    from cyberbeeld.risks import services
    from cyberbeeld.risks.models import ScenarioTemplate

    services.templates_sync()
    codes = ["ransomware-gemeente", "gehackte-sluis-brug", "ddos-gemeente", "datalek-persoonsgegevens",
             "online-oproep-rellen", "helpdeskfraude-ouderen", "treitervlogger"]
    placed = [("D", RANSOM), ("D", RANSOM), ("D", RANSOM), ("D", RANSOM), ("B", MILD), ("E", RANSOM), ("B", RANSOM)]
    for i, (code, (likelihood, impact)) in enumerate(zip(codes, placed, strict=True)):
        tpl = ScenarioTemplate.objects.get(code=code)
        s = services.scenario_adopt(by=world.anna, owner=world.maastricht, template=tpl, overrides={
            "title": f"{tpl.title} met een lange naam die nooit in een vakje past ({i + 1})"})
        a = services.assessment_save(by=world.anna, scenario=s, data={
            "likelihood": likelihood, "likelihood_rationale": "Concrete aanwijzingen.", "impact": dict(impact),
            "impact_rationale": {"3.1": "Herstelkosten"}})
        services.assessment_finalise(by=world.anna, assessment=a)


def _overlaps(a, b, slack=0.5) -> bool:
    return (a["x"] + slack < b["x"] + b["w"] and b["x"] + slack < a["x"] + a["w"]
            and a["y"] + slack < b["y"] + b["h"] and b["y"] + slack < a["y"] + a["h"])


def test_risk_diagram_labels_are_whole_apart_and_legible_at_320_and_1280(page, live_server, world, taxonomy,
                                                                         artefacts):  # noqa: F811
    _scored_picture(world)
    base = live_server.url
    page.set_default_timeout(60_000)  # the first render of both diagram layouts (vl-convert) on a busy machine
    _login(page, base, world)
    for lang in ("nl", "en"):
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/{lang}/dreigingsbeeld/")
            page.evaluate("() => document.fonts.ready")
            page.locator("#risk-diagram").screenshot(path=str(artefacts / f"risk-diagram-{lang}-{width}.png"))
            page.screenshot(path=str(artefacts / f"risk-picture-{lang}-{width}.png"), full_page=True)
            m = page.evaluate(MEASURE)
            where = f"{lang} at {width} px"
            assert m["visible"] == 1, f"{where}: {m['visible']} diagrams shown"
            labels = m["labels"]
            assert sorted(int(t["text"]) for t in labels) == list(range(1, 8)), f"{where}: {labels}"
            for t in labels + m["axis"] + m["legend"]:
                assert "…" not in t["text"] and "..." not in t["text"], f"{where}: truncated label {t['text']!r}"
                assert t["px"] >= MIN_TEXT_PX, f"{where}: {t['text']!r} shown at {t['px']:.1f} px"
            for t in labels:
                b, s = t["box"], m["svg"]
                assert s["x"] - 0.5 <= b["x"] and b["x"] + b["w"] <= s["x"] + s["w"] + 0.5, f"{where}: {t} clipped"
            for i, a in enumerate(labels):
                for b in labels[i + 1:]:
                    assert not _overlaps(a["box"], b["box"]), f"{where}: {a['text']} overlaps {b['text']}"
            axis = m["axis"]
            for i, a in enumerate(axis):
                for b in axis[i + 1:]:
                    assert not _overlaps(a["box"], b["box"]), f"{where}: axis {a['text']} overlaps {b['text']}"
            assert _overflow(page) <= 0, f"{where}: the page scrolls sideways"
            # the full names are in the table beside the chart, numbered as in the chart
            first = page.locator("#risk-table tbody tr").first.locator("td")
            assert first.nth(0).inner_text() == "1" and "lange naam die nooit in een vakje past" in first.nth(1).inner_text()


def _portfolio_matrix(world):
    """The demo's portfolios plus scenarios enough to make the matrix wider than a 1280 px screen."""
    from cyberbeeld.actions import services as action_services
    from cyberbeeld.actions.demo import load
    from cyberbeeld.actions.models import Portfolio
    from cyberbeeld.risks import services
    from cyberbeeld.risks.models import ScenarioTemplate

    load(orgs={"gemeente-maastricht": world.maastricht}, areas={}, log=lambda m: None)
    extra = []
    for tpl in ScenarioTemplate.objects.order_by("code"):
        extra.append(services.scenario_adopt(by=world.anna, owner=world.maastricht, template=tpl, overrides={
            "title": f"{tpl.title}: gemeentebrede uitwerking"}))
    p = Portfolio.objects.filter(owner=world.maastricht).order_by("name").first()
    action_services.portfolio_save(by=world.anna, owner=world.maastricht, portfolio=p, data={
        "name": p.name, "holder_role": p.holder_role, "tlp": p.tlp, "scenarios": [*p.scenarios.all(), *extra]})


def test_portfolio_matrix_fits_or_scrolls_with_a_visible_cue(page, live_server, world, taxonomy,
                                                             artefacts):  # noqa: F811
    _portfolio_matrix(world)
    base = live_server.url
    _login(page, base, world)
    for lang in ("nl", "en"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{base}/{lang}/maatregelen/portefeuilles/")
        page.evaluate("() => document.fonts.ready")
        page.screenshot(path=str(artefacts / f"portfolio-matrix-{lang}-1280.png"), full_page=True)
        assert _overflow(page) <= 0, "the page itself scrolls sideways"
        # no word of a column header or row header is broken over two lines ("persoonsgegev / ens"); a break
        # after a hyphen ("Cybercrime-as-a- / service") is a proper one
        broken = page.evaluate("""() => {
          const out = [];
          for (const cell of document.querySelectorAll('.cb-matrix th')) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              const re = /[^\\s\\-]+/g; let m;  // a break after a hyphen is a proper break
              while ((m = re.exec(n.data))) {
                const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                const lines = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
                if (lines.size > 1) { out.push(m[0]); }
              }
            }
          }
          return out;
        }""")
        assert broken == [], f"words broken inside: {broken}"
        wrap = page.locator(".cb-table-wrap").filter(has=page.locator(".cb-matrix"))
        sizes = wrap.evaluate("w => ({client: w.clientWidth, scroll: w.scrollWidth})")
        assert sizes["scroll"] > sizes["client"], "the test needs a matrix wider than the screen"
        # it scrolls: a named, focusable region, a visible hint, and shadows at the edge that can still scroll
        assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
        hint = page.locator("#matrix-scroll-hint")
        assert hint.is_visible() and hint.inner_text().strip()
        assert "cb-table-wrap--scrolls" in (wrap.get_attribute("class") or "")
        # the portfolio column stays in view while the scenarios scroll past; the last column can be reached
        wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        page.wait_for_timeout(100)
        wbox = wrap.bounding_box()
        row_header = page.locator(".cb-matrix tbody th").first.bounding_box()
        assert abs(row_header["x"] - wbox["x"]) <= 2, "the portfolio names scrolled out of view"
        last = page.locator(".cb-matrix thead th").last.bounding_box()
        assert last["x"] + last["width"] <= wbox["x"] + wbox["width"] + 1
        page.screenshot(path=str(artefacts / f"portfolio-matrix-{lang}-1280-scrolled.png"), full_page=True)


def test_app_header_shows_the_organisation_logo(page, live_server, world, taxonomy, artefacts):  # noqa: F811
    from PIL import Image

    from cyberbeeld.accounts import services

    buf = io.BytesIO()
    Image.new("RGB", (120, 48), (122, 31, 61)).save(buf, format="PNG")
    services.theme_save(by=world.beheerder, organisation=world.maastricht, logo=(buf.getvalue(), "image/png"),
                        data={"display_name": "Gemeente Maastricht", "primary_color": "#7a1f3d",
                              "logo_alt": "Logo gemeente Maastricht"})
    base = live_server.url
    _login(page, base, world)
    for lang in ("nl", "en"):
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{base}/{lang}/overzicht/")
            logo = page.locator("header").get_by_role("img", name="Logo gemeente Maastricht")
            assert logo.is_visible() and logo.evaluate("img => img.complete && img.naturalWidth") == 120
            assert logo.bounding_box()["height"] <= 56
            assert _overflow(page) <= 0
            page.locator("header").screenshot(path=str(artefacts / f"header-logo-{lang}-{width}.png"))
