from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.common.api_pagination import CursorPagination, Mapped, stable

from . import selectors
from .models import Scenario

router = Router(tags=["risks"])


class AssessmentOut(Schema):
    uuid: UUID
    method_id: str
    method_fingerprint: str
    likelihood: str
    impact: dict
    impact_class: str
    total: float | None
    assessed_on: dt.date
    status: str


class ScenarioOut(Schema):
    uuid: UUID
    title: str
    owner: str
    tlp: str
    lane: str
    road: str
    threat_actor: str
    forms: list[str]
    area: str | None
    template: str | None
    risk_owner: str
    review_date: dt.date | None
    is_example: bool
    current_assessment: AssessmentOut | None


def _out(s: Scenario) -> dict[str, object]:
    a = selectors.current_assessment(s)
    return {
        "uuid": s.uuid, "title": s.title, "owner": s.owner.slug, "tlp": s.tlp, "lane": s.lane, "road": s.road,
        "threat_actor": s.threat_actor, "forms": list(s.form_codes), "area": s.area.code if s.area else None,
        "template": s.template.code if s.template else None, "risk_owner": s.risk_owner,
        "review_date": s.review_date, "is_example": s.is_example,
        "current_assessment": None if a is None else {
            "uuid": a.uuid, "method_id": a.method_id, "method_fingerprint": a.method_fingerprint,
            "likelihood": a.likelihood, "impact": a.impact, "impact_class": a.impact_class, "total": a.total,
            "assessed_on": a.assessed_on, "status": a.status},
    }


@router.get("/scenarios", response=list[ScenarioOut], summary="Scenario's die u mag zien / scenarios visible to you")
@paginate(CursorPagination)
def scenarios(request: HttpRequest, lane: str = "", road: str = "") -> Mapped:
    return Mapped(stable(selectors.scenarios_visible_to(request.user, lane=lane, road=road)), _out)


@router.get("/scenarios/{uuid}", response=ScenarioOut, summary="Eén scenario / one scenario")
def scenario(request: HttpRequest, uuid: UUID) -> dict[str, object]:
    return _out(selectors.scenario_get(request.user, uuid))
