from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.common.modules import Card, register

from . import selectors


@register("actions")
def actions_card(request: HttpRequest, organisation: Any) -> Card | None:
    if organisation is None:
        return None
    overdue = selectors.overdue_measures(request.user, organisation).count()
    uncovered = len(selectors.uncovered(request.user, organisation))
    items = [ngettext("%(n)s scenario zonder levende maatregel", "%(n)s scenario's zonder levende maatregel",
                      uncovered) % {"n": uncovered}]
    nxt = selectors.next_exercise(request.user, organisation)
    if nxt is not None:
        items.append(_("Volgende oefening: %(t)s op %(d)s") % {"t": nxt.title, "d": timezone.localtime(nxt.planned_for).strftime("%Y-%m-%d")})
    else:
        items.append(_("Geen oefening gepland"))
    return {"title": _("Maatregelen en oefeningen"), "url": reverse("actions:list"),
            "text": _("Wat er gebeurt met het dreigingsbeeld."), "items": items,
            "links": [{"count": overdue, "url": reverse("actions:overdue"),
                       "label": ngettext("maatregel te laat", "maatregelen te laat", overdue)}]}
