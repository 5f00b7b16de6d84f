from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cyberbeeld.common.modules import Card, register

from . import selectors


@register("risks")
def risks_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Scenarios by risk at a glance, and the open proposals of the drafted picture."""
    if not organisation:
        return None

    pic = selectors.picture(list(selectors.scenarios_visible_to(request.user, owner=organisation)))
    items = [f"{s.title}: {r.likelihood.best}/{r.impact.impact_class}" for s, _a, r in pic.entries[:3]]
    n_open = selectors.open_proposals_count(request.user, organisation)
    return {"title": _("Dreigingsbeeld"), "url": reverse("risks:picture"),
            "text": _("%(n)s scenario's beoordeeld, %(u)s nog niet; %(p)s open voorstellen.")
            % {"n": len(pic.entries), "u": len(pic.unscored), "p": n_open},
            "items": items}
