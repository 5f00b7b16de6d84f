from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from .models import Area

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    slug: str
    kind: str
    population: int | None
    provincie: str | None
    veiligheidsregio: str | None
    politie_eenheid: str | None
    peer_group: str | None
    current: bool


def _out(a: Area) -> dict[str, object]:
    return {
        "code": a.code, "name": a.name, "slug": a.slug, "kind": a.kind, "population": a.population,
        "provincie": a.provincie.code if a.provincie else None,
        "veiligheidsregio": a.veiligheidsregio.code if a.veiligheidsregio else None,
        "politie_eenheid": a.politie_eenheid.code if a.politie_eenheid else None,
        "peer_group": a.peer_group.code if a.peer_group else None,
        "current": a.is_current,
    }


_RELATED = ("provincie", "veiligheidsregio", "politie_eenheid", "peer_group")


@router.get("/gemeenten", response=list[AreaOut], summary="Alle actuele gemeenten / all current gemeenten")
def gemeenten(request: HttpRequest) -> list[dict[str, object]]:
    return [_out(a) for a in Area.objects.gemeenten().current().select_related(*_RELATED)]


@router.get("/{code}", response=AreaOut, summary="Eén gebied / one area")
def area(request: HttpRequest, code: str) -> dict[str, object]:
    return _out(get_object_or_404(Area.objects.select_related(*_RELATED), code=code.upper()))
