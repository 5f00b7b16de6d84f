"""Request ids (``X-Request-ID`` in and out, in every log line), one access-log line per request, and
``Cache-Control: no-store`` on every page served to a signed-in user."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from . import metrics
from .logs import current_user_id, request_id_var, request_var

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("cyberbeeld.requests")


def request_id_from(request: HttpRequest) -> str:
    """The proxy's request id when it is a plain token (so lines can be matched across the proxy and
    the app), otherwise a new one; never an arbitrary client string in the logs."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _VALID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request)
        request.request_id = rid  # type: ignore[attr-defined]
        tokens = (request_id_var.set(rid), request_var.set(request))
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            metrics.observe(request, response.status_code, time.perf_counter() - start)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s", request.method, request.path, response.status_code,
                    extra={"method": request.method, "path": request.path, "status": response.status_code,
                           "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                           "user_id": current_user_id(request)})
            return response
        finally:
            request_id_var.reset(tokens[0])
            request_var.reset(tokens[1])


class NoStoreForAuthenticatedMiddleware:
    """Pages for a signed-in user may hold TLP:AMBER/RED content: no browser or proxy may keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
        return response
