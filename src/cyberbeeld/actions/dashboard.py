from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.accounts import pagecache
from cyberbeeld.common.modules import Card, register

from . import selectors


@register("actions")
def actions_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Overdue measures, scenarios without a living measure, the next exercise; cached per reader until the next
    write of what the cards show or the next day (``pagecache.dashboard_card``)."""
    if organisation is None:
        return None
    return pagecache.dashboard_card("actions", user=request.user, organisation=organisation,
                                    compute=lambda: _actions_card(request.user, organisation))


def _actions_card(user: Any, organisation: Any) -> Card:
    overdue = selectors.overdue_measures(user, organisation).count()
    uncovered = len(selectors.uncovered(user, organisation))
    items = [ngettext("%(n)s scenario zonder levende maatregel", "%(n)s scenario's zonder levende maatregel",
                      uncovered) % {"n": uncovered}]
    nxt = selectors.next_exercise(user, organisation)
    if nxt is not None:
        items.append(_("Volgende oefening: %(t)s op %(d)s") % {"t": nxt.title, "d": timezone.localtime(nxt.planned_for).strftime("%Y-%m-%d")})
    else:
        items.append(_("Geen oefening gepland"))
    return {"title": _("Maatregelen en oefeningen"), "url": reverse("actions:list"),
            "text": _("Wat er gebeurt met het dreigingsbeeld."), "items": items,
            "links": [{"count": overdue, "url": reverse("actions:overdue"),
                       "label": ngettext("maatregel te laat", "maatregelen te laat", overdue)}]}
