"""Structured logs: the request id and the user's numeric id on every record, and a JSON formatter.

Select JSON with ``CYBERBEELD_LOG_FORMAT=json`` (one object per line on stderr). Records carry ids
only, never names, e-mail addresses, query strings or request bodies.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.utils.functional import empty

request_id_var: ContextVar[str] = ContextVar("cyberbeeld_request_id", default="-")
request_var: ContextVar[Any] = ContextVar("cyberbeeld_request", default=None)

# Extra attributes a log call may pass (``logger.info(..., extra={...})``) that the JSON line keeps.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "view", "event", "count")


def current_user_id(request: Any) -> int | None:
    """The authenticated user's id, without evaluating a lazy user the request has not resolved yet
    (a log line must never cause a database query)."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)

    if wrapped is empty:
        return None
    if getattr(wrapped, "is_authenticated", False):
        return int(wrapped.pk)
    return None


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record (``-``/None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user_id"):
            record.user_id = current_user_id(request_var.get())
        # Django's own records carry the request object; it never goes into a line.
        if hasattr(record, "request"):
            record.request = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "user_id": getattr(record, "user_id", None),
        }
        for key in EXTRA_FIELDS:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
