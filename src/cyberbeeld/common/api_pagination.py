"""Cursor pagination for the API's lists: ``?limit=`` (1-200, default 50) and ``?cursor=`` from the
previous page's ``next_cursor`` (``null`` on the last page).

The cursor is opaque: a signed position in the list's fixed order (ties broken by primary key), so a
client cannot forge or edit one; a bad cursor is a 400 problem. Every list is ordered by its stable keys,
so walking the pages with the cursors visits each row once while nothing is added or removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import signing
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from . import problems

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_SALT = "cyberbeeld.api.cursor"


class Mapped:
    """A queryset whose slices are mapped to API objects (the paginator slices it, the map runs per page)."""

    def __init__(self, queryset: Any, fn: Callable[[Any], Any]) -> None:
        self.queryset, self.fn = queryset, fn

    def __getitem__(self, s: slice) -> list[Any]:
        return [self.fn(o) for o in self.queryset[s]]


def encode(position: int) -> str:
    return signing.dumps({"o": position}, salt=_SALT, compress=False)


def decode(cursor: str) -> int:
    try:
        position = signing.loads(cursor, salt=_SALT)["o"]
    except (signing.BadSignature, KeyError, TypeError, ValueError, UnicodeError) as exc:
        raise problems.ApiProblem(400, "cursor") from exc
    if not isinstance(position, int) or position < 0:
        raise problems.ApiProblem(400, "cursor")
    return position


class CursorPagination(PaginationBase):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page (1-{MAX_LIMIT})")
        cursor: str | None = Field(None, max_length=500, description="next_cursor of the previous page")

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None = None

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Any, **params: Any) -> dict[str, Any]:
        start = decode(pagination.cursor) if pagination.cursor else 0
        rows = list(queryset[start:start + pagination.limit + 1])
        more = len(rows) > pagination.limit
        return {"items": rows[:pagination.limit], "next_cursor": encode(start + pagination.limit) if more else None}


def stable(queryset: Any) -> Any:
    """The queryset in its own order with the primary key as the last tie-breaker (pages never overlap)."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    return queryset.order_by(*order, "-pk")
