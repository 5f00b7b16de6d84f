"""The areas app's dashboard card (registered in ``AreasConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cyberbeeld.common.modules import Card, register

from .models import Area, AreaKind


@register("areas")
def _areas_card(request: HttpRequest, organisation: Any) -> Card | None:
    area = getattr(organisation, "area", None) if organisation else None
    items = []
    if area is not None:
        items.append(_("Veiligheidsregio: %(vr)s") % {"vr": area.veiligheidsregio.name if area.veiligheidsregio else _("onbekend")})
        items.append(_("Politie-eenheid: %(pe)s") % {"pe": area.politie_eenheid.name if area.politie_eenheid else _("nog niet ingevuld")})
        if area.peer_group:
            items.append(_("Vergelijkingsgroep: %(pg)s") % {"pg": area.peer_group.name})
    n = Area.objects.filter(kind=AreaKind.GEMEENTE).current().count()
    return {"title": _("Gebieden"), "text": _("%(n)s gemeenten in Cyberbeeld.") % {"n": n},
            "items": items, "url": reverse("areas:list")}

