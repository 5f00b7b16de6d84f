"""Typed request parameters for views: a value that cannot be what the view expects is a 400 page.

A view that reads ``request.GET``/``request.POST`` directly and hands the text to the ORM turns
``?form=abc`` into a ValueError deep in a query and a 500. These helpers parse first; a missing or
empty parameter is ``None`` (the view decides what that means), a malformed one raises
:class:`django.core.exceptions.BadRequest`, which Django answers with the 400 page.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest

# the largest value any integer key column holds on both SQLite and PostgreSQL (bigint)
MAX_INT = 2**63 - 1


def _raw(request: HttpRequest, name: str, source: str) -> str | None:
    data: Any = request.POST if source == "POST" else request.GET
    value = data.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_pk(value: Any) -> int | None:
    """A primary key from submitted text, ``None`` when it cannot be one (so a lookup finds nothing)."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_INT:
        return None
    return int(text)


def int_param(request: HttpRequest, name: str, *, source: str = "GET", minimum: int | None = None,
              maximum: int = MAX_INT) -> int | None:
    """The parameter as an integer in [minimum, maximum], ``None`` when absent or empty."""
    raw = _raw(request, name, source)
    if raw is None:
        return None
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 20:
        raise BadRequest(f"parameter {name!r} must be a whole number")
    value = int(raw)
    if (minimum is not None and value < minimum) or value > maximum or value < -MAX_INT:
        raise BadRequest(f"parameter {name!r} is out of range")
    return value


def pk_param(request: HttpRequest, name: str, *, source: str = "GET") -> int | None:
    """A primary key: a positive integer."""
    return int_param(request, name, source=source, minimum=1)


def uuid_param(request: HttpRequest, name: str, *, source: str = "GET") -> uuid_module.UUID | None:
    raw = _raw(request, name, source)
    if raw is None:
        return None
    try:
        return uuid_module.UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise BadRequest(f"parameter {name!r} must be a UUID") from None


def choice_param(request: HttpRequest, name: str, choices: Any, *, source: str = "GET",
                 default: str | None = None) -> str | None:
    """One of ``choices`` (or ``default`` when absent)."""
    raw = _raw(request, name, source)
    if raw is None:
        return default
    if raw not in set(choices):
        raise BadRequest(f"parameter {name!r} has an unknown value")
    return raw
