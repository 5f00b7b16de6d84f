from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.common.api_pagination import CursorPagination, Mapped, stable
from cyberbeeld.incidents.models import Incident
from cyberbeeld.indicators.models import Indicator
from cyberbeeld.sharing.models import Case

from . import selectors
from .models import Asset, Scenario

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


# --- writes: the scenario and assessment forms of the pages (ScenarioForm, AssessmentForm) and their services
# (scenario_save, assessment_save, assessment_finalise): audited, sharing only by a coördinator and never above
# the ceiling of a drafted scenario's proposal, a final assessment never edited ---

from typing import Any  # noqa: E402

from django.http import Http404  # noqa: E402
from ninja import Field, Status  # noqa: E402

from cyberbeeld.accounts import policy  # noqa: E402
from cyberbeeld.common import api_forms, problems  # noqa: E402

from . import scoring, services  # noqa: E402
from .forms import AssessmentForm, ScenarioForm  # noqa: E402
from .models import Assessment, FinalAssessmentError, Lane, Road, ThreatActor  # noqa: E402


class ScenarioPatch(Schema):
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=100_000)
    road: str | None = Field(None, max_length=30, description="|".join(Road.values))
    lane: str | None = Field(None, max_length=10, description="|".join(Lane.values))
    threat_actor: str | None = Field(None, max_length=30, description="|".join(ThreatActor.values))
    malicious: bool | None = Field(None, description="a threat (true) or a hazard: failure, outage (false)")
    forms: list[str] | None = Field(None, max_length=200, description="codes of forms (taxonomy)")
    assets: list[UUID] | None = Field(None, max_length=500, description="uuids of your assets")
    evidence_indicators: list[str] | None = Field(None, max_length=200, description="codes of indicators")
    evidence_incidents: list[UUID] | None = Field(None, max_length=500, description="uuids of your incidents")
    evidence_cases: list[UUID] | None = Field(None, max_length=500, description="uuids of your cases")
    risk_owner: str | None = Field(None, max_length=200)
    review_cycle_months: int | None = Field(None, ge=0, le=32767)
    review_date: dt.date | None = None
    tlp: str | None = Field(None, max_length=20, description="changing it on an update needs coördinator (sharing)")
    audience_region: bool | None = Field(None, description="share with the owner's veiligheidsregio "
                                                           "(changing it on an update needs coördinator)")


class ScenarioIn(ScenarioPatch):
    title: str = Field(..., min_length=1, max_length=300)  # type: ignore[assignment]
    road: str = Field(..., max_length=30, description="|".join(Road.values))  # type: ignore[assignment]
    threat_actor: str = Field(..., max_length=30,  # type: ignore[assignment]
                              description="|".join(ThreatActor.values))


def _owned(model: Any, owner: Any, field: str = "uuid") -> Any:
    def look(values: Any) -> Any:
        wanted = [str(v) for v in values]
        found = {str(k): pk for k, pk in model.objects.filter(owner=owner, **{f"{field}__in": wanted})
                 .values_list(field, "pk")}
        pks = [found.get(v) for v in wanted]
        return None if None in pks else pks
    return look


def _indicators(values: Any) -> Any:
    found = dict(Indicator.objects.filter(code__in=[str(v) for v in values]).values_list("code", "pk"))
    pks = [found.get(str(v)) for v in values]
    return None if None in pks else pks


def _scenario_write(request: HttpRequest, payload: dict[str, Any], scenario: Scenario | None) -> Scenario:
    owner = scenario.owner if scenario else request.organisation  # type: ignore[attr-defined]
    # the pick lists of the form are the owner's objects this caller may see: an unknown uuid is a 422,
    # whether it does not exist or is another organisation's (no hint that it exists)
    lookups = {"assets": _owned(Asset, owner), "evidence_incidents": _owned(Incident, owner),
               "evidence_cases": _owned(Case, owner), "evidence_indicators": _indicators}
    form = api_forms.bind(lambda data: ScenarioForm(data, instance=scenario, owner=owner, viewer=request.user),
                          payload, lookups=lookups, refused=("tlp", "audience_region"),
                          rename={"forms": "form_codes"})
    data = {k: form.cleaned_data[k] for k in ScenarioForm.Meta.fields if k in form.cleaned_data}
    # a drafted scenario is never wider than its proposal: CeilingError (403, field "tlp"), answered by
    # api.main's ApplicationError handler
    return services.scenario_save(by=request.user, owner=owner, data=data, scenario=scenario)


@router.post("/scenarios", response={201: ScenarioOut, **problems.documented(400, 403)},
             summary="Scenario maken / create a scenario")
def scenario_create(request: HttpRequest, payload: ScenarioIn) -> Any:
    api_forms.creating_organisation(request, policy.can_create_in)
    return Status(201, _out(_scenario_write(request, payload.dict(exclude_unset=True), None)))


@router.patch("/scenarios/{uuid}", response={200: ScenarioOut, **problems.documented(400, 403, 404)},
              summary="Scenario bijwerken / update a scenario (only the fields sent)")
def scenario_update(request: HttpRequest, uuid: UUID, payload: ScenarioPatch) -> Any:
    s = selectors.scenario_get(request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, s), allowed=policy.can_change(request.user, s))
    return Status(200, _out(_scenario_write(request, payload.dict(exclude_unset=True), s)))


# --- assessments ---

CLASSES = "X (not applicable), 0, A-E"


class AssessmentIn(Schema):
    likelihood: str | None = Field(None, max_length=1, description="A-E")
    likelihood_rationale: str | None = Field(None, max_length=100_000)
    impact: dict[str, str] | None = Field(None, description=f"criterion code -> class ({CLASSES}); every "
                                                            "criterion of the method, X where it does not apply")
    impact_rationale: dict[str, str] | None = Field(None, description="criterion code -> rationale")
    note: str | None = Field(None, max_length=100_000)
    finalise: bool = Field(False, description="make it final (then never edited; a new assessment supersedes it)")


class AssessmentFull(AssessmentOut):
    scenario: UUID
    likelihood_rationale: str
    impact_rationale: dict
    note: str
    supersedes: UUID | None


def _assessment_out(a: Assessment) -> dict[str, object]:
    return {"uuid": a.uuid, "scenario": a.scenario.uuid, "method_id": a.method_id,
            "method_fingerprint": a.method_fingerprint, "likelihood": a.likelihood, "impact": a.impact,
            "impact_class": a.impact_class, "total": a.total, "assessed_on": a.assessed_on, "status": a.status,
            "likelihood_rationale": a.likelihood_rationale, "impact_rationale": a.impact_rationale or {},
            "note": a.note, "supersedes": a.supersedes.uuid if a.supersedes_id else None}


def _assessment_write(request: HttpRequest, scenario: Scenario, draft: Assessment | None,
                      payload: dict[str, Any]) -> Assessment:
    """The page's flow (``views._assessment_form``): the form over the draft (or the current final assessment's
    scores for a new one), ``assessment_save``, then ``assessment_finalise`` when asked."""
    finalise = bool(payload.pop("finalise", False))
    m = services.method(draft.method_id if draft else scenario.method_id)
    previous = selectors.current_assessment(scenario)
    values: dict[str, Any] = {k: v for k, v in payload.items() if k in ("likelihood", "likelihood_rationale", "note")}
    rename: dict[str, str] = {}
    unknown = []
    for part, suffix in (("impact", "class"), ("impact_rationale", "rationale")):
        for code, value in (payload.get(part) or {}).items():
            if code not in m.codes:
                unknown.append(api_forms.unknown_code(f"{part}.{code}", code))
                continue
            api_name = f"{part}.{code}"
            rename[api_name] = AssessmentForm.key(code, suffix)
            values[api_name] = value
    if unknown:
        raise problems.ApiProblem(422, "invalid", errors=unknown)
    form = api_forms.bind(lambda data: AssessmentForm(data, method=m, malicious=scenario.malicious,
                                                      initial_scores=draft or previous), values, rename=rename)
    try:
        a = services.assessment_save(by=request.user, scenario=scenario, data=form.data_for_service(),
                                     assessment=draft, method_id=m.id, supersedes=previous)
        if finalise:
            a = services.assessment_finalise(by=request.user, assessment=a)
    except FinalAssessmentError as exc:
        raise problems.ApiProblem(409, ("Een definitieve beoordeling wordt nooit gewijzigd; maak een nieuwe.",
                                        "A final assessment is never edited; make a new one.")) from exc
    except scoring.MethodVersionMismatch as exc:
        raise problems.ApiProblem(409, ("De methode is gewijzigd sinds deze beoordeling begon; maak een nieuwe.",
                                        "The method changed since this assessment was started; make a new one.")
                                  ) from exc
    except scoring.ScoreError as exc:
        raise problems.ApiProblem(422, "invalid", errors=[{"field": "impact", "row": None, "message_nl": str(exc),
                                                           "message_en": str(exc)}]) from exc
    return a


@router.post("/scenarios/{uuid}/assessments", response={201: AssessmentFull, **problems.documented(400, 403, 404, 409)},
             summary="Scenario beoordelen / assess a scenario: a new draft (or final) assessment under the "
                     "scenario's method; it starts from the current final assessment's scores")
def assessment_create(request: HttpRequest, uuid: UUID, payload: AssessmentIn) -> Any:
    s = selectors.scenario_get(request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, s), allowed=policy.can_change(request.user, s))
    return Status(201, _assessment_out(_assessment_write(request, s, None, payload.dict(exclude_unset=True))))


def _assessment_visible(request: HttpRequest, uuid: UUID) -> Assessment:
    a = selectors.assessment_get(request.user, uuid)
    if not a.is_final and not policy.owns(request.user, a.scenario):  # drafts stay with the owner (as the page)
        raise Http404
    return a


@router.get("/assessments/{uuid}", response=AssessmentFull,
            summary="Eén beoordeling / one assessment (drafts only for the scenario's owner)")
def assessment(request: HttpRequest, uuid: UUID) -> dict[str, object]:
    return _assessment_out(_assessment_visible(request, uuid))


@router.patch("/assessments/{uuid}", response={200: AssessmentFull, **problems.documented(400, 403, 404, 409)},
              summary="Conceptbeoordeling bijwerken / update a draft assessment (only the fields sent; a final "
                      "one is a 409)")
def assessment_update(request: HttpRequest, uuid: UUID, payload: AssessmentIn) -> Any:
    a = _assessment_visible(request, uuid)
    s = a.scenario
    api_forms.require_writable(owned=policy.owns(request.user, s), allowed=policy.can_change(request.user, s))
    if a.is_final:
        raise problems.ApiProblem(409, ("Een definitieve beoordeling wordt nooit gewijzigd; maak een nieuwe.",
                                        "A final assessment is never edited; make a new one."))
    return Status(200, _assessment_out(_assessment_write(request, s, a, payload.dict(exclude_unset=True))))

