"""Early warning for an organisation: unusual rises per form × gemeente (``surveillance.py``).

Monthly counts of the incidents the user may see in the organisation's area (its gemeente, or the
gemeenten of its veiligheidsregio(s)), from the first incident to the current month, judged for the
last ``LAST`` months. Each alert carries the series that triggered it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DateField, Q
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from cyberbeeld.accounts import policy
from cyberbeeld.areas.models import Area

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
    # deferred: heavy import (scipy.stats via surveillance): only the early-warning pages load it
    from . import surveillance

    today = today or timezone.localdate()
    # Counted in the database: one row per form × gemeente × month, whatever the number of incidents.
    day = Coalesce("occurred_on", "reported_on", TruncDate("created_at"), output_field=DateField())
    rows = (qs.annotate(day=day).filter(day__lte=today)
            .annotate(month=TruncMonth("day", output_field=DateField()))
            .values_list("form_id", "area_id", "month").annotate(n=Count("pk")).order_by())
    monthly: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    first: dt.date | None = None
    for form_id, area_id, month, n in rows:
        month = month.date() if isinstance(month, dt.datetime) else month
        monthly[(form_id, area_id)][surveillance.period_label(month, 12)] = n
        first = month if first is None or month < first else first
    if first is None:
        return []
    form_objs = {f.pk: f for f in Form.objects.filter(pk__in={f for f, _a in monthly}).select_related("category")}
    labels, _zeros = surveillance.count_by_period([], start=first, end=today)
    series = {}
    for (form_id, area_id), per_month in monthly.items():
        if sum(per_month.values()) >= MIN_INCIDENTS:
            series[(form_objs[form_id].code, area_id)] = (labels, [float(per_month.get(p, 0)) for p in labels])
    found = sorted((a for key, (periods, counts) in series.items() for a in _judged(key, periods, counts, last)),
                   key=lambda a: -a.score)  # as surveillance.detect_many, with each series' verdict memoised
    by_code = {f.code: f for f in form_objs.values()}
    out = []
    for a in found:
        code, area_id = a.key  # type: ignore[misc]
        periods, counts = series[a.key]
        upto = periods.index(a.period) + 1
        out.append(AlertView(form=by_code[code], area=areas[area_id], period=a.period, method=a.method,
                             observed=a.observed, expected=a.expected, threshold=a.threshold, score=a.score,
                             periods=list(periods[:upto]), counts=list(counts[:upto])))
    _attach_incidents(qs, out, day)
    return out


_JUDGED: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_JUDGED_MAX = 8192


def _judged(key: Any, periods: list[str], counts: list[float], last: int) -> list[Any]:
    """``surveillance.detect`` of one series, memoised per process on the series itself: detection is a pure
    function of the counts, so after a write only the series that changed is judged again (at 100,000
    incidents judging every series took ~1 s; the dashboard recomputes after every incident write)."""
    # deferred: heavy import (scipy.stats via surveillance): only the early-warning pages load it
    from . import surveillance

    memo = (tuple(periods), tuple(counts), last)
    verdict = _JUDGED.get(memo)
    if verdict is None:
        verdict = tuple(surveillance.detect(counts, periods, key=None, last=last))
        if len(_JUDGED) >= _JUDGED_MAX:
            _JUDGED.pop(next(iter(_JUDGED)), None)
        _JUDGED[memo] = verdict
    return [dataclasses.replace(a, key=key) for a in verdict]


def _attach_incidents(qs: Any, alerts: list[AlertView], day: Any) -> None:
    """The incidents behind each alert (those of its form × gemeente in the alerted month): one query."""
    if not alerts:
        return
    cond = Q()
    for a in alerts:
        year, month = map(int, a.period.split("-"))
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
        cond |= Q(form_id=a.form.pk, area_id=a.area.pk, day__gte=start, day__lt=end)
    index = {(a.form.pk, a.area.pk, a.period): a for a in alerts}
    for form_id, area_id, d, uuid in qs.annotate(day=day).filter(cond).order_by("day", "pk").values_list(
            "form_id", "area_id", "day", "uuid"):
        alert = index.get((form_id, area_id, f"{d.year}-{d.month:02d}"))
        if alert is not None:
            alert.incidents.append(str(uuid))


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
