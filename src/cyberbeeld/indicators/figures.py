"""The ONE adapter from stored figures to the pure comparisons (``comparisons.py``).

The monitor page and index, the dashboard, the report snapshot and the drafted proposals all turn
observations into :class:`comparisons.Observation` here, so they agree on what a figure is and how it
is tested:

* the measure type decides the kind (survey percentage → margins; count → Poisson with the
  population; rate → Poisson on the events of its ``basis`` count; percentage of registrations →
  binomial on its base);
* **method breaks split a series**: an observation's series id carries the segment it lies in
  (``vm-cybercrime-2012#1``), so the pure core refuses or flags any change, trend or significance claim
  that would span a break, wherever it is asked for; the break is named in the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from . import comparisons as cmp
from .models import Indicator, MeasureType, Observation, Source

_POLARITY = {"higher-worse": "higher_is_worse", "higher-better": "higher_is_better", "neutral": "neutral"}


def _start(period: str) -> tuple[int, int]:
    """(year, month) a period starts in: ``2019`` → (2019, 1), ``2016-06`` → (2016, 6), ``2019-Q3`` → (2019, 7)."""
    try:
        year = int(period[:4])
    except ValueError:
        return (0, 0)
    rest = period[5:]
    if rest.startswith("Q") and rest[1:].isdigit():
        return (year, 3 * int(rest[1:]) - 2)
    if rest.startswith("H") and rest[1:].isdigit():
        return (year, 6 * int(rest[1:]) - 5)
    if rest.isdigit():
        return (year, int(rest))
    return (year, 1)


def _break_start(brk: dict[str, Any], yearly: bool) -> tuple[int, int]:
    # a yearly figure of the break year already mixes both methods: the break starts with that year
    return (int(brk.get("year", 0)), 1 if yearly else int(brk.get("month", 1) or 1))


def segment(indicator: Indicator, period: str) -> int:
    """How many method breaks lie before ``period`` (observations in different segments are not comparable)."""
    at = _start(period)
    yearly = len(period) == 4
    return sum(1 for b in indicator.method_breaks or [] if b.get("year") and at >= _break_start(b, yearly))


def break_between(indicator: Indicator, before: str, after: str) -> dict[str, Any] | None:
    """The method break a comparison of ``before`` with ``after`` would span, if any."""
    a, b = _start(before), _start(after)
    yearly = len(before) == 4 and len(after) == 4
    for brk in indicator.method_breaks or []:
        if brk.get("year") and a < _break_start(brk, yearly) <= b:
            return brk
    return None


def kind_of(indicator: Indicator) -> str:
    if indicator.measure_type == MeasureType.COUNT:
        return "count"
    if indicator.measure_type == MeasureType.RATE:
        return "rate"
    if indicator.measure_type == MeasureType.PERCENTAGE and indicator.basis_id and indicator.source == Source.POLITIE:
        return "proportion"
    return "estimate"


def pure_indicator(indicator: Indicator) -> cmp.Indicator:
    with translation.override("nl"):
        unit_nl = _unit(indicator)
    with translation.override("en"):
        unit_en = _unit(indicator)
    name_nl, name_en = indicator.name_nl, indicator.name_en or indicator.name_nl
    return cmp.Indicator(
        code=indicator.code,
        subject_nl=indicator.subject_nl or name_nl[:1].lower() + name_nl[1:],
        subject_en=indicator.subject_en or name_en[:1].lower() + name_en[1:],
        unit=unit_nl, unit_en=unit_en, decimals=indicator.shown_decimals,
        polarity=_POLARITY.get(indicator.polarity, "neutral"),  # type: ignore[arg-type]
    )


def _unit(indicator: Indicator) -> str:
    if indicator.measure_type in (MeasureType.PERCENTAGE,) or indicator.unit == "percent":
        return "%"
    if indicator.measure_type == MeasureType.COUNT:
        return ""
    return indicator.unit_label


def _f(x: Decimal | float | None) -> float | None:
    return float(x) if x is not None else None


def pure(o: Observation, indicator: Indicator, area_name: str = "", basis: Observation | None = None,
         population: float | None = None) -> cmp.Observation:
    """One stored observation as the pure core sees it (series id carries its break segment)."""
    kind = kind_of(indicator)
    events = float(basis.value) if basis is not None and kind == "rate" else None
    n = int(basis.value) if basis is not None and kind == "proportion" else o.n
    return cmp.Observation(
        value=float(o.value), period=o.period, series=f"{indicator.series or indicator.code}#{segment(indicator, o.period)}",
        ci_low=_f(o.ci_low), ci_high=_f(o.ci_high), se=_f(o.se), n=n, area=str(o.area_id), area_name=area_name,
        kind=kind, events=events, population=population,  # type: ignore[arg-type]
    )


def bases_for(indicator: Indicator, observations: Iterable[Observation]) -> dict[tuple[int, str], Observation]:
    """The basis counts (events of a rate, base of a percentage) for these observations, by (area, period)."""
    if not indicator.basis_id:
        return {}
    obs = list(observations)
    if not obs:
        return {}
    qs = Observation.objects.filter(indicator_id=indicator.basis_id, area_id__in={o.area_id for o in obs},
                                    period__in={o.period for o in obs})
    return {(b.area_id, b.period): b for b in qs}


def populations_for(indicator: Indicator, observations: Iterable[Observation]) -> dict[tuple[int, str], float]:
    """For a count: the population implied by a rate that rests on it (count × per / rate)."""
    obs = list(observations)
    if indicator.measure_type != MeasureType.COUNT or not obs:
        return {}
    rate = indicator.derived.filter(measure_type=MeasureType.RATE, rate_per__isnull=False).first()
    if rate is None:
        return {}
    counts = {(o.area_id, o.period): o for o in obs}
    out = {}
    for r in Observation.objects.filter(indicator=rate, area_id__in={o.area_id for o in obs},
                                        period__in={o.period for o in obs}):
        c = counts.get((r.area_id, r.period))
        if c is not None and r.value:
            out[(r.area_id, r.period)] = round(float(c.value) * int(rate.rate_per or 0) / float(r.value))
    return out


def change(indicator: Indicator, prev: Observation, cur: Observation, lang: str, area_name: str = "",
           bases: dict[tuple[int, str], Observation] | None = None,
           populations: dict[tuple[int, str], float] | None = None) -> dict[str, Any]:
    """The change from ``prev`` to ``cur``: sentence, significance, direction, the break it spans (if any).

    Never significant across a method break; when nothing can be tested the sentence says so."""
    bases = bases if bases is not None else bases_for(indicator, [prev, cur])
    populations = populations if populations is not None else populations_for(indicator, [prev, cur])
    entry: dict[str, Any] = {"from": prev.period, "to": cur.period, "significant": False, "direction": None,
                             "estimate": None}
    brk = break_between(indicator, prev.period, cur.period)
    pi = pure_indicator(indicator)
    try:
        a = pure(prev, indicator, area_name, bases.get((prev.area_id, prev.period)),
                 populations.get((prev.area_id, prev.period)))
        b = pure(cur, indicator, area_name, bases.get((cur.area_id, cur.period)),
                 populations.get((cur.area_id, cur.period)))
        result = cmp.change(a, b, indicator=pi, allow_method_break=True)
        entry.update(sentence=result.sentence(lang), significant=result.significant,  # type: ignore[arg-type]
                     direction=result.direction if result.significant else None,
                     direction_en=result.direction_en if result.significant else None,
                     assessment=result.assessment, estimate=result.estimate, method_break=result.method_break)
    except cmp.ObservationError:
        from .monitor import fmt  # deferred: cycle monitor<->figures (monitor imports figures)

        unit = "%" if pi.unit == "%" else ""
        with translation.override(lang):
            entry["sentence"] = _("Van %(va)s in %(a)s naar %(vb)s in %(b)s; dit verschil is niet te toetsen, omdat "
                                  "de foutmarge of het aantal waarop het cijfer berust onbekend is.") % {
                "a": prev.period, "va": fmt(prev.value, indicator, lang) + unit, "b": cur.period,
                "vb": fmt(cur.value, indicator, lang) + unit}
        entry["no_margin"] = True
    if brk:
        entry["break_note"] = brk.get("note_en" if lang == "en" else "note_nl", "")
        entry["break_year"] = brk.get("year")
        entry["significant"] = False
        entry["direction"] = None
    return entry


def changes(indicator: Indicator, observations: Sequence[Observation], lang: str, area_name: str = "") -> list[dict[str, Any]]:
    """One entry per consecutive pair of periods (see :func:`change`)."""
    obs = list(observations)
    bases = bases_for(indicator, obs)
    pops = populations_for(indicator, obs)
    return [change(indicator, p, c, lang, area_name, bases, pops) for p, c in zip(obs, obs[1:], strict=False)]


def compare(indicator: Indicator, obs: Observation, other: Observation, kind: str, lang: str, area_name: str,
            other_name: str) -> str | None:
    """The sentence comparing an area with a reference in the same period, or None when it cannot be
    tested honestly (counts of areas of different size, a break, no margins)."""
    bases = bases_for(indicator, [obs, other])
    try:
        d = cmp.compare_to(pure(obs, indicator, area_name, bases.get((obs.area_id, obs.period))),
                           pure(other, indicator, other_name, bases.get((other.area_id, other.period))),
                           kind=kind, indicator=pure_indicator(indicator))  # type: ignore[arg-type]
    except (cmp.ObservationError, cmp.MethodBreakError):
        return None
    return d.sentence(lang)  # type: ignore[arg-type]


def bron_lines(o: Any, ind: Any) -> dict[str, str]:
    """The "Bron" line of one figure in both languages: table, period of the source, file and row, import date."""
    b = o.import_batch
    table = (b.table_id if b else "") or o.source_table or ind.source_table
    out = {}
    for lang, (word, per, row, on) in {"nl": ("Bron", "periode", "regel", "ingelezen op"),
                                       "en": ("Source", "period", "row", "imported on")}.items():
        parts = [f"{word}: {table}" if table else word + ":"]
        if b and b.period_label:
            parts.append(f"{per} {b.period_label}")
        if b and b.file_name:
            parts.append(b.file_name + (f" {row} {o.source_row}" if o.source_row else ""))
        if b:
            parts.append(f"{on} {b.at:%Y-%m-%d}")
        out[f"bron_{lang}"] = ", ".join(parts)
    return out
