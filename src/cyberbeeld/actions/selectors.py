"""Every read of the actions app goes through accounts.policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cyberbeeld.accounts import policy
from cyberbeeld.incidents.models import Form
from cyberbeeld.indicators.models import Indicator, Observation
from cyberbeeld.risks.models import Scenario, ScenarioStatus

from .models import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    Campaign,
    Exercise,
    ExerciseStatus,
    Measure,
    Portfolio,
    TargetGroup,
)

DIGITAL_COMPONENT = "digitale-component"
PUBLIC_ORDER_ROAD = "openbare-orde"


def measures_visible_to(user: Any, *, owner: Any = None, status: str = "", q: str = "") -> QuerySet[Measure]:
    qs = policy.visible(user, Measure.objects.all()).select_related("owner", "portfolio", "indicator")
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.prefetch_related("scenarios", "forms").order_by("due_date", "title")


def measure_get(user: Any, uuid: Any) -> Measure:
    return policy.get_visible_or_404(user, Measure.objects.select_related("owner", "portfolio", "indicator"),
                                     uuid=uuid)


def overdue_measures(user: Any, owner: Any = None) -> QuerySet[Measure]:
    return measures_visible_to(user, owner=owner).filter(status__in=OPEN_STATUSES,
                                                         due_date__lt=timezone.localdate())


def scenarios_of(user: Any, owner: Any) -> QuerySet[Scenario]:
    """The active scenarios of ``owner`` this user may see."""
    return policy.visible(user, Scenario.objects.filter(owner=owner, status=ScenarioStatus.ACTIEF)).order_by("title")


@dataclass
class CoverageRow:
    scenario: Scenario
    live: list[Measure] = field(default_factory=list)
    overdue: list[Measure] = field(default_factory=list)
    digital: bool = False

    @property
    def state(self) -> str:
        if self.live:
            return "covered"
        return "overdue-only" if self.overdue else "none"


def coverage(user: Any, owner: Any) -> list[CoverageRow]:
    """For every active scenario of ``owner``: its live measures and its overdue ones.

    A measure is *live* when it is planned, running or done and not overdue; *overdue* when it is
    still open after its due date. Stopped measures count for nothing."""
    measures = Measure.objects.filter(owner=owner, status__in=LIVE_STATUSES)
    scenarios = scenarios_of(user, owner).prefetch_related(Prefetch("measures", queryset=measures,
                                                                    to_attr="counted"))

    digital_forms = set(Form.objects.filter(category__code=DIGITAL_COMPONENT).values_list("code", flat=True))
    rows = []
    for s in scenarios:
        row = CoverageRow(s, digital=s.road == PUBLIC_ORDER_ROAD or bool(set(s.form_codes or []) & digital_forms))
        for m in s.counted:
            (row.overdue if m.is_overdue else row.live).append(m)
        rows.append(row)
    return rows


def uncovered(user: Any, owner: Any) -> list[CoverageRow]:
    """Scenarios without a live measure (none at all, or only overdue ones)."""
    return [r for r in coverage(user, owner) if not r.live]


# --------------------------------------------------------------------------------- portfolios


def portfolios_of(user: Any, owner: Any) -> QuerySet[Portfolio]:
    return policy.visible(user, Portfolio.objects.filter(owner=owner)).prefetch_related("scenarios", "forms",
                                                                                      "measures")


def portfolio_get(user: Any, uuid: Any) -> Portfolio:
    return policy.get_visible_or_404(user, Portfolio.objects.all(), uuid=uuid)


def portfolio_matrix(user: Any, owner: Any) -> dict[str, Any]:
    """Portfolios × scenarios: a portfolio touches a scenario when it is linked to it, when one of
    its measures addresses it, or when it shares a taxonomy form with it."""
    portfolios = list(portfolios_of(user, owner))
    scenarios = list(scenarios_of(user, owner))
    rows: list[dict[str, Any]] = []
    for p in portfolios:
        linked = {s.pk for s in p.scenarios.all()}
        form_codes = {f.code for f in p.forms.all()}
        via_measure: dict[int, list[Measure]] = {}
        for m in p.measures.all():
            if m.status == "gestopt":
                continue
            for s in m.scenarios.all():
                via_measure.setdefault(s.pk, []).append(m)
        cells: list[dict[str, Any]] = []
        for s in scenarios:
            forms = sorted(form_codes & set(s.form_codes or []))
            cells.append({"scenario": s, "linked": s.pk in linked, "measures": via_measure.get(s.pk, []),
                          "forms": forms, "touches": s.pk in linked or s.pk in via_measure or bool(forms)})
        rows.append({"portfolio": p, "cells": cells, "count": sum(c["touches"] for c in cells)})
    return {"portfolios": portfolios, "scenarios": scenarios, "rows": rows,
            "untouched": [s for i, s in enumerate(scenarios) if not any(r["cells"][i]["touches"] for r in rows)]}


# --------------------------------------------------------------------------------- exercises, campaigns


def exercises_visible_to(user: Any) -> QuerySet[Exercise]:
    return policy.visible(user, Exercise.objects.all()).select_related("scenario", "owner").order_by(
        "-planned_for", "title")


def exercise_get(user: Any, uuid: Any) -> Exercise:
    """Exercises are seen by members of the owning organisation only (others: 404)."""
    ex = policy.get_visible_or_404(user, Exercise.objects.select_related("scenario", "owner"), uuid=uuid)
    if ex.owner_id not in policy.actor_for(user).org_ids:
        raise Http404
    return ex


def exercise_changeable(user: Any, uuid: Any) -> Exercise:
    """Run or change: members of the owner with at least the role bewerker; others get a 404."""
    return policy.get_changeable_or_404(user, Exercise.objects.select_related("scenario", "owner"), uuid=uuid)


def next_exercise(user: Any, owner: Any) -> Exercise | None:
    return (exercises_visible_to(user).filter(owner=owner, status=ExerciseStatus.CONCEPT,
                                              planned_for__gte=timezone.now()).order_by("planned_for").first())


def campaigns_visible_to(user: Any, owner: Any = None) -> QuerySet[Campaign]:
    qs = policy.visible(user, Campaign.objects.all()).select_related("indicator", "owner")
    return qs.filter(owner=owner) if owner is not None else qs


def campaign_get(user: Any, uuid: Any) -> Campaign:
    return policy.get_visible_or_404(user, Campaign.objects.select_related("indicator", "owner"), uuid=uuid)


def is_digital_component(scenario: Scenario) -> bool:
    """A scenario of the *veiligheid met een digitale component* kind: one of its forms is in that
    taxonomy category, or it is on the road of online-fuelled public-order disturbance."""
    if scenario.road == PUBLIC_ORDER_ROAD:
        return True

    codes = list(scenario.form_codes or [])
    return bool(codes) and Form.objects.filter(code__in=codes, category__code=DIGITAL_COMPONENT).exists()


# Indicator forms (``indicators.Indicator.form``) that speak for each target group of a campaign.
GROUP_INDICATOR_FORMS: dict[str, tuple[str, ...]] = {
    "ouderen": ("oplichting-fraude", "fraude-betalingsverkeer", "phishing", "identiteitsfraude"),
    "jongeren": ("online-bedreiging", "online-pesten", "cyberpesten", "bedreiging-intimidatie", "shamesexting",
                 "online-stalking"),
    "mkb": ("hacken", "hacken-account", "cybercrime-totaal"),
}


def group_signals(owner: Any) -> list[dict[str, Any]]:
    """Per target group: the indicators that speak for it, with the last two values for the owner's area.

    Observations are public statistics (not shareable objects); only the owner's own area is shown."""
    area_id = getattr(owner, "area_id", None)
    out = []
    for group, forms in GROUP_INDICATOR_FORMS.items():
        rows = []
        for ind in Indicator.objects.filter(form__in=forms).order_by("code"):
            obs = list(Observation.objects.filter(indicator=ind, area_id=area_id).order_by("-period")[:2]) \
                if area_id else []
            latest = obs[0] if obs else None
            previous = obs[1] if len(obs) > 1 else None
            change = None
            if latest is not None and previous is not None:
                change = float(latest.value) - float(previous.value)
            rows.append({"indicator": ind, "latest": latest, "previous": previous, "change": change})
        out.append({"group": group, "label": TargetGroup(group).label, "rows": rows})
    return out


def indicator_for_group(group: str) -> Any:
    return Indicator.objects.filter(form__in=GROUP_INDICATOR_FORMS.get(group, ())).order_by("code").first()
