"""A paginator whose count stops at a ceiling: counting every visible row of a large table on every page
view is a full scan (100,000 incidents: ~80 ms on PostgreSQL); counting up to ``cap`` rows is bounded.
Pages beyond the ceiling are not offered; the page says "more than <cap>" (``capped``)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int = 10_000, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _capped_count(self) -> int:
        return int(self.object_list[: self.cap + 1].count())

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._capped_count, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more rows than ``cap`` (the count shown is a lower bound)."""
        return self._capped_count > self.cap
