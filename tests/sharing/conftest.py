"""Casebook fixtures: a few cases and approaches with known labels and audiences."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def no_redact(monkeypatch: Any) -> None:
    """Tests that do not test redaction skip the (slow to warm) deduce model."""
    from cyberbeeld.sharing import services

    monkeypatch.setattr(services, "redact", lambda text: text)
