from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from cyberbeeld.accounts import pagecache
from cyberbeeld.common.charts import render_svg
from cyberbeeld.common.modules import Card, register

from . import scoring, selectors


def matrix_spec(cells: dict[tuple[str, str], int], lang: str) -> dict[str, Any]:
    """A small risk matrix: likelihood A–E × impact A–E, each cell coloured by its risk zone and showing
    how many scenarios lie in it (a plain Vega-Lite dict: cheap to build, rendered once per content)."""
    zone_index = {z: i for i, z in enumerate(scoring.ZONES)}
    impacts = scoring.ORDERED_IMPACT if any(ic == scoring.NO_IMPACT for _lc, ic in cells) else scoring.IMPACT_CLASSES
    rows = []
    for li, lc in enumerate(scoring.LIKELIHOOD_CLASSES, start=1):
        for ic in impacts:
            n = cells.get((lc, ic), 0)
            zone = scoring.risk_zone(li, scoring.ORDERED_IMPACT.index(ic))  # the risk diagram's scales
            rows.append({"l": lc, "i": ic, "n": n, "label": str(n) if n else "", "z": zone_index[zone]})
    x_title, y_title = ("Waarschijnlijkheid", "Impact") if lang == "nl" else ("Likelihood", "Impact")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 150, "height": 150, "data": {"values": rows},
        "encoding": {
            "x": {"field": "l", "type": "ordinal", "title": x_title, "sort": list(scoring.LIKELIHOOD_CLASSES),
                  "axis": {"labelAngle": 0}},
            "y": {"field": "i", "type": "ordinal", "title": y_title, "sort": list(reversed(impacts))},
        },
        "layer": [
            {"mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 2},
             "encoding": {"color": {"field": "z", "type": "ordinal", "legend": None,
                                    "scale": {"domain": list(range(len(scoring.ZONES))),
                                              "range": list(scoring.ZONE_COLOURS)}}}},
            {"mark": {"type": "text", "fontSize": 14, "fontWeight": "bold", "color": "#000000"},
             "encoding": {"text": {"field": "label"}}},
        ],
        "config": {"view": {"stroke": None}, "font": "Source Sans 3, DejaVu Sans, sans-serif"},
    }


@register("risks")
def risks_card(request: HttpRequest, organisation: Any) -> Card | None:
    """The risk matrix as a small picture (with its table), the top scenarios in words, open proposals; cached per
    reader until the next write of what the cards show (``pagecache.dashboard_card``)."""
    if not organisation:
        return None
    return pagecache.dashboard_card("risks", user=request.user, organisation=organisation,
                                    compute=lambda: _risks_card(request.user, organisation))


def _risks_card(user: Any, organisation: Any) -> Card:
    lang = "en" if (get_language() or "nl").startswith("en") else "nl"
    pic = selectors.picture(list(selectors.scenarios_visible_to(user, owner=organisation)))
    cells: dict[tuple[str, str], int] = {}
    for _s, _a, r in pic.entries:
        key = (r.likelihood.best, r.impact.impact_class)
        cells[key] = cells.get(key, 0) + 1
    items = []
    m = pic.method
    for s, _a, r in pic.entries[:3]:
        zone = scoring.ZONE_LABELS[r.zone][lang]
        likely = m.likelihood_scale(r.malicious).label(r.likelihood.best, lang) if m else r.likelihood.best
        items.append(_("%(t)s: risico %(z)s (%(l)s, impact %(i)s)") % {
            "t": s.title, "z": zone, "l": likely,
            "i": m.class_label(r.impact.impact_class, lang) if m else r.impact.impact_class})
    n, u = len(pic.entries), len(pic.unscored)
    n_open = selectors.open_proposals_count(user, organisation)
    text = " ".join([
        ngettext("%(n)s scenario beoordeeld,", "%(n)s scenario's beoordeeld,", n) % {"n": n},
        ngettext("%(u)s nog niet.", "%(u)s nog niet.", u) % {"u": u}])
    card: Card = {"title": _("Dreigingsbeeld"), "url": reverse("risks:picture"), "text": text, "items": items,
                  "links": [{"count": n_open, "url": reverse("risks:proposals"),
                             "label": ngettext("open voorstel", "open voorstellen", n_open)}]}
    if pic.entries:
        card["chart"] = {
            "svg": render_svg(matrix_spec(cells, lang), lang),
            "label": _("Risicomatrix: aantal scenario's per combinatie van waarschijnlijkheid (A–E) en impact (A–E); "
                       "dezelfde aantallen staan in de tabel."),
            "caption": _("Scenario's per cel van de risicomatrix"),
            "table": {"caption": _("Scenario's per waarschijnlijkheid en impact"),
                      "headers": [_("Waarschijnlijkheid"), _("Impact"), _("Scenario's")],
                      "rows": [[lc, ic, str(k)] for (lc, ic), k in sorted(cells.items())]},
        }
    return card
