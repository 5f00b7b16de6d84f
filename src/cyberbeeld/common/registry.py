"""One generic registry for the extension points (menu entries, dashboard cards, ...): each app registers
its entries in ``AppConfig.ready()``, so the shell lists them without knowing any app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by key, listed by ``order`` and then by registration.

    ``replace=False`` (the default) refuses a key registered twice, naming the registry and the key;
    ``replace=True`` lets a later registration of a key take the place of the earlier one."""

    def __init__(self, name: str, *, replace: bool = False) -> None:
        self.name = name
        self.replace = replace
        self._entries: dict[str, tuple[int, int, T]] = {}
        self._counter = 0

    def add(self, key: str, value: T, *, order: int = 50) -> T:
        if key in self._entries and not self.replace:
            raise ValueError(f"{self.name} {key!r} registered twice")
        self._counter += 1
        seq = self._entries[key][1] if key in self._entries else self._counter
        self._entries[key] = (order, seq, value)
        return value

    def decorator(self, key: str, *, order: int = 50) -> Callable[[T], T]:
        def deco(value: T) -> T:
            return self.add(key, value, order=order)

        return deco

    def items(self) -> list[tuple[str, T]]:
        ordered = sorted(self._entries.items(), key=lambda kv: (kv[1][0], kv[1][1]))
        return [(key, value) for key, (_order, _seq, value) in ordered]

    def values(self) -> list[T]:
        return [value for _key, value in self.items()]

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
