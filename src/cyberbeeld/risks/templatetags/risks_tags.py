from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from cyberbeeld.risks import scoring

register = template.Library()


@register.filter
def zone_badge(result: Any) -> str:
    """The risk zone of a scored scenario as a coloured badge with its text (never colour alone)."""
    if result is None:
        return "—"
    lang = "en" if (get_language() or "nl").startswith("en") else "nl"
    zone = result.zone
    return format_html('<span class="cb-zone cb-zone--{}">{}</span>', zone.replace(" ", "-"),
                       scoring.ZONE_LABELS[zone][lang])
