"""The areas app's dashboard card (registered in ``AreasConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cyberbeeld.common.modules import Card, register

from .models import Area, AreaKind


@register("areas")
def _areas_card(request: HttpRequest, organisation: Any) -> Card | None:
    area = getattr(organisation, "area", None) if organisation else None
    items = []
    if area is not None:  # its regions and peer group in one query (not one each)
        area = (Area.objects.select_related("veiligheidsregio", "politie_eenheid", "peer_group")
                .defer("geometry", "veiligheidsregio__geometry", "politie_eenheid__geometry").get(pk=area.pk))
        items.append(_("Veiligheidsregio: %(vr)s") % {"vr": area.veiligheidsregio.name if area.veiligheidsregio else _("onbekend")})
        items.append(_("Politie-eenheid: %(pe)s") % {"pe": area.politie_eenheid.name if area.politie_eenheid else _("nog niet ingevuld")})
        if area.peer_group:
            english = (get_language() or "nl").startswith("en") and area.peer_group.name_en
            items.append(_("Vergelijkingsgroep: %(pg)s") % {
                "pg": area.peer_group.name_en if english else area.peer_group.name_nl})
    n = Area.objects.filter(kind=AreaKind.GEMEENTE).current().count()
    return {"title": _("Gebieden"), "text": _("%(n)s gemeenten in Cyberbeeld.") % {"n": number_format(n, force_grouping=True)},
            "items": items, "url": reverse("areas:list")}

