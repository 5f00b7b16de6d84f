"""Main-menu entries. Each app registers its own in ``AppConfig.ready()``; the shell knows no app."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from .registry import Registry


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    order: int


# A key registered again replaces its entry (ready() may run more than once in tests).
_ITEMS: Registry[NavItem] = Registry("menu entry", replace=True)


def register(key: str, label: str | Promise, url_name: str, order: int = 50) -> None:
    _ITEMS.add(key, NavItem(key, label, url_name, order), order=order)


def items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: (i.order, i.key))
