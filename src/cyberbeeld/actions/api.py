"""API: measures and exercises (with the clock state). Another organisation's exercise is a 404."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.common.api_pagination import CursorPagination, Mapped, stable
from cyberbeeld.incidents.services import current_forms
from cyberbeeld.indicators.models import Indicator
from cyberbeeld.risks.models import Scenario

from . import clock, selectors, services
from .forms import MeasureForm
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
    ex = selectors.exercise_get(request.user, uuid)
    sch = services.exercise_schedule(ex)
    return {"uuid": ex.uuid, "title": ex.title, "owner": ex.owner.slug, "status": ex.status, "mode": ex.mode,
            "scenario": ex.scenario.uuid if ex.scenario else None, "elapsed_seconds": sch.elapsed,
            "paused": clock.is_paused(services.clock_of(ex)), "played": [UUID(i.key) for i in sch.played],
            "upcoming": [UUID(i.key) for i in sch.upcoming], "skipped": [UUID(i.key) for i in sch.skipped]}


# --- writes: the measure form's validation and measure_save (sharing through the policy, ceiling kept) ---

from typing import Any  # noqa: E402

from ninja import Field, Status  # noqa: E402

from cyberbeeld.accounts import policy  # noqa: E402
from cyberbeeld.common import api_forms, problems  # noqa: E402


class MeasurePatch(Schema):
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=100_000)
    scenarios: list[UUID] | None = Field(None, max_length=500, description="uuids of your scenarios")
    forms: list[str] | None = Field(None, max_length=200, description="codes of forms (taxonomy)")
    portfolio_holder: str | None = Field(None, max_length=200)
    responsible: str | None = Field(None, max_length=200)
    partners: list[str] | None = Field(None, max_length=50)
    partners_other: str | None = Field(None, max_length=300)
    due_date: dt.date | None = None
    status: str | None = Field(None, max_length=20)
    effect_on: str | None = Field(None, max_length=10)
    expected_effect: str | None = Field(None, max_length=100_000)
    indicator: str | None = Field(None, max_length=100, description="code of an indicator")
    tlp: str | None = Field(None, max_length=20, description="changing it on an update needs coördinator")


class MeasureIn(MeasurePatch):
    title: str = Field(..., min_length=1, max_length=300)  # type: ignore[assignment]


def _lookups(request: HttpRequest, owner: Any) -> dict[str, Any]:
    def scenarios(values: Any) -> Any:
        wanted = [str(v) for v in values]
        found = dict(policy.visible(request.user, Scenario.objects.filter(owner=owner, uuid__in=wanted))
                     .values_list("uuid", "pk"))
        pks = [found.get(UUID(v)) for v in wanted]
        return None if None in pks else pks

    def form_codes(values: Any) -> Any:
        found = dict(current_forms().filter(code__in=[str(v) for v in values]).values_list("code", "pk"))
        pks = [found.get(str(v)) for v in values]
        return None if None in pks else pks

    def indicator(code: Any) -> Any:
        return Indicator.objects.filter(code=str(code)).values_list("pk", flat=True).first()

    return {"scenarios": scenarios, "forms": form_codes, "indicator": indicator}


def _measure_write(request: HttpRequest, payload: dict[str, Any], measure: Measure | None) -> Measure:
    owner = measure.owner if measure else request.organisation  # type: ignore[attr-defined]
    form = api_forms.bind(lambda data: MeasureForm(data, instance=measure, owner=owner, viewer=request.user),
                          payload, lookups=_lookups(request, owner), refused=("tlp",))
    data = {k: form.cleaned_data[k] for k in services.MEASURE_FIELDS + services.MEASURE_M2M if k in form.cleaned_data}
    # a label wider than a source's: CeilingError (field "tlp"), answered by api.main's ApplicationError handler
    return services.measure_save(by=request.user, owner=owner, data=data, measure=measure)


@router.post("/measures", response={201: MeasureOut, **problems.documented(400, 403)},
             summary="Maatregel maken / create a measure")
def measure_create(request: HttpRequest, payload: MeasureIn) -> Any:
    api_forms.creating_organisation(request, policy.can_create_in)
    return Status(201, _measure(_measure_write(request, payload.dict(exclude_unset=True), None)))


@router.patch("/measures/{uuid}", response={200: MeasureOut, **problems.documented(400, 403, 404)},
              summary="Maatregel bijwerken / update a measure (only the fields sent)")
def measure_update(request: HttpRequest, uuid: UUID, payload: MeasurePatch) -> Any:
    m = selectors.measure_get(request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, m), allowed=policy.can_change(request.user, m))
    return Status(200, _measure(_measure_write(request, payload.dict(exclude_unset=True), m)))
