"""API: measures and exercises (with the clock state). Another organisation's exercise is a 404."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.api.pagination import CursorPagination, Mapped, stable

from . import selectors, services
from .models import Measure

router = Router(tags=["actions"])


class MeasureOut(Schema):
    uuid: UUID
    title: str
    owner: str
    tlp: str
    status: str
    due_date: dt.date | None
    overdue: bool
    scenarios: list[UUID]
    forms: list[str]
    portfolio_holder: str
    partners: list[str]
    effect_on: str
    indicator: str | None


def _measure(m: Measure) -> dict[str, object]:
    return {"uuid": m.uuid, "title": m.title, "owner": m.owner.slug, "tlp": m.tlp, "status": m.status,
            "due_date": m.due_date, "overdue": m.is_overdue, "scenarios": [s.uuid for s in m.scenarios.all()],
            "forms": [f.code for f in m.forms.all()], "portfolio_holder": m.portfolio_holder,
            "partners": list(m.partners), "effect_on": m.effect_on,
            "indicator": m.indicator.code if m.indicator else None}


@router.get("/measures", response=list[MeasureOut], summary="Maatregelen die u mag zien / measures visible to you")
@paginate(CursorPagination)
def measures(request: HttpRequest, status: str = "") -> Mapped:
    return Mapped(stable(selectors.measures_visible_to(request.user, status=status)), _measure)


@router.get("/measures/{uuid}", response=MeasureOut, summary="Eén maatregel / one measure")
def measure(request: HttpRequest, uuid: UUID) -> dict[str, object]:
    return _measure(selectors.measure_get(request.user, uuid))


class ExerciseOut(Schema):
    uuid: UUID
    title: str
    owner: str
    status: str
    mode: str
    scenario: UUID | None
    elapsed_seconds: float
    paused: bool
    played: list[UUID]
    upcoming: list[UUID]
    skipped: list[UUID]


@router.get("/exercises/{uuid}", response=ExerciseOut,
            summary="Oefening met klokstatus (alleen eigen organisatie) / exercise with clock state (own organisation only)")
def exercise(request: HttpRequest, uuid: UUID) -> dict[str, object]:
    from . import clock

    ex = selectors.exercise_get(request.user, uuid)
    sch = services.exercise_schedule(ex)
    return {"uuid": ex.uuid, "title": ex.title, "owner": ex.owner.slug, "status": ex.status, "mode": ex.mode,
            "scenario": ex.scenario.uuid if ex.scenario else None, "elapsed_seconds": sch.elapsed,
            "paused": clock.is_paused(services.clock_of(ex)), "played": [UUID(i.key) for i in sch.played],
            "upcoming": [UUID(i.key) for i in sch.upcoming], "skipped": [UUID(i.key) for i in sch.skipped]}
