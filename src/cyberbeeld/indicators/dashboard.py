from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cyberbeeld.common.charts import render_svg
from cyberbeeld.common.modules import Card, register

from . import monitor, selectors


def sparkline_spec(points: list[tuple[float, str, float]], lang: str) -> dict[str, Any]:
    """A small trend line (position on a time axis, period label, value): no axes, the last value marked."""
    rows = [{"x": x, "p": p, "v": v} for x, p, v in points]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 180, "height": 40, "data": {"values": rows},
        "encoding": {"x": {"field": "x", "type": "quantitative", "axis": None, "scale": {"zero": False}},
                     "y": {"field": "v", "type": "quantitative", "axis": None, "scale": {"zero": False}}},
        "layer": [{"mark": {"type": "line", "color": "#1f5fa8", "strokeWidth": 2}},
                  {"transform": [{"window": [{"op": "rank", "as": "r"}], "sort": [{"field": "x", "order": "descending"}]},
                                 {"filter": "datum.r == 1"}],
                   "mark": {"type": "point", "filled": True, "color": "#1f5fa8", "size": 40}}],
        "config": {"view": {"stroke": None}},
    }


@register("monitor")
def monitor_card(request: HttpRequest, organisation: Any) -> Card | None:
    area = getattr(organisation, "area", None) if organisation else None
    items = []
    card: Card = {"title": _("Monitor"), "url": reverse("indicators:index"),
                  "text": _("Slachtofferschap en geregistreerde cybercriminaliteit in uw gemeente.")}
    if area is not None:
        lang = monitor.lang_of(get_language())
        latest_change = None
        shown = selectors.indicators_for_area(area)[:4]
        for ind, obs in shown:
            unit = "%" if ind.unit == "percent" else f" {ind.unit_label}" if ind.measure_type == "rate" else ""
            text = f"{ind.name}: {monitor.fmt(obs[-1].value, ind, lang)}{unit} ({obs[-1].period})"
            ch = monitor.changes(ind, obs[-2:], lang, area.name) if len(obs) > 1 else []
            if ch and ch[-1]["significant"]:
                text += " — " + _("significant veranderd")
                if latest_change is None or ch[-1]["to"] > latest_change["to"]:
                    latest_change = ch[-1]
            items.append(text)
        if latest_change is not None:
            card["text"] = latest_change["sentence"]
        trend = next(((ind, obs) for ind, obs in shown if len(obs) >= 3), None)
        if trend is not None:
            ind, obs = trend
            obs = obs[-12:]
            card["chart"] = {
                "svg": render_svg(sparkline_spec([(monitor.year_of(o.period), o.period, float(o.value)) for o in obs],
                                                 lang), lang),
                "label": _("Verloop van %(i)s in %(a)s, %(van)s tot %(tot)s; dezelfde cijfers staan in de tabel.") % {
                    "i": ind.name, "a": area.name, "van": obs[0].period, "tot": obs[-1].period},
                "caption": ind.name,
                "table": {"caption": _("%(i)s per periode") % {"i": ind.name},
                          "headers": [_("Periode"), _("Waarde")],
                          "rows": [[o.period, monitor.fmt(o.value, ind, lang)] for o in obs]},
            }
    card["items"] = items
    return card
