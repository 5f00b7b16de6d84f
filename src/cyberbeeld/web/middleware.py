"""Requests whose parameters can never be valid are refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse


class RejectNulMiddleware:
    """A NUL character in the path or in a parameter is a 400.

    No text in Cyberbeeld contains one, and PostgreSQL refuses it in every string (a lookup with it
    would end in a 500 there, while SQLite answers): refusing it here keeps both databases alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET):
            raise BadRequest("NUL character in the request")
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data") and _has_nul(request.POST):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


def _has_nul(data: object) -> bool:
    for key, values in data.lists():  # type: ignore[attr-defined]
        if "\x00" in key or any("\x00" in v for v in values):
            return True
    return False
