"""The casebook API under /api/v1/sharing/: every read through selectors (policy)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from cyberbeeld.common.api_pagination import CursorPagination, Mapped, stable

from . import selectors

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
