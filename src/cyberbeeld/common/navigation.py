"""Main-menu entries. Each app registers its own in ``AppConfig.ready()``; the shell knows no app."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    order: int


_ITEMS: dict[str, NavItem] = {}


def register(key: str, label: str | Promise, url_name: str, order: int = 50) -> None:
    _ITEMS[key] = NavItem(key, label, url_name, order)


def items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: (i.order, i.key))
