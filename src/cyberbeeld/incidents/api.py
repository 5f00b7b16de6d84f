from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.areas.models import Area
from cyberbeeld.common.api_pagination import CursorPagination, Mapped, stable

from . import questions, selectors
from .forms import DetailFieldsForm, IncidentForm
from .models import Incident
from .services import INCIDENT_FIELDS, current_forms, incident_save

router = Router(tags=["incidents"])


class IncidentOut(Schema):
    uuid: UUID
    title: str
    owner: str
    tlp: str
    form: str | None
    category: str | None
    area: str | None
    reported_on: dt.date | None
    status: str
    description: str
    description_is_redacted: bool
    details: dict[str, object]


def _out(user: object, inc: Incident) -> dict[str, object]:
    own = selectors.raw_text_visible(user, inc)
    return {
        "uuid": inc.uuid, "title": inc.title, "owner": inc.owner.slug, "tlp": inc.tlp,
        "form": inc.form.code if inc.form else None,
        "category": inc.form.category.code if inc.form else None,
        "area": inc.area.code if inc.area else None, "reported_on": inc.reported_on, "status": inc.status,
        "description": inc.raw_description if own else inc.redacted_description,
        "description_is_redacted": not own,
        "details": inc.details or {},  # free-text answers are redacted when stored
    }


@router.get("", response=list[IncidentOut], summary="Incidenten die u mag zien / incidents visible to you")
@paginate(CursorPagination)
def incidents(request: HttpRequest, q: str = "", form: str = "", category: str = "", status: str = "",
              area: str = "") -> Mapped:
    qs = selectors.incident_list_visible_to(request.user, q=q, form=form, category=category, status=status,
                                            area=area)
    return Mapped(stable(qs), lambda i: _out(request.user, i))


@router.get("/{uuid}", response=IncidentOut, summary="Eén incident / one incident")
def incident(request: HttpRequest, uuid: UUID) -> dict[str, object]:
    return _out(request.user, selectors.incident_get(request.user, uuid))


# --- writes (through the web form's validation and incident_save: redaction and classification applied) ---

from typing import Any  # noqa: E402

from django.db import IntegrityError  # noqa: E402
from ninja import Field, Status  # noqa: E402

from cyberbeeld.accounts import policy  # noqa: E402
from cyberbeeld.common import api_forms, problems  # noqa: E402

CHOICES = "sector: burgers|mkb|gemeente|vitaal|zorg|onderwijs|openbare-orde|anders; impact: A-E; source: " \
          "aangifte|melding|ciso|media|partner; status: nieuw|in-behandeling|afgesloten; tlp: clear|green|amber|" \
          "amber+strict|red"


class IncidentPatch(Schema):
    title: str | None = Field(None, max_length=300)
    raw_description: str | None = Field(None, max_length=100_000,
                                        description="Blijft binnen uw organisatie; gedeeld wordt de tekst zonder "
                                                    "persoonsgegevens / stays inside your organisation")
    form: str | None = Field(None, max_length=50, description="code of the form (taxonomy); empty: suggested")
    occurred_on: dt.date | None = None
    reported_on: dt.date | None = None
    area: str | None = Field(None, max_length=10, description="CBS code of the gemeente, e.g. GM0935")
    postcode4: str | None = Field(None, max_length=4)
    sector: str | None = Field(None, max_length=20, description=CHOICES)
    victim_type: str | None = Field(None, max_length=100)
    modus: str | None = Field(None, max_length=300)
    impact: str | None = Field(None, max_length=1)
    source: str | None = Field(None, max_length=20)
    status: str | None = Field(None, max_length=20)
    tlp: str | None = Field(None, max_length=20, description="changing it on an update needs coördinator (sharing)")
    details: dict[str, Any] | None = Field(None, description="answers to the questions of the chosen form")


class IncidentIn(IncidentPatch):
    title: str = Field(..., min_length=1, max_length=300)  # type: ignore[assignment]
    external_id: str | None = Field(None, max_length=100,
                                    description="your system's key: a second create with it is a 409")


def _form_pk(code: Any) -> Any:
    return current_forms().filter(code=str(code)).values_list("pk", flat=True).first()


def _area_pk(code: Any) -> Any:
    return Area.objects.gemeenten().current().filter(code=str(code).upper()).values_list("pk", flat=True).first()


def _write(request: HttpRequest, payload: dict[str, Any], incident: Incident | None) -> Incident:
    api_forms.refuse_nul(payload)  # also in ``details``, which the form does not see
    details = payload.pop("details", None)
    external_id = payload.pop("external_id", None) or ""
    form = api_forms.bind(lambda data: IncidentForm(data, instance=incident, viewer=request.user), payload,
                          lookups={"form": _form_pk, "area": _area_pk}, refused=("tlp",))
    code = form.cleaned_data["form"].code if form.cleaned_data.get("form") else None
    answers = questions.initial(details if details is not None else (incident.details if incident else {}))
    details_form = DetailFieldsForm(answers, form_code=code)
    if not details_form.is_valid():
        raise problems.ApiProblem(422, "invalid", errors=problems.form_errors(details_form, prefix="details."))
    data = {k: form.cleaned_data[k] for k in INCIDENT_FIELDS if k in form.cleaned_data}
    data["details"] = details_form.details()
    owner = incident.owner if incident else request.organisation  # type: ignore[attr-defined]
    if external_id:
        if Incident.objects.filter(owner=owner, external_id=external_id).exists():
            raise problems.ApiProblem(409, ("Er is al een incident met deze external_id.",
                                            "An incident with this external_id already exists."))
        data["external_id"] = external_id
    try:
        return incident_save(by=request.user, owner=owner, data=data, incident=incident)
    except IntegrityError as exc:  # the same external_id saved concurrently
        raise problems.ApiProblem(409, ("Er is al een incident met deze external_id.",
                                        "An incident with this external_id already exists.")) from exc


@router.post("", response={201: IncidentOut, **problems.documented(400, 403, 409)},
             summary="Incident registreren / register an incident (redaction and classification applied)")
def incident_create(request: HttpRequest, payload: IncidentIn) -> Any:
    api_forms.creating_organisation(request, policy.can_create_in)
    return Status(201, _out(request.user, _write(request, payload.dict(exclude_unset=True), None)))


@router.patch("/{uuid}", response={200: IncidentOut, **problems.documented(400, 403, 404, 409)},
              summary="Incident bijwerken / update an incident (only the fields sent)")
def incident_update(request: HttpRequest, uuid: UUID, payload: IncidentPatch) -> Any:
    inc = selectors.incident_get(request.user, uuid)
    api_forms.require_writable(owned=policy.owns(request.user, inc), allowed=policy.can_change(request.user, inc))
    return Status(200, _out(request.user, _write(request, payload.dict(exclude_unset=True), inc)))

