"""What the monitor pages show: numbers formatted per language, comparison sentences, chart specs.

Turns stored observations into the pure comparisons' inputs (``comparisons.py``) and into Vega-Lite
specs for ``common.charts.render_svg``. No request handling here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from . import comparisons as cmp
from . import figures
from .models import Indicator, MeasureType, Observation, Unit

MAIN_COLOR = "#1f5fa8"
REF_COLORS = {"regio": "#8a4f00", "peergroep": "#5a3e8c", "nederland": "#333333", "basisteam": "#1f5fa8"}


def lang_of(language: str | None) -> str:
    return "en" if (language or "nl").startswith("en") else "nl"


def as_published(value: Decimal | float | None, lang: str) -> str:
    """A value with exactly its published digits: ``14``, ``13,2`` (nl) / ``13.2`` (en)."""
    if value is None:
        return "–"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(d.normalize(), "f")
    return text.replace(".", ",") if lang == "nl" else text


def fmt(value: Decimal | float | None, indicator: Indicator, lang: str) -> str:
    """A value rounded to the decimals the source publishes, Dutch or English number format."""
    if value is None:
        return "–"
    if indicator.decimals is None and indicator.measure_type != MeasureType.COUNT and indicator.unit != Unit.COUNT:
        return as_published(value, lang)  # decimals unknown: exactly the digits stored
    return cmp.format_number(float(value), indicator.shown_decimals, lang)  # type: ignore[arg-type]


def cmp_indicator(indicator: Indicator) -> cmp.Indicator:
    return figures.pure_indicator(indicator)


def to_cmp(o: Observation, indicator: Indicator, area_name: str = "") -> cmp.Observation:
    """Kept for callers outside this module: see ``figures.pure`` (the one adapter)."""
    return figures.pure(o, indicator, area_name)


def changes(indicator: Indicator, observations: list[Observation], lang: str, area_name: str = "") -> list[dict[str, Any]]:
    """One entry per consecutive pair of periods: the comparison's sentence and significance."""
    return figures.changes(indicator, observations, lang, area_name)


def margins_unknown(change_list: list[dict[str, Any]]) -> bool:
    return any(c.get("no_margin") for c in change_list)


def reference_sentences(indicator: Indicator, obs: Observation | None, refs: list[dict[str, Any]], lang: str,
                        area_name: str) -> list[str]:
    """The latest value against region / Netherlands in the same period (where both exist and a test is
    honest: never a count against a count of another area)."""
    if obs is None:
        return []
    out = []
    for ref in refs:
        other = next((r for r in ref.get("observations", []) if r.period == obs.period), None)
        if other is None:
            continue
        sentence = figures.compare(indicator, obs, other, ref["kind"], lang, area_name, ref["name"])
        if sentence:
            out.append(sentence)
    return out


def year_of(period: str) -> float:
    """A period as a position on a time axis: ``2019`` → 2019, ``2019-03`` → 2019.167, ``2019-Q3`` → 2019.5."""
    y, m = figures._start(period)
    return float(y) + (m - 1) / 12 if y else 0.0


def line_chart(indicator: Indicator, area_name: str, observations: list[Observation], refs: list[dict[str, Any]],
               change_list: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Line with 95% band, reference lines, markers for significant changes, method breaks annotated.

    A count is drawn alone: the count of a region or the Netherlands is of another scale and would
    flatten the area's line (compare a rate instead)."""
    if indicator.measure_type == MeasureType.COUNT:
        refs = []
    unit = indicator.unit_label
    rows = [{"jaar": year_of(o.period), "waarde": float(o.value), "reeks": area_name,
             "laag": float(o.ci_low) if o.ci_low is not None else None,
             "hoog": float(o.ci_high) if o.ci_high is not None else None} for o in observations]
    for ref in refs:
        if "observations" in ref:
            rows += [{"jaar": year_of(o.period), "waarde": float(o.value), "reeks": ref["name"]}
                     for o in ref["observations"]]
        else:
            label = _("gemiddelde %(g)s") % {"g": ref["name"]}
            rows += [{"jaar": year_of(p), "waarde": float(v), "reeks": label} for p, (v, _n) in ref["averages"].items()]
    names = list(dict.fromkeys(r["reeks"] for r in rows))
    colors = [MAIN_COLOR] + [REF_COLORS.get(r["kind"], "#555") for r in refs][: len(names) - 1]
    x = {"field": "jaar", "type": "quantitative", "title": _("Jaar"),
         "axis": {"format": "d", "tickMinStep": 1}, "scale": {"zero": False, "nice": False}}
    y_title = f"{indicator.name} ({unit})" if unit else indicator.name
    layers: list[dict[str, Any]] = []
    if any(r.get("laag") is not None for r in rows):
        layers.append({"transform": [{"filter": "datum.laag != null"}], "mark": {"type": "area", "opacity": 0.2,
                       "color": MAIN_COLOR}, "encoding": {"x": x, "y": {"field": "laag", "type": "quantitative"},
                                                          "y2": {"field": "hoog"}}})
    layers.append({"mark": {"type": "line", "point": True, "strokeWidth": 2},
                   "encoding": {"x": x, "y": {"field": "waarde", "type": "quantitative", "title": y_title[:60]},
                                "color": {"field": "reeks", "type": "nominal", "title": None,
                                          "scale": {"domain": names, "range": colors},
                                          "legend": {"orient": "bottom", "labelLimit": 260}},
                                "strokeDash": {"field": "reeks", "type": "nominal", "legend": None,
                                               "scale": {"domain": names,
                                                         "range": [[1, 0]] + [[6, 3]] * (len(names) - 1)}}}})
    sig = [{"jaar": year_of(c["to"]), "waarde": next(float(o.value) for o in observations if o.period == c["to"]),
            "teken": "▲" if (c.get("direction") or "").startswith("gest") else "▼"} for c in change_list
           if c["significant"]]
    layer_data: list[dict[str, Any]] = []
    if sig:
        layer_data.append({"data": {"values": sig}, "mark": {"type": "text", "dy": -14, "fontSize": 14,
                                                             "color": "#b00020"},
                           "encoding": {"x": x, "y": {"field": "waarde", "type": "quantitative"},
                                        "text": {"field": "teken"}}})
    monthly = any(len(o.period) > 4 for o in observations)
    breaks = [{"jaar": (int(b["year"]) + (int(b.get("month", 1) or 1) - 1) / 12 - 1 / 24) if monthly
               else int(b["year"]) - 0.5, "tekst": _("methodebreuk %(j)s") % {"j": b["year"]}}
              for b in indicator.method_breaks or []]
    span = [r["jaar"] for r in rows]
    breaks = [b for b in breaks if span and min(span) < b["jaar"] < max(span)]
    if breaks:
        layer_data.append({"data": {"values": breaks}, "layer": [
            {"mark": {"type": "rule", "strokeDash": [2, 2], "color": "#555"}, "encoding": {"x": x}},
            {"mark": {"type": "text", "align": "left", "dx": 3, "dy": -4, "baseline": "top", "color": "#333",
                      "y": 0}, "encoding": {"x": x, "text": {"field": "tekst"}}}]})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 560, "height": 260,
            "background": "white", "layer": [{"data": {"values": rows}, "layer": layers}, *layer_data],
            "config": {"font": "sans-serif", "axis": {"labelColor": "#222", "titleColor": "#222"}}}


def bar_chart(indicator: Indicator, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Horizontal bars with 95% intervals for a comparison of gemeenten."""
    values = [{"gebied": r["name"], "waarde": float(r["obs"].value),
               "laag": float(r["obs"].ci_low) if r["obs"].ci_low is not None else None,
               "hoog": float(r["obs"].ci_high) if r["obs"].ci_high is not None else None} for r in rows]
    y = {"field": "gebied", "type": "nominal", "sort": "-x", "title": None}
    layers: list[dict[str, Any]] = [{"mark": {"type": "bar", "color": MAIN_COLOR},
                                     "encoding": {"y": y, "x": {"field": "waarde", "type": "quantitative",
                                                                "title": indicator.name[:60]}}}]
    if any(v["laag"] is not None for v in values):
        layers.append({"transform": [{"filter": "datum.laag != null"}], "mark": {"type": "rule", "color": "#111"},
                       "encoding": {"y": y, "x": {"field": "laag", "type": "quantitative"}, "x2": {"field": "hoog"}}})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 480,
            "height": {"step": 22}, "background": "white", "data": {"values": values}, "layer": layers}


def choropleth(indicator: Indicator, features: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Vega-Lite geoshape of all gemeenten (GeoJSON features with properties name/value)."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 440, "height": 520,
            "background": "white", "data": {"values": {"type": "FeatureCollection", "features": features},
                                            "format": {"type": "json", "property": "features"}},
            "projection": {"type": "mercator"},
            "layer": [
                {"mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.3, "color": "#dddddd"},
                 "transform": [{"filter": "datum.properties.value == null"}]},
                {"mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.3},
                 "transform": [{"filter": "datum.properties.value != null"}],
                 "encoding": {"color": {"field": "properties.value", "type": "quantitative",
                                        "title": indicator.name[:40], "scale": {"scheme": "blues"},
                                        "legend": {"orient": "bottom-left"}}}}]}


def simplify(geometry: dict[str, Any], step: int = 1, digits: int = 3) -> dict[str, Any]:
    """Round coordinates (~100 m) to keep map specs small; the polygons stay valid for drawing."""
    def ring(coords: list[Any]) -> list[Any]:
        pts = [[round(x, digits), round(y, digits)] for x, y, *_ in coords[::step]]
        if pts and pts[0] != pts[-1]:
            pts.append(pts[0])
        return pts

    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    if geometry.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]]}
    return geometry
