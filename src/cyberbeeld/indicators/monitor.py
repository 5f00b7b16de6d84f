"""What the monitor pages show: numbers formatted per language, comparison sentences, chart specs.

Turns stored observations into the pure comparisons' inputs (``comparisons.py``) and into Vega-Lite
specs for ``reports.charts.render_svg``. No request handling here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from . import comparisons as cmp
from .models import Indicator, Observation, Source, Unit

_POLARITY = {"higher-worse": "higher_is_worse", "higher-better": "higher_is_better", "neutral": "neutral"}
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
    if value is None:
        return "–"
    if indicator.unit == Unit.COUNT:
        return cmp.format_number(float(value), 0, lang)  # type: ignore[arg-type]
    return as_published(value, lang)


def cmp_indicator(indicator: Indicator) -> cmp.Indicator:
    survey = indicator.source in (Source.VEILIGHEIDSMONITOR, Source.OWN_SURVEY)
    unit = {"percent": "%", "per-1000": "per 1.000", "count": ""}.get(indicator.unit, "")
    return cmp.Indicator(
        code=indicator.code,
        subject_nl="het slachtofferschap" if survey else "het aantal geregistreerde misdrijven",
        subject_en="victimisation" if survey else "the number of registered crimes",
        unit=unit, decimals=1 if indicator.unit != Unit.COUNT else 0,
        polarity=_POLARITY.get(indicator.polarity, "neutral"),  # type: ignore[arg-type]
    )


def to_cmp(o: Observation, indicator: Indicator, area_name: str = "") -> cmp.Observation:
    def f(x: Decimal | None) -> float | None:
        return float(x) if x is not None else None

    return cmp.Observation(
        value=float(o.value), period=o.period, series=indicator.series or indicator.code, ci_low=f(o.ci_low),
        ci_high=f(o.ci_high), se=f(o.se), n=o.n, area=str(o.area_id), area_name=area_name,
        kind="count" if indicator.unit == Unit.COUNT else "estimate",
    )


def _break_between(indicator: Indicator, before: str, after: str) -> dict[str, Any] | None:
    try:
        a, b = int(before[:4]), int(after[:4])
    except ValueError:
        return None
    for brk in indicator.method_breaks or []:
        if a < int(brk.get("year", 0)) <= b:
            return brk
    return None


def changes(indicator: Indicator, observations: list[Observation], lang: str, area_name: str = "") -> list[dict[str, Any]]:
    """One entry per consecutive pair of periods: the comparison's sentence and significance."""
    ind = cmp_indicator(indicator)
    out = []
    for prev, cur in zip(observations, observations[1:], strict=False):
        entry: dict[str, Any] = {"from": prev.period, "to": cur.period, "significant": False, "direction": None}
        brk = _break_between(indicator, prev.period, cur.period)
        try:
            result = cmp.change(to_cmp(prev, indicator, area_name), to_cmp(cur, indicator, area_name), indicator=ind)
            entry.update(sentence=result.sentence(lang), significant=result.significant,  # type: ignore[arg-type]
                         direction=result.direction if result.significant else None)
        except cmp.ObservationError:
            pct = "%" if indicator.unit == Unit.PERCENT else ""
            with translation.override(lang):
                entry["sentence"] = _("Van %(va)s in %(a)s naar %(vb)s in %(b)s.") % {
                    "a": prev.period, "va": fmt(prev.value, indicator, lang) + pct, "b": cur.period,
                    "vb": fmt(cur.value, indicator, lang) + pct}
            entry["no_margin"] = True
        if brk:
            entry["break_note"] = brk.get("note_en" if lang == "en" else "note_nl", "")
            entry["significant"] = False
        out.append(entry)
    return out


def margins_unknown(change_list: list[dict[str, Any]]) -> bool:
    return any(c.get("no_margin") for c in change_list)


def reference_sentences(indicator: Indicator, obs: Observation | None, refs: list[dict[str, Any]], lang: str,
                        area_name: str) -> list[str]:
    """The latest value against region / Netherlands in the same period (where both exist)."""
    if obs is None:
        return []
    out = []
    for ref in refs:
        other = next((r for r in ref.get("observations", []) if r.period == obs.period), None)
        if other is None:
            continue
        try:
            d = cmp.compare_to(to_cmp(obs, indicator, area_name), to_cmp(other, indicator, ref["name"]),
                               kind=ref["kind"], indicator=cmp_indicator(indicator))
            out.append(d.sentence(lang))  # type: ignore[arg-type]
        except (cmp.ObservationError, cmp.MethodBreakError):
            continue
    return out


def year_of(period: str) -> float:
    try:
        return float(period[:4]) + (0.5 if "-" in period else 0.0)
    except ValueError:
        return 0.0


def line_chart(indicator: Indicator, area_name: str, observations: list[Observation], refs: list[dict[str, Any]],
               change_list: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Line with 95% band, reference lines, markers for significant changes, method breaks annotated."""
    unit = {"percent": "%", "per-1000": _("per 1.000 inwoners"), "count": _("aantal")}.get(indicator.unit, "")
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
    breaks = [{"jaar": int(b["year"]) - 0.5, "tekst": _("methodebreuk %(j)s") % {"j": b["year"]}}
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
