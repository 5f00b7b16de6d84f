"""The casebook API under /api/v1/sharing/: every read through selectors (policy)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.accounts.models import Audience, Organisation
from cyberbeeld.common.api_pagination import CursorPagination, Mapped, stable
from cyberbeeld.incidents import selectors as incidents
from cyberbeeld.incidents.services import current_forms

from . import forms as item_forms
from . import selectors
from .forms import AnswerForm, QuestionForm, ShareForm
from .models import Question

router = Router(tags=["sharing"])


class ItemOut(Schema):
    uuid: UUID
    kind: str
    title: str
    owner: str
    tlp: str
    forms: list[str]
    sectors: list[str]
    tags: list[str]
    region: str | None
    year: int | None
    text: dict[str, str]
    updated_at: dt.datetime


class FacetOut(Schema):
    value: str | None
    label: str | None
    count: int


class SearchOut(Schema):
    total: int
    results: list[ItemOut]
    facets: dict[str, list[FacetOut]]


def _out(obj: Any) -> dict[str, Any]:
    return {
        "uuid": obj.uuid, "kind": obj._meta.model_name, "title": obj.title, "owner": obj.owner.slug, "tlp": obj.tlp,
        "forms": [f.code for f in obj.forms.all()], "sectors": obj.sector_list, "tags": obj.tag_list,
        "region": obj.region.code if obj.region_id else None, "year": obj.year,
        "text": {f: getattr(obj, f) or "" for f in obj.TEXT_FIELDS}, "updated_at": obj.updated_at,
    }


@router.get("/cases", response=list[ItemOut], summary="Casussen die u mag zien / cases visible to you")
@paginate(CursorPagination)
def cases(request: HttpRequest) -> Mapped:
    return Mapped(stable(selectors.cases_visible_to(request.user).prefetch_related("forms")), _out)


@router.get("/cases/{uuid}", response=ItemOut, summary="Eén casus / one case")
def case(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    return _out(selectors.case_get(request.user, uuid))


@router.get("/approaches", response=list[ItemOut], summary="Aanpakken die u mag zien / approaches visible to you")
@paginate(CursorPagination)
def approaches(request: HttpRequest) -> Mapped:
    return Mapped(stable(selectors.approaches_visible_to(request.user).prefetch_related("forms")), _out)


@router.get("/approaches/{uuid}", response=ItemOut, summary="Eén aanpak / one approach")
def approach(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    return _out(selectors.approach_get(request.user, uuid))


@router.get("/search", response=SearchOut, summary="Zoeken met facetten / full-text search with facets")
def search(request: HttpRequest, q: str = "", kind: str = "case", form: str = "", category: str = "",
           sector: str = "", region: str = "", year: str = "", tlp: str = "") -> dict[str, Any]:
    kind = kind if kind in selectors.MODELS else "case"
    res = selectors.search(request.user, kind=kind, q=q, filters={
        "form": form, "category": category, "sector": sector, "region": region, "year": year, "tlp": tlp})
    return {"total": res.total, "facets": res.facets,
            "results": [_out(o) for o in res.objects(res.ids[:100])]}


# --- writes: the casebook's own forms (CaseForm, ApproachForm, ShareForm) and services (case_save,
# approach_save, share, withdraw): free text redacted, audited, the search index kept current, sharing only by a
# coördinator of the owner and never above the ceiling of what a case was made from ---

from django.core.exceptions import ValidationError  # noqa: E402
from ninja import Field, Status  # noqa: E402

from cyberbeeld.accounts import policy  # noqa: E402
from cyberbeeld.common import api_forms, problems  # noqa: E402

from . import services  # noqa: E402
from .models import Approach, Case, LegalBasis  # noqa: E402

TEXT = 100_000
SECTORS = "burgers|mkb|gemeente|vitaal|zorg|onderwijs|openbare-orde|anders"


class _ItemPatch(Schema):
    title: str | None = Field(None, max_length=300)
    forms: list[str] | None = Field(None, max_length=200, description="codes of forms (taxonomy)")
    sectors: list[str] | None = Field(None, max_length=20, description=SECTORS)
    tags: str | None = Field(None, max_length=500, description="comma-separated keywords")


class CasePatch(_ItemPatch):
    summary: str | None = Field(None, max_length=TEXT, description="personal data is removed before it is stored")
    occurred_on: dt.date | None = None
    impact: str | None = Field(None, max_length=1, description="A-E")
    actions_taken: str | None = Field(None, max_length=TEXT)
    actors: str | None = Field(None, max_length=300)
    outcome: str | None = Field(None, max_length=TEXT)


class CaseIn(CasePatch):
    title: str = Field(..., min_length=1, max_length=300)  # type: ignore[assignment]


class ApproachPatch(_ItemPatch):
    problem: str | None = Field(None, max_length=TEXT)
    approach: str | None = Field(None, max_length=TEXT)
    partners: str | None = Field(None, max_length=500)
    cost_capacity: str | None = Field(None, max_length=500)
    results: str | None = Field(None, max_length=TEXT)
    lessons: str | None = Field(None, max_length=TEXT)
    contact: str | None = Field(None, max_length=300)


class ApproachIn(ApproachPatch):
    title: str = Field(..., min_length=1, max_length=300)  # type: ignore[assignment]


class ShareIn(Schema):
    tlp: str | None = Field(None, max_length=20, description="clear|green|amber|amber+strict|red (RED: only the "
                                                               "author; an API token then no longer sees it)")
    organisations: list[str] | None = Field(None, max_length=500, description="slugs of organisations")
    audiences: list[str] | None = Field(None, max_length=200, description="slugs of your audiences")
    region: bool | None = Field(None, description="the owner's veiligheidsregio")
    community: bool | None = Field(None, description="every organisation (TLP:GREEN only)")
    legal_basis: str | None = Field(None, max_length=30, description="|".join(LegalBasis.values))
    purpose: str | None = Field(None, max_length=300)


class SharingOut(Schema):
    uuid: UUID
    kind: str
    tlp: str
    organisations: list[str]
    audiences: list[str]
    region: bool
    community: bool
    legal_basis: str
    purpose: str
    narrowed: bool
    widened: bool
    withdrawn: bool


KINDS: dict[str, dict[str, Any]] = {
    "cases": {"model": Case, "get": selectors.case_get, "form": "CaseForm", "save": "case_save",
              "fields": services.CASE_FIELDS, "kw": "case"},
    "approaches": {"model": Approach, "get": selectors.approach_get, "form": "ApproachForm",
                   "save": "approach_save", "fields": services.APPROACH_FIELDS, "kw": "approach"},
}


def _form_codes(values: Any) -> Any:
    found = dict(current_forms().filter(code__in=[str(v) for v in values]).values_list("code", "pk"))
    pks = [found.get(str(v)) for v in values]
    return None if None in pks else pks


def _item_write(request: HttpRequest, kind: str, payload: dict[str, Any], obj: Any) -> Any:
    spec = KINDS[kind]
    form_class = getattr(item_forms, spec["form"])
    owner = obj.owner if obj is not None else request.organisation  # type: ignore[attr-defined]
    form = api_forms.bind(lambda data: form_class(data, instance=obj), payload, lookups={"form_set": _form_codes},
                          rename={"forms": "form_set", "sectors": "sector_set"})
    data = {k: form.cleaned_data[k] for k in spec["fields"] if k in form.cleaned_data}
    save = getattr(services, spec["save"])
    try:
        return save(by=request.user, owner=owner, data=data, forms=form.cleaned_data["form_set"],
                    sectors=form.cleaned_data["sector_set"], **{spec["kw"]: obj})
    except ValidationError as exc:  # the model's own checks (full_clean) after the form's
        raise problems.ApiProblem(422, "invalid", errors=_validation_errors(exc)) from exc


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, errors in items:
        for error in errors:
            texts = {}
            for lang in ("nl", "en"):
                with translation.override(lang):
                    texts[lang] = " ".join(str(m) for m in ValidationError([error]).messages)
            out.append({"field": None if field in (None, "__all__") else field, "row": None,
                        "message_nl": texts["nl"], "message_en": texts["en"]})
    return out


def _create(request: HttpRequest, kind: str, payload: Schema) -> Any:
    api_forms.creating_organisation(request, policy.can_create_in)
    obj = _item_write(request, kind, payload.dict(exclude_unset=True), None)
    return Status(201, _out(obj))


def _update(request: HttpRequest, kind: str, uuid: UUID, payload: Schema) -> Any:
    obj = KINDS[kind]["get"](request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, obj), allowed=policy.can_change(request.user, obj))
    return Status(200, _out(_item_write(request, kind, payload.dict(exclude_unset=True), obj)))


def _sharing_out(obj: Any, change: Any) -> dict[str, Any]:
    return {"uuid": obj.uuid, "kind": obj._meta.model_name, "tlp": obj.tlp,
            "organisations": sorted(o.slug for o in obj.audience_organisations.all()),
            "audiences": sorted(a.slug for a in obj.audiences.all()), "region": obj.audience_region,
            "community": obj.audience_community, "legal_basis": obj.legal_basis, "purpose": obj.purpose,
            "narrowed": change.narrowed, "widened": change.widened, "withdrawn": change.withdrawn}


def _shareable(request: HttpRequest, kind: str, uuid: UUID) -> Any:
    obj = KINDS[kind]["get"](request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, obj), allowed=policy.can_share(request.user, obj))
    return obj


def _share(request: HttpRequest, kind: str, uuid: UUID, payload: ShareIn) -> Any:
    obj = _shareable(request, kind, uuid)
    owner = obj.owner
    initial = {"tlp": obj.tlp, "organisations": list(obj.audience_organisations.all()),
               "audiences": list(obj.audiences.all()), "region": obj.audience_region,
               "community": obj.audience_community, "legal_basis": obj.legal_basis, "purpose": obj.purpose}

    def organisations(values: Any) -> Any:
        found = dict(Organisation.objects.exclude(pk=owner.pk).filter(slug__in=[str(v) for v in values])
                     .values_list("slug", "pk"))
        pks = [found.get(str(v)) for v in values]
        return None if None in pks else pks

    def audiences(values: Any) -> Any:  # only the owner's own audiences and those it belongs to (as the page)
        mine = Audience.objects.filter(Q(owner=owner) | Q(organisations=owner))
        found = dict(mine.filter(slug__in=[str(v) for v in values]).values_list("slug", "pk").distinct())
        pks = [found.get(str(v)) for v in values]
        return None if None in pks else pks

    form = api_forms.bind(lambda data: ShareForm(data, owner=owner, initial=initial),
                          payload.dict(exclude_unset=True),
                          lookups={"organisations": organisations, "audiences": audiences})
    d = form.cleaned_data
    try:
        change = services.share(by=request.user, obj=obj, tlp=d["tlp"], organisations=d["organisations"],
                                audiences=d["audiences"], region=d["region"], community=d["community"],
                                legal_basis=d["legal_basis"], purpose=d["purpose"])
    except ValidationError as exc:
        raise problems.ApiProblem(422, "invalid", errors=_validation_errors(exc)) from exc
    # wider than what it was made from (a promoted incident): CeilingError, answered by api.main's handler
    obj.refresh_from_db()
    return Status(200, _sharing_out(obj, change))


def _withdraw(request: HttpRequest, kind: str, uuid: UUID) -> Any:
    obj = _shareable(request, kind, uuid)
    change = services.withdraw(by=request.user, obj=obj)
    obj.refresh_from_db()
    return Status(200, _sharing_out(obj, change))


WRITE = problems.documented(400, 403, 404)


@router.post("/cases", response={201: ItemOut, **problems.documented(400, 403)},
             summary="Casus maken / create a case (personal data removed from the text)")
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    return _create(request, "cases", payload)


@router.patch("/cases/{uuid}", response={200: ItemOut, **WRITE},
              summary="Casus bijwerken / update a case (only the fields sent)")
def case_update(request: HttpRequest, uuid: UUID, payload: CasePatch) -> Any:
    return _update(request, "cases", uuid, payload)


@router.post("/cases/{uuid}/share", response={200: SharingOut, **WRITE},
             summary="Casus delen / share a case: label, audience, legal basis and purpose (coördinator)")
def case_share(request: HttpRequest, uuid: UUID, payload: ShareIn) -> Any:
    return _share(request, "cases", uuid, payload)


@router.post("/cases/{uuid}/withdraw", response={200: SharingOut, **WRITE},
             summary="Delen van een casus intrekken / withdraw a case: only your organisation sees it (coördinator)")
def case_withdraw(request: HttpRequest, uuid: UUID) -> Any:
    return _withdraw(request, "cases", uuid)


@router.post("/approaches", response={201: ItemOut, **problems.documented(400, 403)},
             summary="Aanpak maken / create an approach")
def approach_create(request: HttpRequest, payload: ApproachIn) -> Any:
    return _create(request, "approaches", payload)


@router.patch("/approaches/{uuid}", response={200: ItemOut, **WRITE},
              summary="Aanpak bijwerken / update an approach (only the fields sent)")
def approach_update(request: HttpRequest, uuid: UUID, payload: ApproachPatch) -> Any:
    return _update(request, "approaches", uuid, payload)


@router.post("/approaches/{uuid}/share", response={200: SharingOut, **WRITE},
             summary="Aanpak delen / share an approach: label, audience, legal basis and purpose (coördinator)")
def approach_share(request: HttpRequest, uuid: UUID, payload: ShareIn) -> Any:
    return _share(request, "approaches", uuid, payload)


@router.post("/approaches/{uuid}/withdraw", response={200: SharingOut, **WRITE},
             summary="Delen van een aanpak intrekken / withdraw an approach (coördinator)")
def approach_withdraw(request: HttpRequest, uuid: UUID) -> Any:
    return _withdraw(request, "approaches", uuid)



# --- what else the casebook's pages allow: a case from an incident, adopting an approach, questions and answers ---


def _needs_scope(request: HttpRequest, family: str, write: bool) -> None:
    """An operation that also reads or writes another family (an incident read for a case, a measure made from
    an approach) needs that family's scope too, so a token never reaches beyond its scopes through another path."""
    grant = getattr(request, "auth", None)
    if grant is not None and hasattr(grant, "allows") and not grant.allows(family, write):
        raise problems.ApiProblem(403, "scope", params={"scope": f"{family}:{'write' if write else 'read'}"},
                                  headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})


@router.post("/cases/from-incident/{uuid}", response={201: ItemOut, **WRITE},
             summary="Casus maken van een eigen incident / make a case from your incident (only its text without "
                     "personal data; at least its label). Needs incidents:read too")
def case_from_incident(request: HttpRequest, uuid: UUID) -> Any:
    _needs_scope(request, "incidents", False)
    incident = incidents.incident_get(request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, incident),
                               allowed=policy.can_change(request.user, incident))
    case = services.promote_incident(by=request.user, incident=incident)  # CeilingError: api.main's handler
    return Status(201, _out(case))


class AdoptionOut(Schema):
    approach: UUID
    organisation: str
    measure: str | None
    note: str


@router.post("/approaches/{uuid}/adopt", response={200: AdoptionOut, **WRITE},
             summary="Aanpak overnemen als maatregel / adopt an approach as a measure of your organisation "
                     "(once; again returns the same adoption). Needs actions:write too")
def approach_adopt(request: HttpRequest, uuid: UUID) -> Any:
    _needs_scope(request, "actions", True)
    approach = selectors.approach_get(request.user, uuid)
    org = api_forms.creating_organisation(request, policy.can_create_in)
    # AMBER+STRICT or RED of another owner is not passed on: CeilingError, answered by api.main's handler
    adoption = services.adopt(by=request.user, approach=approach, organisation=org)
    return Status(200, {"approach": approach.uuid, "organisation": org.slug, "measure": adoption.measure_ref or None,
                        "note": adoption.note})


class TextIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000, description="personal data is removed before it is stored")


class QuestionOut(Schema):
    uuid: UUID
    case: UUID
    organisation: str
    text: str
    created_at: dt.datetime


class AnswerOut(Schema):
    question: UUID
    organisation: str
    text: str
    created_at: dt.datetime


def _text(payload: TextIn, form_class: Any) -> str:
    form = api_forms.bind(lambda data: form_class(data), payload.dict())
    return str(form.cleaned_data["text"])


@router.post("/cases/{uuid}/questions", response={201: QuestionOut, **WRITE},
             summary="Vraag stellen over een casus die u mag zien / ask a question about a case you may see")
def question_ask(request: HttpRequest, uuid: UUID, payload: TextIn) -> Any:
    case = selectors.case_get(request.user, uuid)
    text = _text(payload, QuestionForm)
    try:
        q = services.question_ask(by=request.user, case=case, organisation=getattr(request, "organisation", None),
                                  text=text)
    except ValidationError as exc:
        raise problems.ApiProblem(422, "invalid", errors=_validation_errors(exc)) from exc
    except PermissionError as exc:
        raise problems.ApiProblem(403, "role") from exc
    return Status(201, {"uuid": q.uuid, "case": case.uuid, "organisation": q.organisation.slug, "text": q.text,
                        "created_at": q.created_at})


@router.post("/questions/{uuid}/answers", response={201: AnswerOut, **WRITE},
             summary="Antwoord geven op een vraag bij een casus die u mag zien / answer a question about a case "
                     "you may see")
def answer_give(request: HttpRequest, uuid: UUID, payload: TextIn) -> Any:
    question = Question.objects.filter(uuid=uuid).select_related("case").first()
    if question is None or not policy.can_view(request.user, question.case):
        raise problems.ApiProblem(404, "not-found")
    text = _text(payload, AnswerForm)
    try:
        a = services.answer_give(by=request.user, question=question,
                                 organisation=getattr(request, "organisation", None), text=text)
    except ValidationError as exc:
        raise problems.ApiProblem(422, "invalid", errors=_validation_errors(exc)) from exc
    except PermissionError as exc:
        raise problems.ApiProblem(403, "role") from exc
    return Status(201, {"question": question.uuid, "organisation": a.organisation.slug, "text": a.text,
                        "created_at": a.created_at})
