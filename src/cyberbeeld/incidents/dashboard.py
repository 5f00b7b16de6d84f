from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cyberbeeld.common.modules import Card, register


@register("incidents")
def incidents_card(request: HttpRequest, organisation: Any) -> Card | None:
    from . import selectors

    qs = selectors.incident_list_visible_to(request.user)
    own = qs.filter(owner=organisation).count() if organisation else 0
    return {"title": _("Incidenten"), "url": reverse("incidents:list"),
            "text": _("%(own)s eigen incidenten; %(total)s zichtbaar in totaal.") % {"own": own, "total": qs.count()}}


@register("incidents-early-warning")
def early_warning_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Unusual rises per form × gemeente of the user's organisation (``surveillance.py``)."""
    from . import earlywarning

    if organisation is None:
        return None
    alerts = earlywarning.alerts_for(request.user, organisation)
    items = [_("%(form)s in %(area)s: %(obs)s in %(period)s (verwacht %(exp)s)") % {
        "form": a.form.name, "area": a.area.name, "obs": int(a.observed), "period": a.period,
        "exp": f"{a.expected:.1f}"} for a in alerts[:3]]
    text = (_("%(n)s ongewone stijging(en) in de laatste maanden.") % {"n": len(alerts)} if alerts
            else _("Geen ongewone stijgingen in de laatste maanden."))
    return {"title": _("Vroegsignalering"), "url": reverse("incidents:early_warning"), "text": text, "items": items}
