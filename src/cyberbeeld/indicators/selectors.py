"""Reads for the monitor. Observations are public statistics (not TLP-restricted); public themes
go through ``accounts.policy`` (only TLP:CLEAR reaches a public page)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.http import Http404

from cyberbeeld.accounts import policy
from cyberbeeld.areas.models import Area, AreaKind

from .models import Indicator, Observation, PublicTheme, Source

NL_CODE = "NL01"
# accounts.pagecache: raised after every committed write of what the monitor pages show (observations, import
# batches, indicators, areas, peer groups; indicators.signals wires them, the bulk paths raise it themselves)
CACHE_KIND = "indicators"


def gemeente_or_404(ref: str) -> Area:
    try:
        return Area.objects.select_related("veiligheidsregio", "basisteam", "peer_group").by_ref(ref)
    except Area.DoesNotExist as exc:
        raise Http404 from exc


def indicator_or_404(code: str) -> Indicator:
    try:
        return Indicator.objects.get(code=code)
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc


def series(indicator: Indicator, area: Area | int) -> list[Observation]:
    """All observations of one indicator for one area, in period order."""
    return list(Observation.objects.filter(indicator=indicator, area=area).order_by("period"))


def peer_average(indicator: Indicator, area: Area) -> dict[str, tuple[Decimal, int]]:
    """Per period: the average over the other gemeenten of the same peer group, and how many."""
    if area.peer_group_id is None:
        return {}
    # the peers first (a few dozen ids), then their observations through the (area, indicator, period) index:
    # a join on the area table would read every gemeente's row of the indicator
    peers = list(Area.objects.filter(kind=AreaKind.GEMEENTE, peer_group_id=area.peer_group_id)
                 .exclude(pk=area.pk).values_list("pk", flat=True))
    qs = Observation.objects.filter(indicator=indicator, area_id__in=peers)
    return {row["period"]: (Decimal(str(row["avg"])), row["n"])
            for row in qs.values("period").annotate(avg=Avg("value"), n=Count("id")).order_by("period")}


def references(indicator: Indicator, area: Area) -> list[dict[str, Any]]:
    """Reference series where data exist: veiligheidsregio, peer group (average), Netherlands."""
    refs: list[dict[str, Any]] = []
    wanted = []
    if area.veiligheidsregio_id:
        wanted.append(("regio", area.veiligheidsregio_id))
    nl = Area.objects.filter(code=NL_CODE).values_list("pk", flat=True).first()
    if nl:
        wanted.append(("nederland", nl))
    by_area: dict[int, list[Observation]] = defaultdict(list)
    for o in Observation.objects.filter(indicator=indicator, area_id__in=[a for _k, a in wanted]).select_related(
            "area").order_by("period"):
        by_area[o.area_id].append(o)
    for kind, area_id in wanted:
        if by_area.get(area_id):
            refs.append({"kind": kind, "name": by_area[area_id][0].area.name, "observations": by_area[area_id]})
    peers = peer_average(indicator, area)
    if peers:
        refs.insert(1 if refs and refs[0]["kind"] == "regio" else 0, {
            "kind": "peergroep", "name": area.peer_group.name if area.peer_group else "",
            "averages": peers})
    return refs


def basisteam_series(indicator: Indicator, area: Area) -> tuple[Area | None, list[Observation]]:
    """For a gemeente under 70,000 inhabitants without own VM figures: its basisteam's series."""
    if indicator.source != Source.VEILIGHEIDSMONITOR or area.has_own_vm_figures() or area.basisteam_id is None:
        return None, []
    return area.basisteam, series(indicator, area.basisteam_id)


def indicators_for_area(area: Area) -> list[tuple[Indicator, list[Observation]]]:
    """Every indicator with observations for the area, with its series (for the monitor index)."""
    rows: dict[int, list[Observation]] = defaultdict(list)
    for o in Observation.objects.filter(area=area).order_by("period"):
        rows[o.indicator_id].append(o)
    inds = Indicator.objects.in_bulk(list(rows))
    return sorted(((inds[i], obs) for i, obs in rows.items()), key=lambda t: (t[0].source != Source.VEILIGHEIDSMONITOR,
                                                                          t[0].code))


def cross_section(indicator: Indicator, period: str, areas: QuerySet[Area] | None = None) -> list[Observation]:
    qs = Observation.objects.filter(indicator=indicator, period=period).select_related("area")
    if areas is not None:
        qs = qs.filter(area__in=areas)
    return list(qs.order_by("area__name"))


def periods(indicator: Indicator, kind: str = AreaKind.GEMEENTE) -> list[str]:
    return sorted(set(Observation.objects.filter(indicator=indicator, area__kind=kind).values_list("period", flat=True)))


def public_theme_or_404(gemeente_slug: str, slug: str) -> PublicTheme:
    """A public theme page: only TLP:CLEAR (the policy's ceiling), else 404."""
    theme = (PublicTheme.objects.select_related("gemeente")
             .filter(gemeente__slug=gemeente_slug, gemeente__kind=AreaKind.GEMEENTE, slug=slug).first())
    if theme is None or not policy.may_publish(theme):
        raise Http404
    return theme


def public_themes_of(gemeente: Area) -> QuerySet[PublicTheme]:
    return policy.publishable(PublicTheme.objects.filter(gemeente=gemeente)).order_by("slug")
