"""Request guards before and around the views.

* :class:`RejectNulMiddleware`: requests whose parameters can never be valid are refused before any
  view sees them.
* :class:`ApplicationErrorMiddleware`: the one page handler for ``common.errors``: an application error
  that a view did not turn into a form message becomes a page with its status, title and message in the
  page's language (another organisation's object: the ordinary 404 page, as for a missing one).
* :class:`DatabaseBusyMiddleware`: a write the database could not take in time (SQLite's write lock
  still held after the busy timeout) is refused with a page that says so and a 503 with ``Retry-After``
  — not a 500 with a traceback. Nothing was written: the request's transaction was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from cyberbeeld.common import errors, problems
from cyberbeeld.common.errors import ApplicationError

logger = logging.getLogger("cyberbeeld.web")


class RejectNulMiddleware:
    """A NUL character in the path or in a parameter is a 400.

    No text in Cyberbeeld contains one, and PostgreSQL refuses it in every string (a lookup with it
    would end in a 500 there, while SQLite answers): refusing it here keeps both databases alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET):
            if _is_api(request):  # the API answers with problem+json, as for any other bad request
                return _api_problem(400, "nul")
            raise BadRequest("NUL character in the request")
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data") and _has_nul(request.POST):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/v1/")


def _api_problem(status: int, detail: str) -> HttpResponse:
    return problems.response(None, status, problems.DETAILS[detail])


def _has_nul(data: object) -> bool:
    for key, values in data.lists():  # type: ignore[attr-defined]
        if "\x00" in key or any("\x00" in v for v in values):
            return True
    return False


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if not isinstance(exception, ApplicationError):
            return None
        if _is_api(request):  # (the API's own handler answers first; this covers a plain Django view under it)
            return problems.error_response(request, exception)
        return error_page(request, exception)


def error_page(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """The page for an application error: 404 is the ordinary not-found page (a write on another
    organisation's object reveals no more than a read); otherwise the kind's title, the message and the
    place (file, row, field) in the page's language, and the stable code."""
    if exc.status == 404:
        return HttpResponse(render_to_string("404.html", request=request), status=404)
    lang = translation.get_language() or "nl"
    kind = problems.STATUS_KIND.get(exc.status, "bad-request" if exc.status < 500 else "unavailable")
    _status, title_nl, title_en = problems.KINDS[kind]
    context = {"title": title_en if lang.startswith("en") else title_nl, "message": exc.reason_text(lang),
               "where": errors.location("en" if lang.startswith("en") else "nl", exc.file, exc.row, exc.field),
               "code": exc.code, "rows": [e.line(lang) for e in exc.errors[:20]]}
    return HttpResponse(render_to_string("error.html", context, request=request), status=exc.status)


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if not is_busy(exception):
            return None
        logger.warning("database busy: %s %s refused (%s)", request.method, request.path, exception)
        if _is_api(request):
            response = _api_problem(503, "busy")
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
