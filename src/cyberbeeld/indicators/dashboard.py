from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cyberbeeld.common.modules import Card, register

from . import monitor, selectors


@register("monitor")
def monitor_card(request: HttpRequest, organisation: Any) -> Card | None:
    area = getattr(organisation, "area", None) if organisation else None
    items = []
    if area is not None:
        lang = monitor.lang_of(get_language())
        for ind, obs in selectors.indicators_for_area(area)[:4]:
            unit = "%" if ind.unit == "percent" else f" {ind.unit_label}" if ind.measure_type == "rate" else ""
            text = f"{ind.name}: {monitor.fmt(obs[-1].value, ind, lang)}{unit} ({obs[-1].period})"
            ch = monitor.changes(ind, obs[-2:], lang, area.name) if len(obs) > 1 else []
            if ch and ch[-1]["significant"]:
                text += " — " + _("significant veranderd")
            items.append(text)
    return {"title": _("Monitor"), "url": reverse("indicators:index"),
            "text": _("Slachtofferschap en geregistreerde cybercriminaliteit in uw gemeente."), "items": items}
