"""Early warning for an organisation: unusual rises per form × gemeente (``surveillance.py``).

Monthly counts of the incidents the user may see in the organisation's area (its gemeente, or the
gemeenten of its veiligheidsregio(s)), from the first incident to the current month, judged for the
last ``LAST`` months. Each alert carries the series that triggered it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cyberbeeld.accounts import policy

from .models import Form, Incident

LAST = 3  # months judged
MIN_INCIDENTS = 6  # a series with fewer incidents in total is not judged
SHOWN = 24  # months shown in chart and table


@dataclass
class AlertView:
    form: Any
    area: Any
    period: str
    method: str
    observed: float
    expected: float
    threshold: float
    score: float
    periods: list[str]
    counts: list[float]
    incidents: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(p, int(c)) for p, c in zip(self.periods[-SHOWN:], self.counts[-SHOWN:], strict=True)]

    @property
    def key(self) -> str:
        return f"{self.form.code}-{self.area.code}-{self.period}"


def organisation_areas(organisation: Any) -> list[Any]:
    from cyberbeeld.areas.models import Area

    if organisation is None:
        return []
    q = Q(pk=organisation.area_id) if organisation.area_id else Q(pk__in=[])
    regions = list(organisation.regions.values_list("pk", flat=True))
    if regions:
        q |= Q(veiligheidsregio_id__in=regions)
    return list(Area.objects.gemeenten().filter(q))


def alerts_for(user: Any, organisation: Any, *, today: dt.date | None = None, last: int = LAST) -> list[AlertView]:
    """Alerts on the incidents ``user`` may see in the organisation's areas (the early-warning page)."""
    areas = {a.pk: a for a in organisation_areas(organisation)}
    if not areas:
        return []
    qs = policy.visible(user, Incident.objects.filter(area_id__in=list(areas), form__isnull=False))
    return compute(qs, areas, today=today, last=last)


def alerts_for_owner(organisation: Any, *, today: dt.date | None = None, last: int = LAST) -> list[AlertView]:
    """Alerts on the organisation's own incidents (TLP:RED excluded) in its areas: what a drafted picture of
    that organisation may rest on. The same computation as the page (:func:`compute`)."""
    areas = {a.pk: a for a in organisation_areas(organisation)}
    if not areas:
        return []
    qs = policy.organisation_wide(Incident.objects.filter(area_id__in=list(areas), form__isnull=False), organisation)
    return compute(qs, areas, today=today, last=last)


def compute(qs: Any, areas: dict[int, Any], *, today: dt.date | None = None, last: int = LAST) -> list[AlertView]:
    """THE early-warning computation (page, dashboard, drafted picture): monthly counts per form × gemeente
    from the first incident to this month, series with at least ``MIN_INCIDENTS``, the last ``last`` months
    judged by ``surveillance.detect_many`` (Farrington with two years of history, else EARS-C3)."""
    from . import surveillance

    today = today or timezone.localdate()
    by_key: dict[tuple[str, int], list[dt.date]] = defaultdict(list)
    ids: dict[tuple[str, int], list[tuple[dt.date, str]]] = defaultdict(list)
    forms: dict[str, Form] = {}
    first: dt.date | None = None
    for code, form_id, area_id, occurred, reported, created, uuid in qs.values_list(
            "form__code", "form_id", "area_id", "occurred_on", "reported_on", "created_at", "uuid"):
        d = occurred or reported or timezone.localdate(created)
        if d > today:
            continue
        by_key[(code, area_id)].append(d)
        ids[(code, area_id)].append((d, str(uuid)))
        forms.setdefault(code, form_id)
        first = d if first is None or d < first else first
    if first is None:
        return []
    series = {}
    for key, dates in by_key.items():
        if len(dates) >= MIN_INCIDENTS:
            series[key] = surveillance.count_by_period(dates, start=first, end=today)
    found = surveillance.detect_many(series, last=last)
    form_objs = {f.pk: f for f in Form.objects.filter(pk__in=list(forms.values())).select_related("category")}
    out = []
    for a in found:
        code, area_id = a.key  # type: ignore[misc]
        periods, counts = series[a.key]
        upto = periods.index(a.period) + 1
        view = AlertView(form=form_objs[forms[code]], area=areas[area_id], period=a.period, method=a.method,
                         observed=a.observed, expected=a.expected, threshold=a.threshold, score=a.score,
                         periods=list(periods[:upto]), counts=list(counts[:upto]))
        view.incidents = [u for d, u in ids[a.key] if surveillance.period_label(d, 12) == a.period]
        out.append(view)
    return out


def chart_spec(alert: AlertView) -> dict[str, Any]:
    """Monthly counts (line) with the alerted month marked and the threshold as a tick."""
    rows = [{"maand": p, "aantal": c} for p, c in alert.rows]
    mark = [{"maand": alert.period, "aantal": alert.observed, "drempel": round(alert.threshold, 2)}]
    x = {"field": "maand", "type": "ordinal", "title": _("Maand"), "axis": {"labelAngle": -45}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 520, "height": 180,
        "layer": [
            {"data": {"values": rows}, "mark": {"type": "line", "point": True, "color": "#01689b"},
             "encoding": {"x": x, "y": {"field": "aantal", "type": "quantitative", "title": _("Aantal incidenten")}}},
            {"data": {"values": mark}, "mark": {"type": "tick", "color": "#555", "thickness": 2, "size": 18},
             "encoding": {"x": x, "y": {"field": "drempel", "type": "quantitative"}}},
            {"data": {"values": mark}, "mark": {"type": "point", "filled": True, "size": 120, "color": "#b00020"},
             "encoding": {"x": x, "y": {"field": "aantal", "type": "quantitative"}}},
        ],
    }
