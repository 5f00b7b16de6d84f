"""Apps add their own demo content by appending a callable ``hook(orgs=, areas=, log=)`` here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HOOKS: list[Callable[..., Any]] = []
