from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cyberbeeld.common.modules import Card, register

from . import selectors


@register("sharing")
def recent_region_cases_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Recent shared cases from my region (only what I may see)."""
    if not request.user.is_authenticated:
        return None
    recent = selectors.recent_region_cases(request.user, organisation or None)
    items = [f"{c.title} — {c.owner.name} ({c.tlp_label.label})" for c in recent]
    text = (_("Recent gedeelde casussen uit uw regio:") if items
            else _("Nog geen gedeelde casussen uit uw regio."))
    return {"title": _("Casusboek"), "url": reverse("sharing:list"), "text": text, "items": items}
