from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cyberbeeld.web.modules import Card, register


@register("incidents")
def incidents_card(request: HttpRequest, organisation: Any) -> Card | None:
    from . import selectors

    qs = selectors.incident_list_visible_to(request.user)
    own = qs.filter(owner=organisation).count() if organisation else 0
    return {"title": _("Incidenten"), "url": reverse("incidents:list"),
            "text": _("%(own)s eigen incidenten; %(total)s zichtbaar in totaal.") % {"own": own, "total": qs.count()}}
