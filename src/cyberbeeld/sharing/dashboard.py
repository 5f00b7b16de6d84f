from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.accounts import pagecache
from cyberbeeld.common.modules import Card, register

from . import selectors


@register("sharing")
def recent_region_cases_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Recent shared cases from my region (only what I may see); cached per reader until the next write of what the
    cards show (``pagecache.dashboard_card``)."""
    if not request.user.is_authenticated:
        return None
    return pagecache.dashboard_card("sharing", user=request.user, organisation=organisation,
                                    compute=lambda: _sharing_card(request.user, organisation))


def _sharing_card(user: Any, organisation: Any) -> Card:
    recent = selectors.recent_region_cases(user, organisation or None)
    items = [f"{c.title} — {c.owner.name} ({c.tlp_label.label})" for c in recent]
    text = (_("Recent gedeelde casussen uit uw regio:") if items
            else _("Nog geen gedeelde casussen uit uw regio."))
    # the owner hears of a partner's question here (and above the casebook), not only on the case itself
    asked = selectors.open_partner_questions(user, organisation or None)
    if asked:
        notice = ngettext("Een partner stelde een vraag over uw casus die nog open staat.",
                          "Partners stelden %(n)d vragen over uw casussen die nog open staan.", len(asked)) \
            % {"n": len(asked)}
        items = [f"{q.organisation.name}: {q.case.title}" for q in asked[:5]] + items
        text = f"{notice} {text}"
    card = {"title": _("Casusboek"), "url": reverse("sharing:list"), "text": text, "items": items}
    if organisation is not None:  # the same open questions as one count with a link (dashboard at a glance)
        n = len(asked)
        card["links"] = [{"count": n, "url": reverse("sharing:list"),
                          "label": ngettext("open vraag van een partner", "open vragen van partners", n)}]
    return card
