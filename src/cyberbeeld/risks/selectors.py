"""Every read of the threat picture goes through accounts.policy.

OOV and CISO of one gemeente are members of the same organisation, so they see each other's
scenarios (CCV: exchange of threats between OOV and the CISO); the ``lane`` only sorts them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from cyberbeeld.accounts import policy
from cyberbeeld.areas.models import Area, AreaKind

from . import scoring
from .models import Assessment, AssessmentStatus, Asset, Proposal, ProposalStatus, Scenario, ScenarioStatus
from .services import method, to_pure


def assets_visible_to(user: Any, *, owner: Any = None, kind: str = "") -> QuerySet[Asset]:
    qs = policy.visible(user, Asset.objects.all()).select_related("owner", "area").prefetch_related("dependencies")
    if owner is not None:
        qs = qs.filter(owner=owner)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def asset_get(user: Any, uuid: Any) -> Asset:
    return policy.get_visible_or_404(user, Asset.objects.select_related("owner", "area"), uuid=uuid)


def _final_prefetch() -> Prefetch[Any]:
    return Prefetch("assessments", queryset=Assessment.objects.filter(status=AssessmentStatus.FINAL)
                    .order_by("-assessed_on", "-pk"), to_attr="final_assessments")


def scenarios_visible_to(user: Any, *, owner: Any = None, lane: str = "", road: str = "", area: Any = None,
                         include_archived: bool = False) -> QuerySet[Scenario]:
    qs = policy.visible(user, Scenario.objects.all()).select_related("owner", "area", "template")
    if owner is not None:
        qs = qs.filter(owner=owner)
    if lane:
        qs = qs.filter(lane=lane)
    if road:
        qs = qs.filter(road=road)
    if area is not None:
        qs = qs.filter(area=area)
    if not include_archived:
        qs = qs.filter(status=ScenarioStatus.ACTIEF)
    return qs.prefetch_related(_final_prefetch(), "assets").order_by("title")


def scenario_get(user: Any, uuid: Any) -> Scenario:
    return policy.get_visible_or_404(user, Scenario.objects.select_related("owner", "area", "template"), uuid=uuid)


def assessment_get(user: Any, uuid: Any) -> Assessment:
    """An assessment is visible when its scenario is."""
    visible = policy.visible(user, Scenario.objects.all())
    try:
        return Assessment.objects.select_related("scenario__owner", "scenario__area", "scenario__template").get(
            uuid=uuid, scenario__in=visible)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def proposals_visible_to(user: Any, *, owner: Any = None, status: str = "") -> QuerySet[Proposal]:
    qs = policy.visible(user, Proposal.objects.all()).select_related("template", "scenario", "decided_by")
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    return qs


def proposal_get(user: Any, uuid: Any) -> Proposal:
    return policy.get_visible_or_404(user, Proposal.objects.select_related("template", "scenario"), uuid=uuid)


# --------------------------------------------------------------------------------- the picture


def current_assessment(scenario: Scenario) -> Assessment | None:
    """Newest final assessment under the scenario's method version (prefetched if possible)."""
    finals: list[Assessment] | None = getattr(scenario, "final_assessments", None)
    if finals is None:
        finals = list(scenario.assessments.filter(status=AssessmentStatus.FINAL).order_by("-assessed_on", "-pk"))
    for a in finals:
        if a.method_id == scenario.method_id:
            return a
    return None


def latest_per_assessor(scenario: Scenario) -> list[Assessment]:
    """The newest final assessment of every assessor under the scenario's method (for the spread)."""
    finals = getattr(scenario, "final_assessments", None)
    if finals is None:
        finals = list(scenario.assessments.filter(status=AssessmentStatus.FINAL).order_by("-assessed_on", "-pk"))
    seen: dict[str, Assessment] = {}
    for a in finals:
        if a.method_id != scenario.method_id:
            continue
        key = str(a.assessor_id or a.assessor_name or a.pk)
        seen.setdefault(key, a)
    return list(seen.values())


def result_of(scenario: Scenario, assessment: Assessment, *, with_area: bool = False) -> scoring.ScenarioResult:
    m = method(assessment.method_id)
    pure = to_pure(assessment, scenario=scenario, assessor=assessment.assessor_name or None)
    if not with_area:
        pure = dataclasses.replace(pure, area=None)
    return scoring.assess(m, pure)


_DIAGRAMS: dict[str, scoring.RiskDiagram] = {}
_DIAGRAMS_MAX = 256


@dataclass
class Picture:
    """Scored scenarios of one method version, the risk diagram and the unscored rest."""

    method: scoring.Method | None
    entries: list[tuple[Scenario, Assessment, scoring.ScenarioResult]] = field(default_factory=list)
    unscored: list[Scenario] = field(default_factory=list)
    other_method: list[Scenario] = field(default_factory=list)

    def diagram(self, lang: str, *, title: str | None = None) -> scoring.RiskDiagram | None:
        if self.method is None or not self.entries:
            return None
        results = [r for _, _, r in self.entries]
        # risk_diagram is a pure function of these arguments, and building its Vega-Lite spec (Altair, with
        # schema validation) costs ~0.75 s: the same picture is built once per process (bounded memo)
        key = hashlib.sha256(repr((self.method, results, lang, title)).encode()).hexdigest()
        diagram = _DIAGRAMS.get(key)
        if diagram is None:
            diagram = scoring.risk_diagram(self.method, results, lang=lang, title=title)  # type: ignore[arg-type]
            if len(_DIAGRAMS) >= _DIAGRAMS_MAX:
                _DIAGRAMS.pop(next(iter(_DIAGRAMS)))
            _DIAGRAMS[key] = diagram
        return diagram


def picture(scenarios: list[Scenario] | QuerySet[Scenario], *, with_area: bool = False) -> Picture:
    """Sort scenarios by risk (highest first) under the most used method version."""
    scored: dict[str, list[tuple[Scenario, Assessment]]] = defaultdict(list)
    unscored = []
    for s in scenarios:
        a = current_assessment(s)
        if a is None:
            unscored.append(s)
        else:
            scored[a.method_id].append((s, a))
    if not scored:
        return Picture(method=None, unscored=unscored)
    main = max(sorted(scored), key=lambda k: len(scored[k]))
    entries = [(s, a, result_of(s, a, with_area=with_area)) for s, a in scored[main]]
    entries.sort(key=lambda e: (-e[2].risk_index, -e[2].impact.total, e[0].title))
    other = [s for k, items in scored.items() if k != main for s, _ in items]
    return Picture(method=method(main), entries=entries, unscored=unscored, other_method=other)


def spread_of(scenario: Scenario) -> scoring.AssessorSpread | None:
    items = latest_per_assessor(scenario)
    if len(items) < 2:
        return None
    m = method(scenario.method_id)
    pures = [to_pure(a, scenario=scenario, assessor=a.assessor_name or str(a.pk)) for a in items]
    return scoring.spread(m, pures)


def region_of(user: Any, organisation: Any) -> Area | None:
    area = getattr(organisation, "area", None)
    if area is not None and area.veiligheidsregio_id:
        region: Area | None = area.veiligheidsregio
        return region
    return organisation.regions.filter(kind=AreaKind.VEILIGHEIDSREGIO).first() if organisation else None


def regional(user: Any, region: Area) -> tuple[Picture, tuple[scoring.RegionalSummary, ...], list[Area]]:
    """Scenarios of all gemeenten of a veiligheidsregio that this user may see, combined per template."""
    gemeenten = list(Area.objects.filter(kind=AreaKind.GEMEENTE, veiligheidsregio=region).order_by("name"))
    qs = scenarios_visible_to(user).filter(area__in=gemeenten)
    pic = picture(list(qs), with_area=True)
    summary = scoring.regional_summary([r for _, _, r in pic.entries]) if pic.entries else ()
    return pic, summary, gemeenten


def open_proposals_count(user: Any, owner: Any) -> int:
    return proposals_visible_to(user, owner=owner, status=ProposalStatus.OPEN).count()
