"""The dashboard's module cards. Each app contributes one through a small registry.

An app registers a callable ``(request, organisation) -> dict | None`` with :func:`register`; the
dashboard shows every card that is not None, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from .registry import Registry

Card = dict[str, Any]
CardFunction = Callable[[HttpRequest, Any], Card | None]
# Cards are shown in registration order (every card has the same order); a key registered twice is refused.
_REGISTRY: Registry[CardFunction] = Registry("dashboard module")


def register(key: str) -> Callable[[CardFunction], CardFunction]:
    return _REGISTRY.decorator(key)


def dashboard_modules(request: HttpRequest, organisation: Any) -> list[Card]:
    cards = [card for fn in _REGISTRY.values() if (card := fn(request, organisation)) is not None]
    for card in cards:  # templates read card.items; a missing key would resolve to dict.items()
        card.setdefault("items", [])
        card.setdefault("url", None)
    if not cards:
        cards.append({"title": _("Welkom"), "text": _("Nog geen modules beschikbaar."), "url": None})
    return cards
