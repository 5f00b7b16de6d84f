"""The start card on the dashboard: what is still missing for a complete first picture, until the first
report is made (then the card stays away and costs one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.accounts import pagecache
from cyberbeeld.common.modules import Card, register

from . import start
from .models import Report


@register("start")
def start_card(request: HttpRequest, organisation: Any) -> Card | None:
    """Cached per reader until the next write of what the cards show (``pagecache.dashboard_card``)."""
    if organisation is None:
        return None
    return pagecache.dashboard_card("start", user=request.user, organisation=organisation,
                                    compute=lambda: _start_card(request.user, organisation))


def _start_card(user: Any, organisation: Any) -> Card | None:
    if Report.objects.filter(owner=organisation).exists():
        return None
    steps = start.checklist(user, organisation)
    done = sum(1 for s in steps if s.done)
    if done == len(steps):
        return None
    todo = [s for s in steps if not s.done]
    return {"title": _("Eerste stappen"), "url": reverse("start:index"),
            "text": ngettext("%(k)s van %(n)s stap gedaan.", "%(k)s van %(n)s stappen gedaan.", len(steps))
            % {"k": done, "n": len(steps)},
            "items": [_("Volgende stap: %(s)s") % {"s": todo[0].label}]}
