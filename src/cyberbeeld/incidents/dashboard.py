from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Value
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.accounts import pagecache, policy
from cyberbeeld.common.modules import Card, register

from . import earlywarning, selectors
from .models import Incident


@register("incidents")
def incidents_card(request: HttpRequest, organisation: Any) -> Card | None:
    def counts() -> tuple[int, int]:
        # one aggregate over the visible rows (not two counts), cached until the next incident write
        qs = policy.visible(request.user, Incident.objects.all())
        own = Count("pk", filter=Q(owner=organisation)) if organisation else Value(0)
        got = qs.aggregate(own=own, total=Count("pk"))
        return int(got["own"] or 0), int(got["total"] or 0)

    own, total = pagecache.cached(selectors.CACHE_KIND, "dashboard-counts", user=request.user,
                                  organisation=organisation, compute=counts)
    return {"title": _("Incidenten"), "url": reverse("incidents:list"),
            "text": ngettext("%(own)s eigen incident; %(total)s zichtbaar in totaal.",
                             "%(own)s eigen incidenten; %(total)s zichtbaar in totaal.", own) % {
                "own": number_format(own, force_grouping=True), "total": number_format(total, force_grouping=True)}}


EARLY_WARNING_MAX_AGE = 300  # seconds


@register("incidents-early-warning")
def early_warning_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Unusual rises per form × gemeente of the user's organisation (``surveillance.py``). A monthly signal over
    every incident of the area: computed at most every ``EARLY_WARNING_MAX_AGE`` seconds per reader (not after every
    incident write, which at 100,000 incidents made the dashboard rescan the register all the time), with the time
    it was computed on the card; the early-warning page always computes afresh."""
    if organisation is None:
        return None
    alerts, computed_at = pagecache.recent(selectors.CACHE_KIND, "early-warning", user=request.user,
                                           organisation=organisation, max_age=EARLY_WARNING_MAX_AGE,
                                           compute=lambda: earlywarning.alerts_for(request.user, organisation))
    items = [_("%(form)s in %(area)s: %(obs)s in %(period)s (verwacht %(exp)s)") % {
        "form": a.form.name, "area": a.area.name, "obs": int(a.observed), "period": a.period,
        "exp": number_format(round(a.expected, 1), decimal_pos=1)} for a in alerts[:3]]
    text = (ngettext("%(n)s ongewone stijging in de laatste maanden.", "%(n)s ongewone stijgingen in de laatste maanden.",
                     len(alerts)) % {"n": len(alerts)} if alerts
            else _("Geen ongewone stijgingen in de laatste maanden."))
    text += " " + _("Berekend om %(time)s; de pagina Vroegsignalering rekent altijd met de nieuwste incidenten.") % {
        "time": timezone.localtime(computed_at).strftime("%H:%M")}
    return {"title": _("Vroegsignalering"), "url": reverse("incidents:early_warning"), "text": text, "items": items}
