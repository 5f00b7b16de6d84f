"""The dashboard's module cards. Each app contributes one through a small registry.

An app registers a callable ``(request, organisation) -> dict | None`` with :func:`register`; the
dashboard shows every card that is not None, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

Card = dict[str, Any]
_REGISTRY: list[tuple[str, Callable[[HttpRequest, Any], Card | None]]] = []


def register(key: str) -> Callable[[Callable[[HttpRequest, Any], Card | None]], Callable[[HttpRequest, Any], Card | None]]:
    def deco(fn: Callable[[HttpRequest, Any], Card | None]) -> Callable[[HttpRequest, Any], Card | None]:
        if any(k == key for k, _ in _REGISTRY):
            raise ValueError(f"dashboard module {key!r} registered twice")
        _REGISTRY.append((key, fn))
        return fn

    return deco


def dashboard_modules(request: HttpRequest, organisation: Any) -> list[Card]:
    cards = [card for _key, fn in _REGISTRY if (card := fn(request, organisation)) is not None]
    for card in cards:  # templates read card.items; a missing key would resolve to dict.items()
        card.setdefault("items", [])
        card.setdefault("url", None)
    if not cards:
        cards.append({"title": _("Welkom"), "text": _("Nog geen modules beschikbaar."), "url": None})
    return cards


@register("areas")
def _areas_card(request: HttpRequest, organisation: Any) -> Card | None:
    from django.urls import reverse

    from cyberbeeld.areas.models import Area, AreaKind

    area = getattr(organisation, "area", None) if organisation else None
    items = []
    if area is not None:
        items.append(_("Veiligheidsregio: %(vr)s") % {"vr": area.veiligheidsregio.name if area.veiligheidsregio else _("onbekend")})
        items.append(_("Politie-eenheid: %(pe)s") % {"pe": area.politie_eenheid.name if area.politie_eenheid else _("nog niet ingevuld")})
        if area.peer_group:
            items.append(_("Vergelijkingsgroep: %(pg)s") % {"pg": area.peer_group.name_nl})
    n = Area.objects.filter(kind=AreaKind.GEMEENTE).current().count()
    return {"title": _("Gebieden"), "text": _("%(n)s gemeenten in Cyberbeeld.") % {"n": n},
            "items": items, "url": reverse("areas:list")}

