from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from . import selectors
from .models import Incident

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
def incidents(request: HttpRequest, q: str = "", form: str = "", category: str = "", status: str = "") -> list[dict[str, object]]:
    qs = selectors.incident_list_visible_to(request.user, q=q, form=form, category=category, status=status)
    return [_out(request.user, i) for i in qs[:500]]


@router.get("/{uuid}", response=IncidentOut, summary="Eén incident / one incident")
def incident(request: HttpRequest, uuid: UUID) -> dict[str, object]:
    return _out(request.user, selectors.incident_get(request.user, uuid))
