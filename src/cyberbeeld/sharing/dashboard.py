from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.common.modules import Card, register


@register("sharing")
def recent_region_cases_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Recent shared cases from my region (only what I may see)."""
    from . import selectors

    if not request.user.is_authenticated:
        return None
    recent = selectors.recent_region_cases(request.user, organisation or None)
    items = [f"{c.title} — {c.owner.name} ({c.tlp_label.label})" for c in recent]
    text = (_("Recent gedeelde casussen uit uw regio:") if items
            else _("Nog geen gedeelde casussen uit uw regio."))
    card = {"title": _("Casusboek"), "url": reverse("sharing:list"), "text": text, "items": items}
    if organisation is not None:
        # questions of partners about our own cases that nobody of ours has answered yet (one count)
        from .models import Question

        n = (Question.objects.filter(case__owner=organisation).exclude(organisation=organisation)
             .exclude(answers__organisation=organisation).count())
        card["links"] = [{"count": n, "url": reverse("sharing:list"),
                          "label": ngettext("open vraag van een partner", "open vragen van partners", n)}]
    return card
